/**
 * The payment service's store: every hot path by `_id` (the store is FerretDB locally: any other
 * filter scans), single-document atomicity only, each change and the events announcing it written
 * together (the document's outbox), conditional on the version.
 * - assessments: one per dossier (`_id` = dossier code), the fee lines and whose dossier it is;
 * - payments: one per payment (`_id` = payment id); the gateway order reference is the id without
 *   hyphens, so a callback finds its payment by `_id`;
 * - dossier_payments: the payment ids of a dossier (`$addToSet`);
 * - open_orders: online orders waiting for the gateway, the only ones the expiry sweep reads;
 * - unreconciled: succeeded online payments no statement has matched yet, by id, with the gateway
 *   and the local day they were paid on: the daily reconciliation reads a day's payments from this
 *   small collection of open items (one document per payment: no document grows with the day's
 *   payments, each callback writes a few small documents);
 * - reconciliations (`_id` = gateway:day) and discrepancies (open mismatches).
 */
import { MongoServerError, type Collection, type Db } from "mongodb";
import type { EventEnvelope } from "@onestop/bus";
import type { Assessment } from "../../domain/fees.js";
import type { PaymentState } from "../../domain/payment.js";
import type { Mismatch, ReconciliationResult } from "../../domain/reconciliation.js";

export interface OutboxEntry {
  subject: string;
  envelope: EventEnvelope;
}

interface Versioned {
  version: number;
  outbox: OutboxEntry[];
  /** True while the outbox holds events (what the sweep looks for). */
  pending: boolean;
}

export interface AssessmentDoc extends Versioned {
  _id: string;
  procedureCode: string;
  agencyCode: string;
  receivingUnitCode: string;
  channel: string;
  receivedAt: string;
  /** The receipt event it was assessed from. */
  receiptEventId: string;
  /** The fee codes the receipt carried (they choose between alternatives when no fact does); absent on documents written before. */
  receiptCodes?: string[];
  /** The facts an officer stated (re-assessment), e.g. { exemptApplicant: "true" }. */
  facts?: Record<string, string>;
  assessment: Assessment;
}

export interface PaymentDoc extends Versioned {
  _id: string;
  state: PaymentState;
}

export interface ReconciliationDoc extends Versioned {
  _id: string;
  reconciliationId: string;
  gateway: string;
  day: string;
  reconciledAt: string;
  result: ReconciliationResult;
}

export interface DiscrepancyDoc {
  _id: string;
  reconciliationId: string;
  day: string;
  mismatch: Mismatch;
}

const DUPLICATE_KEY = 11000;
export const isDuplicate = (error: unknown) => error instanceof MongoServerError && error.code === DUPLICATE_KEY;
const DURABLE = { writeConcern: { w: "majority" as const, j: true } };

export class ConcurrentUpdateError extends Error {
  override readonly name = "ConcurrentUpdateError";
}

export class PaymentStore {
  readonly assessments: Collection<AssessmentDoc>;
  readonly payments: Collection<PaymentDoc>;
  readonly dossierPayments: Collection<{ _id: string; paymentIds: string[] }>;
  readonly openOrders: Collection<{ _id: string; expiresAt: string }>;
  readonly unreconciled: Collection<{ _id: string; agencyCode: string; gateway: string; day: string }>;
  readonly reconciliations: Collection<ReconciliationDoc>;
  readonly discrepancies: Collection<DiscrepancyDoc>;

  constructor(db: Db) {
    this.assessments = db.collection("assessments");
    this.payments = db.collection("payments");
    this.dossierPayments = db.collection("dossier_payments");
    this.openOrders = db.collection("open_orders");
    this.unreconciled = db.collection("unreconciled");
    this.reconciliations = db.collection("reconciliations");
    this.discrepancies = db.collection("discrepancies");
  }

  /** Inserts the dossier's assessment; false when the dossier was already assessed (a redelivered receipt). */
  async insertAssessment(doc: Omit<AssessmentDoc, "version" | "pending">): Promise<boolean> {
    try {
      await this.assessments.insertOne({ ...doc, version: 1, pending: doc.outbox.length > 0 }, DURABLE);
      return true;
    } catch (error) {
      if (isDuplicate(error)) return false;
      throw error;
    }
  }

  /** Replaces the dossier's assessment and appends its event, if nobody wrote since the document's version. */
  async updateAssessment(doc: AssessmentDoc, change: { assessment: Assessment; facts: Record<string, string> }, events: OutboxEntry[]): Promise<void> {
    const outbox = [...doc.outbox, ...events];
    const result = await this.assessments.updateOne(
      { _id: doc._id, version: doc.version },
      { $set: { assessment: change.assessment, facts: change.facts, version: doc.version + 1, outbox, pending: outbox.length > 0 } },
      DURABLE,
    );
    if (result.matchedCount === 0) throw new ConcurrentUpdateError(doc._id);
  }

  assessment(dossierCode: string): Promise<AssessmentDoc | null> {
    return this.assessments.findOne({ _id: dossierCode });
  }

  payment(paymentId: string): Promise<PaymentDoc | null> {
    return this.payments.findOne({ _id: paymentId });
  }

  /** A new payment with its first events; false when the id exists (an idempotent retry). */
  async insertPayment(state: PaymentState, outbox: OutboxEntry[]): Promise<boolean> {
    try {
      await this.payments.insertOne({ _id: state.paymentId, state, version: 1, outbox, pending: outbox.length > 0 }, DURABLE);
    } catch (error) {
      if (isDuplicate(error)) return false;
      throw error;
    }
    await this.dossierPayments.updateOne({ _id: state.dossierCode }, { $addToSet: { paymentIds: state.paymentId } }, { upsert: true, ...DURABLE });
    if (state.expiresAt) await this.openOrders.updateOne({ _id: state.paymentId }, { $set: { expiresAt: state.expiresAt } }, { upsert: true, ...DURABLE });
    return true;
  }

  /** Writes the new state and appends its events, if nobody wrote since `version`. */
  async updatePayment(doc: PaymentDoc, state: PaymentState, events: OutboxEntry[]): Promise<PaymentDoc> {
    const next: PaymentDoc = { _id: doc._id, state, version: doc.version + 1, outbox: [...doc.outbox, ...events], pending: doc.outbox.length + events.length > 0 };
    const result = await this.payments.replaceOne({ _id: doc._id, version: doc.version }, next, DURABLE);
    if (result.matchedCount === 0) throw new ConcurrentUpdateError(doc._id);
    return next;
  }

  /** Side indexes that follow a payment's state; each is idempotent, so replaying them after a crash is harmless. */
  async afterPaymentChange(state: PaymentState, gateway: string | undefined): Promise<void> {
    if (state.status !== "PENDING") await this.openOrders.deleteOne({ _id: state.paymentId }, DURABLE);
    if (state.status === "SUCCEEDED" && gateway && state.paidAt && state.gatewayTransactionId) {
      // paidAt is on the Vietnamese wall clock (+07:00): its first ten characters are the local day.
      const day = state.paidAt.slice(0, 10);
      await this.unreconciled.updateOne({ _id: state.paymentId }, { $setOnInsert: { agencyCode: state.agencyCode, gateway, day } }, { upsert: true, ...DURABLE });
    }
  }

  async paymentsOfDossier(dossierCode: string): Promise<PaymentDoc[]> {
    const ids = (await this.dossierPayments.findOne({ _id: dossierCode }))?.paymentIds ?? [];
    return ids.length === 0 ? [] : this.payments.find({ _id: { $in: ids } }).toArray();
  }

  /** The gateway's payments of a local day that no reconciliation has matched yet (open items only: a filter on the small collection). */
  async paymentsOfDay(gateway: string, day: string): Promise<PaymentDoc[]> {
    const ids = (await this.unreconciled.find({ gateway, day }, { projection: { _id: 1 } }).toArray()).map((item) => item._id);
    return ids.length === 0 ? [] : this.payments.find({ _id: { $in: ids } }).toArray();
  }

  /** Online orders whose expiry has passed (the small open_orders collection is scanned, not payments). */
  async expiredOrders(now: string): Promise<string[]> {
    return (await this.openOrders.find({}).toArray()).filter((order) => Date.parse(order.expiresAt) <= Date.parse(now)).map((order) => order._id);
  }

  /** Stores a reconciliation once; false when this gateway's day was reconciled already. */
  async insertReconciliation(doc: Omit<ReconciliationDoc, "version" | "pending">): Promise<boolean> {
    try {
      await this.reconciliations.insertOne({ ...doc, version: 1, pending: doc.outbox.length > 0 }, DURABLE);
      return true;
    } catch (error) {
      if (isDuplicate(error)) return false;
      throw error;
    }
  }

  reconciliation(id: string): Promise<ReconciliationDoc | null> {
    return this.reconciliations.findOne({ _id: id });
  }

  /** After a reconciliation is stored: matched payments leave the unreconciled list, mismatches are kept open. */
  async applyReconciliation(doc: ReconciliationDoc): Promise<void> {
    const matched = doc.result.matched.map((p) => p.paymentId);
    for (const id of matched) {
      await this.payments.updateOne({ _id: id }, { $set: { "state.reconciliationId": doc.reconciliationId } }, DURABLE);
    }
    if (matched.length > 0) await this.unreconciled.deleteMany({ _id: { $in: matched } }, DURABLE);
    for (const mismatch of doc.result.mismatches) {
      const _id = `${doc.reconciliationId}:${mismatch.txnRef}:${mismatch.kind}`;
      await this.discrepancies.updateOne({ _id }, { $setOnInsert: { reconciliationId: doc.reconciliationId, day: doc.day, mismatch } }, { upsert: true, ...DURABLE });
    }
  }

  /** Both lists are small collections of open items, read whole. */
  async unreconciledItems(): Promise<{ payments: PaymentDoc[]; mismatches: DiscrepancyDoc[] }> {
    const ids = (await this.unreconciled.find({}).toArray()).map((item) => item._id);
    const payments = ids.length === 0 ? [] : await this.payments.find({ _id: { $in: ids } }).toArray();
    return { payments, mismatches: await this.discrepancies.find({}).toArray() };
  }

  /** Empties an outbox once published, if nothing was appended meanwhile. */
  async clearOutbox(collection: "assessments" | "payments" | "reconciliations", id: string, version: number): Promise<void> {
    const target = this[collection] as unknown as Collection<{ _id: string; version: number }>;
    await target.updateOne({ _id: id, version }, { $set: { outbox: [], pending: false } }, DURABLE);
  }

  async withPendingOutbox(collection: "assessments" | "payments" | "reconciliations"): Promise<Array<{ _id: string }>> {
    const target = this[collection] as unknown as Collection<{ _id: string; pending: boolean }>;
    return target.find({ pending: true }, { projection: { _id: 1 } }).toArray();
  }
}
