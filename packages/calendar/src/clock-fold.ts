/**
 * One fold from a dossier's lifecycle events to its deadline clock: supplement requests and
 * returns, pauses, the extension, the deciding agency with its transfers, and how the dossier left
 * processing. Intake and reporting both fold through it, so they cannot disagree on what an event
 * does to the clock or on which agency decides the dossier.
 *
 * The fold takes the events in the order given (business-time order: intake refuses an event
 * earlier than the last one, reporting sorts its facts). It refuses nothing and guesses nothing:
 * an event that the facts before it contradict is recorded as an anomaly naming the rule it
 * breaks. Intake refuses such an event with the rule's name; reporting shows the dossier as
 * inconsistent.
 *
 * Which pause `RESUMED` closes: the one open pause. A dossier is in one status at a time (the
 * national portal's statuses: 4 processing, 5 supplement requested, 6 financial obligation
 * requested, …), and a pause, waiting for another agency's opinion or for the applicant's
 * financial obligations, is such a status; `RESUMED` is "tiếp tục xử lý", processing goes on,
 * and the contract names "the reason of the pause that ends" (one). So at most one pause is open:
 * a `PAUSED` while one is open breaks PAUSED_WHILE_PAUSED, a `RESUMED` with none open breaks
 * RESUMED_WITHOUT_PAUSE, and a `RESUMED` whose reason is not the open pause's breaks
 * RESUMED_ANOTHER_PAUSE (it still closes the open pause). A supplement wait is not a pause: it
 * restarts the legal clock and may overlap a pause (the verdicts subtract overlaps once).
 */
import { localDateOf, toEpochMs, type Instant, type LocalDate } from "./dates.js";
import type { DossierClock, Extension, Pause, PauseReason, SupplementRequest } from "./deadline.js";

/** Left processing without a decision: refused (trả lại), withdrawn (rút), closed (dừng xử lý). */
export type EndKind = "REFUSED" | "WITHDRAWN" | "CLOSED";
export type ResolutionOutcome = "APPROVED" | "REFUSED";

/** Chuyển hồ sơ: the dossier moved to another deciding agency. */
export interface Transfer {
  /** The agency that held the dossier, as the fold knew it. */
  fromAgencyCode: string;
  toAgencyCode: string;
  at: string;
}

/** The lifecycle events that change the clock or the deciding agency; others (result returned, evaluation, payments…) do not. */
export type ClockEvent =
  | { type: "SUPPLEMENT_REQUESTED"; at: string }
  | { type: "SUPPLEMENT_RECEIVED"; at: string }
  | { type: "PAUSED"; at: string; reason: PauseReason }
  /** `reason`, when given, is the reason of the pause that ends. */
  | { type: "RESUMED"; at: string; reason?: PauseReason | undefined }
  /** `newDueDate`: the new due day, or an instant read as its day in Vietnam. */
  | { type: "DEADLINE_EXTENDED"; at: string; newDueDate: string }
  /** `fromAgencyCode`, when given, must be the agency holding the dossier. */
  | { type: "TRANSFERRED"; at: string; toAgencyCode: string; fromAgencyCode?: string | undefined }
  | { type: "RESOLVED"; at: string; outcome: ResolutionOutcome }
  | { type: EndKind; at: string };

export type ClockEventType = ClockEvent["type"];

/** The events after which the dossier is no longer processed: a decision, a refusal, a withdrawal, a closure. */
export const LEAVES_PROCESSING: ReadonlySet<ClockEventType> = new Set<ClockEventType>(["RESOLVED", "REFUSED", "WITHDRAWN", "CLOSED"]);

export type ClockRule =
  | "SUPPLEMENT_RECEIVED_WITHOUT_REQUEST"
  | "PAUSED_WHILE_PAUSED"
  | "RESUMED_WITHOUT_PAUSE"
  | "RESUMED_ANOTHER_PAUSE"
  | "TRANSFER_WITHOUT_DESTINATION"
  | "TRANSFER_TO_ANOTHER_AGENCY"
  | "TRANSFER_FROM_HOLDING_AGENCY";

/** An event the facts before it contradict. */
export interface ClockAnomaly {
  rule: ClockRule;
  at: string;
  message: string;
}

/**
 * A dossier's clock as its events left it. It is a DossierClock, so computeDueAt, legalVerdict
 * and indicatorVerdict take it as it is. Never mutated: every fold returns a new state.
 */
export interface ClockState extends DossierClock {
  receivedAt: string;
  /** Every supplement request in order, each with its return once it came. */
  supplements: SupplementRequest[];
  /** Pauses in order; at most one is open (no `to`). */
  pauses: Pause[];
  extensions: Extension[];
  /** The deciding agency now (cơ quan có thẩm quyền giải quyết): the receipt's, moved by each transfer. */
  agencyCode: string;
  transfers: Transfer[];
  /** The first decision. */
  resolution?: { at: string; outcome: ResolutionOutcome };
  /** The first refusal, withdrawal or closure. */
  end?: { at: string; kind: EndKind };
  anomalies: ClockAnomaly[];
}

/** The clock right after receipt: running, with the receiving dossier's deciding agency. */
export function startClock(receipt: Pick<ClockState, "receivedAt" | "timeLimit" | "agencyCode">): ClockState {
  return {
    receivedAt: receipt.receivedAt,
    timeLimit: receipt.timeLimit,
    supplements: [],
    pauses: [],
    extensions: [],
    agencyCode: receipt.agencyCode,
    transfers: [],
    anomalies: [],
  };
}

const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

function broken(state: ClockState, rule: ClockRule, at: string, message: string): ClockState {
  return { ...state, anomalies: [...state.anomalies, { rule, at, message }] };
}

/** The pause still open, if any. */
export function openPause(state: Pick<ClockState, "pauses">): Pause | undefined {
  return state.pauses.find((pause) => pause.to === undefined);
}

/** Folds one event into the clock; returns a new state and leaves `state` as it was. */
export function foldClock(state: ClockState, event: ClockEvent): ClockState {
  const { at } = event;
  switch (event.type) {
    case "SUPPLEMENT_REQUESTED":
      return { ...state, supplements: [...state.supplements, { requestedAt: at }] };
    case "SUPPLEMENT_RECEIVED": {
      const last = state.supplements.at(-1);
      if (!last || last.returnedAt !== undefined) {
        return broken(state, "SUPPLEMENT_RECEIVED_WITHOUT_REQUEST", at, `supplement received at ${at} without an open request`);
      }
      return { ...state, supplements: [...state.supplements.slice(0, -1), { ...last, returnedAt: at }] };
    }
    case "PAUSED": {
      const open = openPause(state);
      if (open) return broken(state, "PAUSED_WHILE_PAUSED", at, `paused at ${at} while the pause of ${String(open.from)} is still open`);
      return { ...state, pauses: [...state.pauses, { reason: event.reason, from: at }] };
    }
    case "RESUMED": {
      const open = openPause(state);
      if (!open) return broken(state, "RESUMED_WITHOUT_PAUSE", at, `resumed at ${at} without an open pause`);
      const resumed = { ...state, pauses: state.pauses.map((pause) => (pause === open ? { ...pause, to: at } : pause)) };
      if (event.reason !== undefined && event.reason !== open.reason) {
        return broken(resumed, "RESUMED_ANOTHER_PAUSE", at, `resumed at ${at} a ${event.reason} pause, but the open pause is a ${open.reason}`);
      }
      return resumed;
    }
    case "DEADLINE_EXTENDED": {
      const newDueDate: LocalDate = LOCAL_DATE.test(event.newDueDate) ? event.newDueDate : localDateOf(event.newDueDate);
      return { ...state, extensions: [...state.extensions, { apologySentAt: at, newDueDate }] };
    }
    case "TRANSFERRED": {
      const { toAgencyCode, fromAgencyCode } = event;
      if (!toAgencyCode) return broken(state, "TRANSFER_WITHOUT_DESTINATION", at, `transferred at ${at} without its destination agency`);
      if (toAgencyCode === state.agencyCode) {
        return broken(state, "TRANSFER_TO_ANOTHER_AGENCY", at, `transferred at ${at} to ${toAgencyCode}, which already holds the dossier`);
      }
      const moved: ClockState = {
        ...state,
        agencyCode: toAgencyCode,
        transfers: [...state.transfers, { fromAgencyCode: state.agencyCode, toAgencyCode, at }],
      };
      if (fromAgencyCode && fromAgencyCode !== state.agencyCode) {
        return broken(moved, "TRANSFER_FROM_HOLDING_AGENCY", at, `transferred at ${at} from ${fromAgencyCode}, but ${state.agencyCode} held the dossier`);
      }
      return moved;
    }
    case "RESOLVED":
      return state.resolution ? state : { ...state, resolution: { at, outcome: event.outcome } };
    case "REFUSED":
    case "WITHDRAWN":
    case "CLOSED":
      return state.end ? state : { ...state, end: { at, kind: event.type } };
  }
}

/** Folds the events, in the order given, into the clock started at receipt. */
export function foldClockEvents(start: ClockState, events: Iterable<ClockEvent>): ClockState {
  let state = start;
  for (const event of events) state = foldClock(state, event);
  return state;
}

/** When the dossier left processing (its first decision, refusal, withdrawal or closure); undefined while processed. */
export function leftProcessingAt(state: Pick<ClockState, "resolution" | "end">): string | undefined {
  const { resolution, end } = state;
  if (!resolution) return end?.at;
  if (!end) return resolution.at;
  return toEpochMs(end.at) < toEpochMs(resolution.at) ? end.at : resolution.at;
}

/** The agency that held the dossier at `at`: the receipt's before the first transfer, then each transfer's destination from its time on. */
export function agencyAt(state: Pick<ClockState, "agencyCode" | "transfers">, at: Instant | number): string {
  const ms = toEpochMs(at);
  let agency = state.transfers[0]?.fromAgencyCode ?? state.agencyCode;
  for (const transfer of state.transfers) {
    if (toEpochMs(transfer.at) > ms) break;
    agency = transfer.toAgencyCode;
  }
  return agency;
}

/** Every agency that held the dossier, the receipt's first, each once. */
export function agenciesHeld(state: Pick<ClockState, "agencyCode" | "transfers">): string[] {
  const agencies = [state.transfers[0]?.fromAgencyCode ?? state.agencyCode];
  for (const { toAgencyCode } of state.transfers) if (!agencies.includes(toAgencyCode)) agencies.push(toAgencyCode);
  return agencies;
}
