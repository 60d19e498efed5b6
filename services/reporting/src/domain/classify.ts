/**
 * Where one dossier falls in a period's report, derived from its raw facts.
 *
 * The statistics form (seed 000/002) counts by the LEGAL due date: the receipt's due date, restarted
 * from zero when a requested supplement arrives, moved by pauses and by an apology (form 04).
 * The Decision 766 progress item uses the national indicator's verdict instead (receipt due date
 * kept, supplement and pause time subtracted, more than one supplement request counts as late).
 * Both are computed for every resolved dossier.
 *
 * Attribution: a dossier counts, in each period, for one deciding agency (cơ quan có thẩm quyền
 * giải quyết; the primer: "attribute indicators to the deciding agency; the receiving desk may
 * differ"): the one holding it when it left processing (resolved, refused, withdrawn, closed)
 * or, while it is still open, at the period's end. A TRANSFERRED event moves it to its
 * destination from the transfer's time on (the clock fold shared with intake). So a dossier
 * received by A, transferred to B and resolved is in B's row of the form, received and resolved,
 * and not in A's; in a period that ended while A still held it, it is A's.
 */
import { agencyAt, classifyResolution, computeDueAt, indicatorVerdict, leftProcessingAt, legalVerdict, localDateOf, type Verdict, type WorkingCalendar } from "@onestop/calendar";
import type { DossierFacts, Receipt } from "./facts.js";
import { boundsOf, type Period } from "./period.js";
import { clockAt, dossierAt, paidOnline, payable, type DossierAt, type EndKind } from "./timeline.js";

/** How the dossier entered the period: columns (4) online, (6) in person, (7) by post, or (5) carried over. */
export type Entry = "ONLINE" | "IN_PERSON" | "POSTAL" | "CARRIED_OVER";

export type PeriodOutcome =
  | {
      kind: "RESOLVED";
      /** The form's verdict (legal due date). */
      legal: Verdict;
      /** Decision 766's verdict (pause-aware). */
      indicator: Verdict;
      approved: boolean;
      /** An electronic result was handed over or issued (digitisation stream) by the period's end. */
      electronicResult: boolean;
    }
  | { kind: "PENDING"; overdue: boolean }
  | { kind: "RETURNED"; reason: EndKind }
  /** The facts contradict each other: shown in the report's checks, never guessed. */
  | { kind: "INCONSISTENT"; reason: string };

export interface PeriodClassification {
  receipt: Receipt;
  /** The deciding agency the period credits: the one holding the dossier when it left processing, or at the period's end. */
  agencyCode: string;
  entry: Entry;
  outcome: PeriodOutcome;
  /** (14): a supplement was requested during the period. */
  supplementRequested: boolean;
  /** (16): the result was returned by post during the period. */
  resultByPost: boolean;
  /** By the period's end: at least one non-zero fee line (the assessment's, else the receipt's). */
  payable: boolean;
  /** By the period's end: a succeeded online payment not refunded in full. */
  paidOnline: boolean;
  /** By the period's end: at least one component digitised. */
  digitised: boolean;
  /** By the period's end: at least one document or data item reused. */
  reused: boolean;
}

const plainClock = ({ clock }: DossierAt) => clock.supplements.length === 0 && clock.pauses.length === 0 && clock.extensions.length === 0;

function resolvedOutcome(view: DossierAt, resolution: { at: string; outcome: "APPROVED" | "REFUSED" }, calendar: WorkingCalendar): PeriodOutcome {
  const resolved = { ...view.clock, resolvedAt: resolution.at };
  const receiptDueDay = localDateOf(view.receipt.dueAt);
  // Without supplements, pauses or extensions the legal due date is the receipt's; without
  // supplements or pauses there is no wait to subtract, so the indicator compares with it too.
  // (The shortcuts give what legalVerdict / indicatorVerdict give, at a fraction of the cost.)
  const legal = plainClock(view) ? classifyResolution(resolution.at, receiptDueDay) : legalVerdict(resolved, calendar).verdict;
  const noWaits = view.clock.supplements.length === 0 && view.clock.pauses.length === 0;
  const indicator = noWaits ? classifyResolution(resolution.at, receiptDueDay) : indicatorVerdict({ ...resolved, originalDueAt: view.receipt.dueAt }, calendar).verdict;
  return {
    kind: "RESOLVED",
    legal,
    indicator,
    approved: resolution.outcome === "APPROVED",
    electronicResult: view.resultReturn?.electronic === true || view.electronicResultIssuedAt !== undefined,
  };
}

/** The legal due instant of a dossier still processing as it stands in `view`; null while its clock is stopped. */
export function legalDueAtMs(view: DossierAt, calendar: WorkingCalendar): number | null {
  const dueAt = plainClock(view) ? view.receipt.dueAt : computeDueAt(view.clock, calendar).dueAt;
  return dueAt === null ? null : Date.parse(dueAt);
}

/** Pending at the period's end: overdue when its legal due time has passed; a stopped clock is never overdue. */
function pendingOutcome(view: DossierAt, toMs: number, calendar: WorkingCalendar): PeriodOutcome {
  const dueMs = legalDueAtMs(view, calendar);
  return { kind: "PENDING", overdue: dueMs !== null && dueMs < toMs };
}

/**
 * The dossier's place in the period's report, or undefined when it is not part of the period
 * (received after it, or finished before it). Needs a complete record (with its receipt).
 */
export function classifyForPeriod(facts: DossierFacts & { receipt: Receipt }, period: Period, calendar: WorkingCalendar): PeriodClassification | undefined {
  const { fromMs, toMs } = boundsOf(period);
  const receivedMs = Date.parse(facts.receipt.receivedAt);
  if (receivedMs > toMs) return undefined;
  let entry: Entry = facts.receipt.channel;
  if (receivedMs < fromMs) {
    if (leftProcessingAt(clockAt(facts, fromMs - 1)) !== undefined) return undefined;
    entry = "CARRIED_OVER";
  }
  const view = dossierAt(facts, toMs);
  const inPeriod = (at: string | Date | undefined) => at !== undefined && new Date(at).getTime() >= fromMs && new Date(at).getTime() <= toMs;
  const left = leftProcessingAt(view.clock);
  return {
    receipt: facts.receipt,
    agencyCode: agencyAt(view.clock, left === undefined ? toMs : Date.parse(left)),
    entry,
    outcome: outcomeAt(view, toMs, calendar),
    supplementRequested: view.clock.supplements.some((supplement) => inPeriod(supplement.requestedAt)),
    resultByPost: view.resultReturn?.channel === "POSTAL" && inPeriod(view.resultReturn.at),
    payable: payable(view),
    paidOnline: paidOnline(view),
    digitised: view.digitised,
    reused: view.reused,
  };
}

function outcomeAt(view: DossierAt, toMs: number, calendar: WorkingCalendar): PeriodOutcome {
  const { anomalies, resolution, end } = view.clock;
  if (anomalies.length > 0) return { kind: "INCONSISTENT", reason: anomalies.map((anomaly) => anomaly.message).join("; ") };
  try {
    // Whichever came first decides; the lifecycle allows only one of them.
    if (resolution && (!end || Date.parse(resolution.at) <= Date.parse(end.at))) {
      return resolvedOutcome(view, resolution, calendar);
    }
    if (end) return { kind: "RETURNED", reason: end.kind };
    return pendingOutcome(view, toMs, calendar);
  } catch (error) {
    // DeadlineError: e.g. events out of order while a late event is still on its way.
    return { kind: "INCONSISTENT", reason: error instanceof Error ? error.message : String(error) };
  }
}
