import { describe, expect, it } from "vitest";
import { reconcile, type RecordedPayment } from "../src/domain/reconciliation.js";

const paid = (txnRef: string, amount: number): RecordedPayment => ({ paymentId: `p-${txnRef}`, txnRef, dossierCode: `D-${txnRef}`, agencyCode: "A", amount, gatewayTransactionId: `g-${txnRef}` });

describe("daily reconciliation", () => {
  it("given three payments and a file listing two of them, one with another amount, and a line we never had, then matched 1 and three mismatches", () => {
    const result = reconcile(
      [paid("T1", 10_000), paid("T2", 20_000), paid("T3", 8_000)],
      [
        { txnRef: "T1", transactionNo: "g-T1", amount: 10_000 },
        { txnRef: "T2", transactionNo: "g-T2", amount: 2_000 },
        { txnRef: "T9", transactionNo: "g-T9", amount: 4_000 },
      ],
      (txnRef) => (txnRef === "T9" ? { paymentId: "p-T9", txnRef, dossierCode: "D-T9", agencyCode: "A", amount: 4_000 } : undefined),
    );
    expect(result.matched.map((p) => p.txnRef)).toEqual(["T1"]);
    expect(result.matchedAmount).toBe(10_000);
    expect(result.mismatches).toEqual([
      { kind: "AMOUNT_DIFFERS", txnRef: "T2", paymentId: "p-T2", dossierCode: "D-T2", agencyCode: "A", gatewayTransactionId: "g-T2", recordedAmount: 20_000, statementAmount: 2_000 },
      { kind: "MISSING_IN_STATEMENT", txnRef: "T3", paymentId: "p-T3", dossierCode: "D-T3", agencyCode: "A", gatewayTransactionId: "g-T3", recordedAmount: 8_000, statementAmount: 0 },
      { kind: "MISSING_IN_RECORDS", txnRef: "T9", paymentId: "p-T9", dossierCode: "D-T9", agencyCode: "A", gatewayTransactionId: "g-T9", recordedAmount: 0, statementAmount: 4_000 },
    ]);
  });

  it("given an empty day on both sides, then nothing to report", () => {
    expect(reconcile([], [])).toEqual({ matched: [], matchedAmount: 0, mismatches: [] });
  });
});
