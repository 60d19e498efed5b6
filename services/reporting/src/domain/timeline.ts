/**
 * A dossier as it stood at an instant: only facts whose business time is at or before it count,
 * so a report for a past period sees the period's end, whatever happened or arrived later.
 */
import { agenciesHeld, foldClock, startClock, type ClockEvent, type ClockState } from "@onestop/calendar";
import { ONLINE_PAYMENT_CHANNELS, type Channel, type DossierFacts, type LifecycleFact, type PaymentChannel, type Receipt } from "./facts.js";

export type { EndKind } from "@onestop/calendar";

export interface DossierAt {
  receipt: Receipt;
  /**
   * The deadline clock as the fold shared with intake leaves it: every supplement request (each
   * counts for the national indicator), pauses, the extension, the deciding agency and its
   * transfers, the decision or the end, and the facts that contradict each other (anomalies).
   */
  clock: ClockState;
  resultReturn?: { at: string; channel: Channel; electronic: boolean };
  rating?: number;
  /** The fee amounts of the latest assessment by then (payment stream), zero lines included; undefined before any. */
  assessedFeeAmounts?: number[];
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
}

/** The shared fold's event for a fact that moves the clock or the deciding agency; undefined for the others. */
function clockEventOf(fact: LifecycleFact): ClockEvent | undefined {
  switch (fact.kind) {
    case "SUPPLEMENT_REQUESTED":
    case "SUPPLEMENT_RECEIVED":
    case "REFUSED":
    case "WITHDRAWN":
    case "CLOSED":
      return { type: fact.kind, at: fact.at };
    case "PAUSED":
      return { type: "PAUSED", at: fact.at, reason: fact.reason };
    case "RESUMED":
      return { type: "RESUMED", at: fact.at, reason: fact.reason };
    case "DEADLINE_EXTENDED":
      return { type: "DEADLINE_EXTENDED", at: fact.at, newDueDate: fact.newDueDate };
    case "TRANSFERRED":
      return { type: "TRANSFERRED", at: fact.at, toAgencyCode: fact.toAgencyCode, fromAgencyCode: fact.fromAgencyCode };
    case "RESOLVED":
      return { type: "RESOLVED", at: fact.at, outcome: fact.outcome };
    default:
      return undefined;
  }
}

/** The clock as it stood at `atMs` (facts with a business time after it do not count yet). */
export function clockAt(facts: DossierFacts & { receipt: Receipt }, atMs = Infinity): ClockState {
  let clock = startClock(facts.receipt);
  for (const fact of facts.events) {
    if (Date.parse(fact.at) > atMs) break; // events are in business-time order
    const event = clockEventOf(fact);
    if (event) clock = foldClock(clock, event);
  }
  return clock;
}

/** Every agency that decided the dossier at some time: the receipt's, then each transfer's destination. */
export function agenciesOf(facts: DossierFacts & { receipt: Receipt }): string[] {
  return facts.events.some((fact) => fact.kind === "TRANSFERRED") ? agenciesHeld(clockAt(facts)) : [facts.receipt.agencyCode];
}

export function dossierAt(facts: DossierFacts & { receipt: Receipt }, atMs: number): DossierAt {
  const view: DossierAt = {
    receipt: facts.receipt,
    clock: clockAt(facts, atMs),
    payments: new Map(),
    refunds: new Map(),
    digitised: false,
    reused: false,
  };
  for (const fact of facts.events) {
    if (Date.parse(fact.at) > atMs) break;
    apply(view, fact);
  }
  return view;
}

/** What the clock fold does not read: the result's return, the rating, payments and digitisation. */
function apply(view: DossierAt, fact: LifecycleFact): void {
  switch (fact.kind) {
    case "RESULT_RETURNED":
      view.resultReturn ??= { at: fact.at, channel: fact.channel, electronic: fact.electronic };
      return;
    case "EVALUATED":
      view.rating = fact.rating;
      return;
    case "FEES_ASSESSED":
      view.assessedFeeAmounts = fact.amounts;
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
    default:
      return; // folded into the clock
  }
}

/**
 * Owes something: at least one non-zero fee line. The payment service's assessment decides once it
 * is known (it keeps the on-time registration's zero line and drops the late one the receipt also
 * listed, zeroes an exempt applicant's lines); before it, the receipt's lines. Dossiers whose lines
 * are all zero are left out of the "paid online" denominator (the primer's payment rules).
 */
export function payable(view: DossierAt): boolean {
  return (view.assessedFeeAmounts ?? view.receipt.feeAmounts).some((amount) => amount > 0);
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
