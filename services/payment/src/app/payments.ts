/**
 * The payment service's use cases: assess a received dossier's fees, request a payment, take a
 * gateway's callback, expire orders, confirm desk and transfer payments, refund, record settlement,
 * reconcile a day against the gateway's file. Each loads by `_id`, decides (domain), saves the new
 * state with its events in the document's outbox, then lets the relay publish.
 */
import { derivedEventId, newEnvelope, type EventEnvelope } from "@onestop/bus";
import { formatInstant, localDateOf } from "@onestop/calendar";
import { subjectFor, type EventType } from "@onestop/contracts";
import { assessFees, type AssessedLine, type Assessment, type CatalogueFee, type FeeRules, type FilingChannel } from "../domain/fees.js";
import {
  PaymentError,
  decideCallback,
  decideExpiry,
  decideManualConfirmation,
  decideRefund,
  decideSettlement,
  fold,
  requestPayment,
  type CallbackOutcome,
  type PaymentChannel,
  type PaymentEvent,
  type PaymentState,
} from "../domain/payment.js";
import { reconcile, type Mismatch, type StatementLine } from "../domain/reconciliation.js";
import { ConcurrentUpdateError, type AssessmentDoc, type OutboxEntry, type PaymentDoc, type PaymentStore, type ReconciliationDoc } from "../adapters/store/payment-store.js";
import type { PaymentGateway } from "./ports.js";

export const SOURCE = "urn:onestop:payment";

export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

export interface Receipt {
  eventId: string;
  dossierCode: string;
  procedureCode: string;
  agencyCode: string;
  receivingUnitCode: string;
  channel: FilingChannel;
  receivedAt: string;
  receiptCodes: string[];
}

export interface PaymentsDeps {
  store: PaymentStore;
  rules: FeeRules;
  /** The procedure's catalogue fee lines, undefined for an unknown procedure. */
  catalogueFees(procedureCode: string): readonly CatalogueFee[] | undefined;
  gateways: ReadonlyMap<PaymentChannel, PaymentGateway>;
  /** Publishes what the outbox of a document holds (the relay). */
  kick(collection: "assessments" | "payments" | "reconciliations", id: string): void;
  orderTtlMs: number;
  now?: () => number;
}

const CHANNEL_ENUM: Record<PaymentChannel, string> = {
  DESK: "PAYMENT_CHANNEL_DESK",
  BANK_TRANSFER: "PAYMENT_CHANNEL_BANK_TRANSFER",
  NATIONAL_PLATFORM: "PAYMENT_CHANNEL_NATIONAL_PLATFORM",
  OTHER_GATEWAY: "PAYMENT_CHANNEL_OTHER_GATEWAY",
};
const KIND_ENUM = { FEE: "FEE_KIND_FEE", CHARGE: "FEE_KIND_CHARGE", UNSPECIFIED: "FEE_KIND_UNSPECIFIED" } as const;

/** Proto3 JSON of fee lines (camelCase, enum names, int64 as numbers: exact far above any fee). */
export const feeLinesJson = (lines: readonly AssessedLine[]) =>
  lines.map((line) => ({ code: line.code, amount: line.amount, name: line.name, kind: KIND_ENUM[line.kind], waiverReason: line.waiverReason }));

function entry<T extends EventType>(type: T, agencyCode: string, subject: string, time: string, data: unknown, id: string): OutboxEntry {
  const envelope: EventEnvelope = newEnvelope({ type, source: SOURCE, subject, time, data, id });
  return { subject: subjectFor(type, { agencyCode } as never), envelope };
}

/** The catalogue events of a payment's domain events; ids derived from the payment and the change, so a retried decision publishes duplicates JetStream drops. */
function paymentEntries(state: PaymentState, events: readonly PaymentEvent[], version: number): OutboxEntry[] {
  return events.flatMap((event, i): OutboxEntry[] => {
    const id = derivedEventId(state.paymentId, `${event.type}:${version}:${i}`);
    const base = { paymentId: state.paymentId, dossierCode: state.dossierCode };
    const channel = CHANNEL_ENUM[state.channel];
    switch (event.type) {
      case "REQUESTED":
        return [
          entry(
            "vn.onestop.payment.requested.v1",
            state.agencyCode,
            state.dossierCode,
            event.state.requestedAt,
            {
              ...base,
              channel,
              amount: event.state.amount,
              lines: feeLinesJson(event.state.lines),
              requestedAt: event.state.requestedAt,
              expiresAt: event.state.expiresAt ?? "",
            },
            id,
          ),
        ];
      case "SUCCEEDED":
        return [
          entry(
            "vn.onestop.payment.succeeded.v1",
            state.agencyCode,
            state.dossierCode,
            event.paidAt,
            {
              ...base,
              channel,
              amount: state.amount,
              paidAt: event.paidAt,
              gatewayTransactionId: event.gatewayTransactionId,
              settlementDueAt: event.settlementDueAt ?? "",
            },
            id,
          ),
        ];
      case "FAILED":
        return [
          entry(
            "vn.onestop.payment.failed.v1",
            state.agencyCode,
            state.dossierCode,
            event.failedAt,
            { ...base, channel, failedAt: event.failedAt, errorCode: event.errorCode, reason: event.reason },
            id,
          ),
        ];
      case "EXPIRED":
        return [
          entry(
            "vn.onestop.payment.failed.v1",
            state.agencyCode,
            state.dossierCode,
            event.expiredAt,
            { ...base, channel, failedAt: event.expiredAt, errorCode: "EXPIRED", reason: "Hết hạn thanh toán" },
            id,
          ),
        ];
      case "REFUNDED":
        return [
          entry("vn.onestop.payment.refunded.v1", state.agencyCode, state.dossierCode, event.refundedAt, { ...base, amount: event.amount, refundedAt: event.refundedAt, reason: event.reason }, id),
        ];
      case "SETTLED":
        return [];
    }
  });
}

/** Order references are the payment id without hyphens (32 hex digits, within vnp_TxnRef's [1,100] alphanumerics). */
export const txnRefOf = (paymentId: string) => paymentId.replaceAll("-", "");
export function paymentIdOfTxnRef(txnRef: string): string | undefined {
  if (!/^[0-9a-f]{32}$/.test(txnRef)) return undefined;
  return `${txnRef.slice(0, 8)}-${txnRef.slice(8, 12)}-${txnRef.slice(12, 16)}-${txnRef.slice(16, 20)}-${txnRef.slice(20)}`;
}

export class Payments {
  private readonly now: () => number;
  constructor(private readonly deps: PaymentsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Assesses a received dossier once (redelivered receipts change nothing). */
  async assessReceipt(receipt: Receipt): Promise<AssessmentDoc | null> {
    const catalogue = this.deps.catalogueFees(receipt.procedureCode) ?? [];
    const assessment = assessFees(
      { procedureCode: receipt.procedureCode, channel: receipt.channel, receivedOn: localDateOf(receipt.receivedAt), catalogue, receiptCodes: receipt.receiptCodes, facts: {} },
      this.deps.rules,
    );
    const assessedAt = formatInstant(this.now());
    const outbox = [
      entry(
        "vn.onestop.payment.fees_assessed.v1",
        receipt.agencyCode,
        receipt.dossierCode,
        assessedAt,
        {
          dossierCode: receipt.dossierCode,
          procedureCode: receipt.procedureCode,
          lines: feeLinesJson(assessment.lines),
          total: assessment.total,
          assessedAt,
        },
        derivedEventId(receipt.eventId, "fees_assessed"),
      ),
    ];
    await this.deps.store.insertAssessment({
      _id: receipt.dossierCode,
      procedureCode: receipt.procedureCode,
      agencyCode: receipt.agencyCode,
      receivingUnitCode: receipt.receivingUnitCode,
      channel: receipt.channel,
      receivedAt: receipt.receivedAt,
      receiptEventId: receipt.eventId,
      receiptCodes: receipt.receiptCodes,
      assessment,
      outbox,
    });
    // Inserted now or by an earlier delivery whose publish may not have finished: publish what is pending.
    this.deps.kick("assessments", receipt.dossierCode);
    return this.deps.store.assessment(receipt.dossierCode);
  }

  /** The facts the rules read (registrationOnTime, exemptApplicant…): what an officer may state. */
  knownFacts(): ReadonlySet<string> {
    return new Set([...this.deps.rules.alternatives.map((rule) => rule.fact), ...this.deps.rules.exemptions.map((rule) => rule.fact)]);
  }

  /**
   * Assesses a received dossier again with the facts an officer states (a late registration, an
   * exempt applicant), before any payment of it was requested or made: the new lines replace the
   * old and a new FeesAssessed announces them (reporting keeps the latest). Refused once a payment
   * is pending, requested or succeeded (PAYMENT_STARTED); a failed, expired or fully refunded one
   * does not count (an exempt applicant who paid by mistake is refunded, then assessed again).
   */
  async reassess(dossierCode: string, facts: Record<string, string>): Promise<AssessmentDoc> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await this.assessmentOf(dossierCode);
      const started = (await this.deps.store.paymentsOfDossier(dossierCode)).some((p) => ["PENDING", "REQUESTED", "SUCCEEDED"].includes(p.state.status));
      if (started) throw new PaymentError("PAYMENT_STARTED", "Hồ sơ đã có khoản thanh toán: không xác định lại phí, lệ phí");
      const catalogue = this.deps.catalogueFees(doc.procedureCode) ?? [];
      const assessment = assessFees(
        {
          procedureCode: doc.procedureCode,
          channel: doc.channel as FilingChannel,
          receivedOn: localDateOf(doc.receivedAt),
          catalogue,
          receiptCodes: doc.receiptCodes ?? doc.assessment.lines.map((line) => line.code),
          facts,
        },
        this.deps.rules,
      );
      const assessedAt = formatInstant(this.now());
      const event = entry(
        "vn.onestop.payment.fees_assessed.v1",
        doc.agencyCode,
        dossierCode,
        assessedAt,
        { dossierCode, procedureCode: doc.procedureCode, lines: feeLinesJson(assessment.lines), total: assessment.total, assessedAt },
        derivedEventId(doc.receiptEventId, `fees_assessed:${doc.version + 1}`),
      );
      try {
        await this.deps.store.updateAssessment(doc, { assessment, facts }, [event]);
      } catch (error) {
        if (error instanceof ConcurrentUpdateError) continue;
        throw error;
      }
      this.deps.kick("assessments", dossierCode);
      return this.assessmentOf(dossierCode);
    }
    throw new ConcurrentUpdateError(dossierCode);
  }

  /** What a dossier owes, with the facts a desk states (late registration, an exempt applicant); nothing is stored. */
  assess(input: { procedureCode: string; channel: FilingChannel; at: string; facts: Record<string, string>; receiptCodes?: string[] }): Assessment {
    const catalogue = this.deps.catalogueFees(input.procedureCode);
    if (!catalogue) throw new NotFoundError(`Không có thủ tục ${input.procedureCode} trong danh mục`);
    return assessFees(
      {
        procedureCode: input.procedureCode,
        channel: input.channel,
        receivedOn: localDateOf(input.at),
        catalogue,
        receiptCodes: input.receiptCodes ?? catalogue.map((f) => f.code),
        facts: input.facts,
      },
      this.deps.rules,
    );
  }

  async assessmentOf(dossierCode: string): Promise<AssessmentDoc> {
    const doc = await this.deps.store.assessment(dossierCode);
    if (!doc) throw new NotFoundError(`Chưa có kết quả xác định phí, lệ phí của hồ sơ ${dossierCode}`);
    return doc;
  }

  /**
   * Requests the payment of the dossier's assessed lines. The id is derived from the dossier and
   * the idempotency key, so the same request twice is one payment.
   */
  async request(input: {
    dossierCode: string;
    channel: PaymentChannel;
    idempotencyKey: string;
    clientAddress: string;
    returnUrl?: string;
  }): Promise<{ payment: PaymentState; paymentUrl?: string; created: boolean }> {
    const assessment = await this.assessmentOf(input.dossierCode);
    const paymentId = derivedEventId(`${input.dossierCode}\u0000${input.channel}`, input.idempotencyKey);
    const existing = await this.deps.store.payment(paymentId);
    const gateway = this.deps.gateways.get(input.channel);
    if (existing) return { payment: existing.state, ...this.urlOf(existing.state, gateway, input), created: false };
    const events = requestPayment({
      paymentId,
      txnRef: txnRefOf(paymentId),
      dossierCode: input.dossierCode,
      agencyCode: assessment.agencyCode,
      receivingUnitCode: assessment.receivingUnitCode,
      channel: input.channel,
      lines: assessment.assessment.lines,
      now: this.now(),
      expiresAfterMs: this.deps.orderTtlMs,
    });
    const state = fold(undefined, events)!;
    const created = await this.deps.store.insertPayment(state, paymentEntries(state, events, 1));
    if (created) await this.deps.store.afterPaymentChange(state, gateway?.name);
    this.deps.kick("payments", paymentId);
    const stored = created ? state : ((await this.deps.store.payment(paymentId))?.state ?? state);
    return { payment: stored, ...this.urlOf(stored, gateway, input), created };
  }

  private urlOf(state: PaymentState, gateway: PaymentGateway | undefined, input: { clientAddress: string; returnUrl?: string }): { paymentUrl?: string } {
    if (!gateway || state.status !== "PENDING" || !state.expiresAt) return {};
    return {
      paymentUrl: gateway.paymentUrl({
        txnRef: state.txnRef,
        amount: state.amount,
        createdAt: Date.parse(state.requestedAt),
        expiresAt: Date.parse(state.expiresAt),
        description: `Nop phi le phi ho so ${state.dossierCode}`,
        clientAddress: input.clientAddress,
        ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
      }),
    };
  }

  async get(paymentId: string): Promise<PaymentState> {
    const doc = await this.deps.store.payment(paymentId);
    if (!doc) throw new NotFoundError(`Không có khoản thanh toán ${paymentId}`);
    return doc.state;
  }

  async ofDossier(dossierCode: string): Promise<PaymentState[]> {
    return (await this.deps.store.paymentsOfDossier(dossierCode)).map((doc) => doc.state).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  /** A gateway's callback: verified, applied at most once; the outcome says how to answer it. */
  async callback(gateway: PaymentGateway, query: Record<string, string>): Promise<{ outcome: CallbackOutcome; paymentId?: string }> {
    const callback = gateway.readCallback(query);
    const paymentId = callback.signatureValid && callback.txnRef ? paymentIdOfTxnRef(callback.txnRef) : undefined;
    const now = this.now();
    const input = {
      signatureValid: callback.signatureValid,
      amount: callback.currencyValid ? callback.amount : undefined,
      succeeded: callback.succeeded,
      responseCode: callback.responseCode,
      reason: callback.reason,
      transactionNo: callback.transactionNo,
      paidAt: callback.paidAt,
      now,
    };
    if (!callback.signatureValid) return { outcome: decideCallback(input, undefined).outcome };
    return this.change(paymentId, (state) => decideCallback(input, state?.channel === gateway.channel ? state : undefined), gateway.name);
  }

  /** Expires the online orders whose time is up; returns how many. */
  async expireDue(): Promise<number> {
    const now = this.now();
    let expired = 0;
    for (const id of await this.deps.store.expiredOrders(formatInstant(now))) {
      const { events } = await this.change(id, (state) => ({ outcome: "CONFIRMED", events: state ? decideExpiry(state, now) : [] }));
      expired += events;
    }
    return expired;
  }

  async confirm(paymentId: string, command: { succeeded: boolean; at: number; reference: string; reason: string }): Promise<PaymentState> {
    await this.changeOrThrow(paymentId, (state) => decideManualConfirmation(state, command));
    return this.get(paymentId);
  }

  async refund(paymentId: string, command: { amount: number; reason: string }): Promise<PaymentState> {
    await this.changeOrThrow(paymentId, (state) => decideRefund(state, { ...command, at: this.now() }));
    return this.get(paymentId);
  }

  async settle(paymentId: string, at: number): Promise<PaymentState> {
    await this.changeOrThrow(paymentId, (state) => decideSettlement(state, at));
    return this.get(paymentId);
  }

  private async changeOrThrow(paymentId: string, decide: (state: PaymentState) => PaymentEvent[]): Promise<void> {
    if (!(await this.deps.store.payment(paymentId))) throw new NotFoundError(`Không có khoản thanh toán ${paymentId}`);
    await this.change(paymentId, (state) => ({ outcome: "CONFIRMED", events: decide(state!) }));
  }

  /** Load, decide, save conditionally on the version (the loser of a race decides again). */
  private async change(
    paymentId: string | undefined,
    decide: (state: PaymentState | undefined) => { outcome: CallbackOutcome; events: PaymentEvent[] },
    gatewayName?: string,
  ): Promise<{ outcome: CallbackOutcome; paymentId?: string; events: number }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc: PaymentDoc | null = paymentId ? await this.deps.store.payment(paymentId) : null;
      const decision = decide(doc?.state);
      if (!doc || decision.events.length === 0) return { outcome: decision.outcome, ...(doc ? { paymentId: doc._id } : {}), events: 0 };
      const state = fold(doc.state, decision.events)!;
      try {
        await this.deps.store.updatePayment(doc, state, paymentEntries(state, decision.events, doc.version + 1));
      } catch (error) {
        if (error instanceof ConcurrentUpdateError) continue;
        throw error;
      }
      await this.deps.store.afterPaymentChange(state, gatewayName ?? this.deps.gateways.get(state.channel)?.name);
      this.deps.kick("payments", doc._id);
      return { outcome: decision.outcome, paymentId: doc._id, events: decision.events.length };
    }
    throw new ConcurrentUpdateError(paymentId ?? "");
  }

  /**
   * Reconciles a gateway's day (YYYY-MM-DD, Vietnam) against its file: once per gateway and day
   * (the id is `<gateway>-<yyyyMMdd>`), publishing PaymentsReconciled and one DiscrepancyFound per
   * mismatch, with ids derived from the reconciliation so a retry publishes nothing new.
   */
  async reconcileDay(gateway: PaymentGateway, day: string, agencyCode: string, statement?: StatementLine[]): Promise<ReconciliationDoc> {
    const reconciliationId = `${gateway.name}-${day.replaceAll("-", "")}`;
    const done = await this.deps.store.reconciliation(reconciliationId);
    if (done) {
      await this.deps.store.applyReconciliation(done);
      this.deps.kick("reconciliations", reconciliationId);
      return done;
    }
    const given = statement ?? (await gateway.statement(day));
    const recorded = (await this.deps.store.paymentsOfDay(gateway.name, day))
      .map((doc) => doc.state)
      .filter((state) => state.status === "SUCCEEDED" || state.status === "REFUNDED")
      .map((state) => ({
        paymentId: state.paymentId,
        txnRef: state.txnRef,
        dossierCode: state.dossierCode,
        agencyCode: state.agencyCode,
        amount: state.amount,
        gatewayTransactionId: state.gatewayTransactionId ?? "",
      }));
    // A line given with the gateway's transaction number only (gRPC's StatementLine) is matched by it.
    const txnRefOfTransaction = new Map(recorded.map((r) => [r.gatewayTransactionId, r.txnRef]));
    const lines = given.map((line) => (line.txnRef ? line : { ...line, txnRef: txnRefOfTransaction.get(line.transactionNo) ?? line.transactionNo }));
    const extras = new Map<string, PaymentState>();
    for (const line of lines) {
      const id = paymentIdOfTxnRef(line.txnRef);
      const doc = id && !recorded.some((r) => r.txnRef === line.txnRef) ? await this.deps.store.payment(id) : null;
      if (doc) extras.set(line.txnRef, doc.state);
    }
    const result = reconcile(recorded, lines, (txnRef) => {
      const state = extras.get(txnRef);
      return state && { paymentId: state.paymentId, txnRef, dossierCode: state.dossierCode, agencyCode: state.agencyCode, amount: state.amount };
    });
    const reconciledAt = formatInstant(this.now());
    const mismatchJson = (m: Mismatch) => ({
      paymentId: m.paymentId,
      gatewayTransactionId: m.gatewayTransactionId,
      recordedAmount: m.recordedAmount,
      statementAmount: m.statementAmount,
      kind: m.kind,
      dossierCode: m.dossierCode,
    });
    const channel = CHANNEL_ENUM[gateway.channel];
    const outbox = [
      entry(
        "vn.onestop.payment.reconciled.v1",
        agencyCode,
        reconciliationId,
        reconciledAt,
        {
          reconciliationId,
          agencyCode,
          channel,
          period: { from: day, to: day },
          reconciledAt,
          matchedCount: result.matched.length,
          matchedAmount: result.matchedAmount,
          mismatches: result.mismatches.map(mismatchJson),
        },
        derivedEventId(reconciliationId, "reconciled"),
      ),
      ...result.mismatches.map((m) =>
        entry(
          "vn.onestop.payment.discrepancy_found.v1",
          m.agencyCode || agencyCode,
          reconciliationId,
          reconciledAt,
          {
            reconciliationId,
            agencyCode: m.agencyCode || agencyCode,
            channel,
            statementDate: day,
            mismatch: mismatchJson(m),
            foundAt: reconciledAt,
          },
          derivedEventId(reconciliationId, `${m.kind}:${m.txnRef}`),
        ),
      ),
    ];
    const doc = { _id: reconciliationId, reconciliationId, gateway: gateway.name, day, reconciledAt, result, outbox };
    await this.deps.store.insertReconciliation(doc);
    const stored = (await this.deps.store.reconciliation(reconciliationId))!;
    await this.deps.store.applyReconciliation(stored);
    this.deps.kick("reconciliations", reconciliationId);
    return stored;
  }

  unreconciled() {
    return this.deps.store.unreconciledItems();
  }
}
