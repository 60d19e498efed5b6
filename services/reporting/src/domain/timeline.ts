/**
 * A dossier as it stood at an instant: only facts whose business time is at or before it count,
 * so a report for a past period sees the period's end, whatever happened or arrived later.
 */
import { localDateOf, type Extension, type Pause, type SupplementRequest } from "@onestop/calendar";
import { ONLINE_PAYMENT_CHANNELS, type Channel, type DossierFacts, type LifecycleFact, type PaymentChannel, type Receipt } from "./facts.js";

export type EndKind = "REFUSED" | "WITHDRAWN" | "CLOSED";

export interface DossierAt {
  receipt: Receipt;
  /** Every supplement request, in order; each counts for the national indicator. */
  supplements: SupplementRequest[];
  pauses: Pause[];
  extensions: Extension[];
  resolution?: { at: string; outcome: "APPROVED" | "REFUSED" };
  /** Left processing without a decision. */
  end?: { at: string; kind: EndKind };
  resultReturn?: { at: string; channel: Channel; electronic: boolean };
  rating?: number;
  /** Succeeded payments by payment id. */
  payments: Map<string, { channel: PaymentChannel; amount: number }>;
  /** Amount refunded so far, by payment id. */
  refunds: Map<string, number>;
  /** At least one component was scanned and signed. */
  digitised: boolean;
  /** When the result was first issued as a signed electronic document. */
  electronicResultIssuedAt?: string;
  /** Data already held was reused at least once. */
  reused: boolean;
  /** Facts that contradict each other (e.g. a supplement returned that was never requested). */
  anomalies: string[];
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;


export function dossierAt(facts: DossierFacts & { receipt: Receipt }, atMs: number): DossierAt {
  const view: DossierAt = {
    receipt: facts.receipt,
    supplements: [],
    pauses: [],
    extensions: [],
    payments: new Map(),
    refunds: new Map(),
    digitised: false,
    reused: false,
    anomalies: [],
  };
  for (const fact of facts.events) {
    if (Date.parse(fact.at) > atMs) break; // events are in business-time order
    apply(view, fact);
  }
  return view;
}

function apply(view: DossierAt, fact: LifecycleFact): void {
  switch (fact.kind) {
    case "SUPPLEMENT_REQUESTED":
      view.supplements.push({ requestedAt: fact.at });
      return;
    case "SUPPLEMENT_RECEIVED": {
      const open = view.supplements.at(-1);
      if (open && open.returnedAt === undefined) open.returnedAt = fact.at;
      else view.anomalies.push(`supplement received at ${fact.at} without an open request`);
      return;
    }
    case "PAUSED":
      view.pauses.push({ reason: fact.reason, from: fact.at });
      return;
    case "RESUMED": {
      const open = view.pauses.find((pause) => pause.to === undefined);
      if (open) open.to = fact.at;
      else view.anomalies.push(`resumed at ${fact.at} without an open pause`);
      return;
    }
    case "DEADLINE_EXTENDED":
      view.extensions.push({ apologySentAt: fact.at, newDueDate: LOCAL_DATE.test(fact.newDueDate) ? fact.newDueDate : localDateOf(fact.newDueDate) });
      return;
    case "RESOLVED":
      view.resolution ??= { at: fact.at, outcome: fact.outcome };
      return;
    case "REFUSED":
    case "WITHDRAWN":
    case "CLOSED":
      view.end ??= { at: fact.at, kind: fact.kind };
      return;
    case "RESULT_RETURNED":
      view.resultReturn ??= { at: fact.at, channel: fact.channel, electronic: fact.electronic };
      return;
    case "EVALUATED":
      view.rating = fact.rating;
      return;
    case "PAID":
      view.payments.set(fact.paymentId, { channel: fact.channel, amount: fact.amount });
      return;
    case "REFUNDED":
      // A refund can be known before its payment (events of two streams): it is matched by id at the end.
      view.refunds.set(fact.paymentId, (view.refunds.get(fact.paymentId) ?? 0) + fact.amount);
      return;
    case "COMPONENT_DIGITISED":
      view.digitised = true;
      return;
    case "RESULT_ISSUED_ELECTRONICALLY":
      view.electronicResultIssuedAt ??= fact.at;
      return;
    case "DOCUMENT_REUSED":
      view.reused = true;
      return;
    case "TRANSFERRED":
      return;
  }
}

/**
 * Paid online: a succeeded payment through an online channel that has not been refunded in full
 * (a partial refund leaves the fee paid).
 */
export function paidOnline(view: DossierAt): boolean {
  for (const [paymentId, payment] of view.payments) {
    if (!ONLINE_PAYMENT_CHANNELS.has(payment.channel)) continue;
    const refunded = view.refunds.get(paymentId);
    if (refunded === undefined || refunded < payment.amount) return true;
  }
  return false;
}
