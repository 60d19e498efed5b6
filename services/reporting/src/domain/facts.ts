/**
 * Per-dossier facts folded from dossier, payment and digitisation events that may arrive in any
 * order and more than once.
 * Raw timestamps are kept per event, keyed by event id; nothing is derived here, so a late event
 * simply adds its fact and every period's classification is derived again (see classify.ts).
 */
import { LEAVES_PROCESSING } from "@onestop/calendar";

export type Level = "PROVINCE" | "DISTRICT" | "COMMUNE";
export type Channel = "ONLINE" | "IN_PERSON" | "POSTAL";
export type OnlineMode = "FULL" | "PARTIAL" | "NONE";
export type TimeUnit = "WORKING_DAYS" | "DAYS";
export type PauseReason = "OPINION_REQUEST" | "FINANCIAL_OBLIGATION";
/** How a fee was paid (proto onestop.payment.v1.PaymentChannel). */
export type PaymentChannel = "DESK" | "BANK_TRANSFER" | "NATIONAL_PLATFORM" | "OTHER_GATEWAY";

/** Online payment: the national payment platform or another lawful gateway (desk and bank transfer are not). */
export const ONLINE_PAYMENT_CHANNELS: ReadonlySet<PaymentChannel> = new Set(["NATIONAL_PLATFORM", "OTHER_GATEWAY"]);

/** What the receipt (vn.onestop.dossier.received.v1) tells: the dossier's identity and its clock. */
export interface Receipt {
  eventId: string;
  procedureCode: string;
  sectorCode: string;
  /** Deciding agency: indicators are attributed to it. */
  agencyCode: string;
  level: Level;
  channel: Channel;
  onlineMode: OnlineMode;
  receivedAt: string;
  /** Due date printed on the receipt (end of the due day, +07:00). */
  dueAt: string;
  timeLimit: { amount: number; unit: TimeUnit; sameDay: boolean };
  /**
   * Fee amounts in VND, zero lines included, as the receipt listed them (intake lists every line of
   * the catalogue, alternatives included); empty when it listed none. The payment service's
   * assessment (FEES_ASSESSED), once known, decides instead.
   */
  feeAmounts: number[];
}

interface LifecycleBase {
  eventId: string;
  /** Business time, ISO 8601 with offset. */
  at: string;
}

export type LifecycleFact =
  | (LifecycleBase & { kind: "SUPPLEMENT_REQUESTED" })
  | (LifecycleBase & { kind: "SUPPLEMENT_RECEIVED" })
  | (LifecycleBase & { kind: "PAUSED"; reason: PauseReason })
  /** `reason`: of the pause that ends, when the event names it. */
  | (LifecycleBase & { kind: "RESUMED"; reason?: PauseReason })
  | (LifecycleBase & { kind: "DEADLINE_EXTENDED"; newDueDate: string })
  /**
   * The dossier moved to another deciding agency. Records folded before destinations were kept
   * lack `toAgencyCode`: the shared fold reports them inconsistent until a rebuild reads the events again.
   */
  | (LifecycleBase & { kind: "TRANSFERRED"; toAgencyCode: string; fromAgencyCode?: string })
  | (LifecycleBase & { kind: "RESOLVED"; outcome: "APPROVED" | "REFUSED" })
  | (LifecycleBase & { kind: "RESULT_RETURNED"; channel: Channel; electronic: boolean })
  | (LifecycleBase & { kind: "REFUSED" })
  | (LifecycleBase & { kind: "WITHDRAWN" })
  | (LifecycleBase & { kind: "CLOSED" })
  | (LifecycleBase & { kind: "EVALUATED"; rating: number })
  /**
   * The payment service assessed the dossier's fee lines (payment stream): their amounts in VND,
   * explicit zero lines included (an exemption, an on-time birth or death registration).
   */
  | (LifecycleBase & { kind: "FEES_ASSESSED"; amounts: number[] })
  /** A payment succeeded (payment stream); amounts in VND. */
  | (LifecycleBase & { kind: "PAID"; paymentId: string; channel: PaymentChannel; amount: number })
  /** Money of a payment was returned to the payer. */
  | (LifecycleBase & { kind: "REFUNDED"; paymentId: string; amount: number })
  /** A dossier component was scanned and signed (digitisation stream). */
  | (LifecycleBase & { kind: "COMPONENT_DIGITISED" })
  /** The result was issued as a signed electronic document. */
  | (LifecycleBase & { kind: "RESULT_ISSUED_ELECTRONICALLY" })
  /** Data already held was reused instead of being asked again. */
  | (LifecycleBase & { kind: "DOCUMENT_REUSED" });

export type FactEvent = { kind: "RECEIVED"; eventId: string; receipt: Receipt } | LifecycleFact;

export interface DossierFacts {
  dossierCode: string;
  /** Absent until the receipt arrives: the record is complete only with it. */
  receipt?: Receipt;
  /** Lifecycle facts in business-time order (ties by event id), one per event id. */
  events: LifecycleFact[];
}

export function emptyFacts(dossierCode: string): DossierFacts {
  return { dossierCode, events: [] };
}

export function hasEvent(facts: DossierFacts, eventId: string): boolean {
  return facts.receipt?.eventId === eventId || facts.events.some((event) => event.eventId === eventId);
}

const epoch = (at: string) => Date.parse(at);

/**
 * Adds one event's fact. Returns the same object when the event id is already known (a duplicate
 * delivery has no effect), a new object otherwise; never mutates its input.
 */
export function foldEvent(facts: DossierFacts, event: FactEvent): DossierFacts {
  if (hasEvent(facts, event.eventId)) return facts;
  if (event.kind === "RECEIVED") {
    // A second receipt with another id for the same code would be a producer bug: keep the first.
    return facts.receipt ? facts : { ...facts, receipt: event.receipt };
  }
  const events = [...facts.events, event].sort((a, b) => epoch(a.at) - epoch(b.at) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  return { ...facts, events };
}

/**
 * Folds every fact of `incoming` (the same dossier's record, folded from other events) into
 * `facts`, as if its events had been folded one by one after those of `facts`: the first receipt
 * is kept, known event ids are ignored. Returns `facts` itself when it already held them all.
 */
export function mergeFacts(facts: DossierFacts, incoming: DossierFacts): DossierFacts {
  let merged = incoming.receipt ? foldEvent(facts, { kind: "RECEIVED", eventId: incoming.receipt.eventId, receipt: incoming.receipt }) : facts;
  for (const event of incoming.events) merged = foldEvent(merged, event);
  return merged;
}

export function isComplete(facts: DossierFacts): facts is DossierFacts & { receipt: Receipt } {
  return facts.receipt !== undefined;
}

const FINISHING: ReadonlySet<string> = LEAVES_PROCESSING;

/** When the dossier left processing (decision, refusal, withdrawal or closure); undefined while open. */
export function finishedAt(facts: DossierFacts): string | undefined {
  return facts.events.find((event) => FINISHING.has(event.kind))?.at;
}
