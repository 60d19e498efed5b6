/**
 * Daily reconciliation (pure): our succeeded gateway payments of a day against the gateway's file
 * of that day. Each side is keyed by the order reference (vnp_TxnRef); one mismatch per difference:
 * MISSING_IN_STATEMENT (we recorded a payment the gateway does not list), MISSING_IN_RECORDS (the
 * gateway lists money we have no succeeded payment for: an extra line, a payment made after its
 * order expired) and AMOUNT_DIFFERS.
 */
export type MismatchKind = "MISSING_IN_STATEMENT" | "MISSING_IN_RECORDS" | "AMOUNT_DIFFERS";

export interface RecordedPayment {
  paymentId: string;
  txnRef: string;
  dossierCode: string;
  agencyCode: string;
  amount: number;
  gatewayTransactionId: string;
}

export interface StatementLine {
  txnRef: string;
  transactionNo: string;
  amount: number;
}

export interface Mismatch {
  kind: MismatchKind;
  txnRef: string;
  paymentId: string;
  dossierCode: string;
  agencyCode: string;
  gatewayTransactionId: string;
  recordedAmount: number;
  statementAmount: number;
}

export interface ReconciliationResult {
  matched: RecordedPayment[];
  matchedAmount: number;
  mismatches: Mismatch[];
}

/** `known` finds any payment of ours by order reference (also ones not succeeded), to name the dossier of an extra line. */
export function reconcile(
  recorded: readonly RecordedPayment[],
  statement: readonly StatementLine[],
  known: (txnRef: string) => Omit<RecordedPayment, "gatewayTransactionId"> | undefined = () => undefined,
): ReconciliationResult {
  const lines = new Map(statement.map((line) => [line.txnRef, line]));
  const ours = new Map(recorded.map((payment) => [payment.txnRef, payment]));
  const matched: RecordedPayment[] = [];
  const mismatches: Mismatch[] = [];
  for (const payment of recorded) {
    const line = lines.get(payment.txnRef);
    const base = { txnRef: payment.txnRef, paymentId: payment.paymentId, dossierCode: payment.dossierCode, agencyCode: payment.agencyCode, recordedAmount: payment.amount };
    if (!line) mismatches.push({ ...base, kind: "MISSING_IN_STATEMENT", gatewayTransactionId: payment.gatewayTransactionId, statementAmount: 0 });
    else if (line.amount !== payment.amount) mismatches.push({ ...base, kind: "AMOUNT_DIFFERS", gatewayTransactionId: line.transactionNo, statementAmount: line.amount });
    else matched.push(payment);
  }
  for (const line of statement) {
    if (ours.has(line.txnRef)) continue;
    const payment = known(line.txnRef);
    mismatches.push({
      kind: "MISSING_IN_RECORDS",
      txnRef: line.txnRef,
      paymentId: payment?.paymentId ?? "",
      dossierCode: payment?.dossierCode ?? "",
      agencyCode: payment?.agencyCode ?? "",
      gatewayTransactionId: line.transactionNo,
      recordedAmount: 0,
      statementAmount: line.amount,
    });
  }
  return { matched, matchedAmount: matched.reduce((sum, p) => sum + p.amount, 0), mismatches };
}
