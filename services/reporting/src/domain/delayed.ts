/**
 * Delayed dossiers: the open dossiers that are overdue or at risk, with who holds them.
 *
 * Pure. The read model keeps one small summary per open dossier (openDossierOf: derived from
 * its facts whenever an event changes them); whether it is overdue or at risk depends on the
 * time of the question, so that is judged at query time (judgeDelayed) from the summary's legal
 * due instant and the working-day calendar, without reading the facts again.
 *
 * - Overdue: the legal due instant (receipt's due date, restarted by a supplement, moved by
 *   pauses and by an apology letter: the same rule as the statistics form's column 13) has passed.
 * - At risk: not overdue yet, the clock running, and at most `withinDays` working days after
 *   today up to the due day (0: due today).
 * - A dossier whose clock is stopped (awaiting the applicant's supplement, paused) is neither:
 *   its due date is not known until the clock runs again.
 */
import { localDateOf, type WorkingCalendar } from "@onestop/calendar";
import { legalDueAtMs } from "./classify.js";
import { isComplete, type DossierFacts, type Level } from "./facts.js";
import { dossierAt } from "./timeline.js";

export type HoldState = "PROCESSING" | "AWAITING_SUPPLEMENT" | "PAUSED";

/** What the read model keeps of an open dossier. */
export interface OpenDossier {
  dossierCode: string;
  procedureCode: string;
  sectorCode: string;
  level: Level;
  /** The deciding agency holding it now: the receipt's, or the last transfer's destination. */
  agencyCode: string;
  /** The agency whose desk received it. */
  receivingAgencyCode: string;
  receivedAt: string;
  /** Since when `agencyCode` holds it: the receipt, or the last transfer. */
  heldSince: string;
  state: HoldState;
  /** Since when it is in `state`: the event that put it there (the receipt when nothing did). */
  stateSince: string;
  /** The due instant printed on the receipt. */
  originalDueAt: string;
  /** The legal due instant now (epoch ms); null while the clock is stopped. */
  dueAtMs: number | null;
  /** An apology letter moved the due date. */
  extended: boolean;
  /** Business time of the latest fact. */
  lastEventAt: string;
}

export type DelayStatus = "OVERDUE" | "AT_RISK";

export interface DelayedDossier extends OpenDossier {
  status: DelayStatus;
  /** Working days past the due day (OVERDUE), 0 otherwise. */
  overdueWorkingDays: number;
  /** Working days after today up to and including the due day (AT_RISK; 0 when due today), 0 otherwise. */
  workingDaysLeft: number;
  /** Working days since the latest fact: how long nothing has happened to it. */
  idleWorkingDays: number;
}

export interface DelayedFilter {
  agencyCode?: string;
  level?: Level;
  sectorCode?: string;
  procedureCode?: string;
  /** Only overdue, only at risk, or both (default). */
  status?: DelayStatus;
}

export const DEFAULT_AT_RISK_WORKING_DAYS = 2;

/**
 * The summary the read model keeps for a dossier, or undefined when it is not open (no receipt
 * yet, decided, refused, withdrawn or closed) or its facts contradict each other (the reports'
 * checks show those).
 */
export function openDossierOf(facts: DossierFacts, calendar: WorkingCalendar): OpenDossier | undefined {
  if (!isComplete(facts)) return undefined;
  const view = dossierAt(facts, Infinity);
  const { clock, receipt } = view;
  if (clock.resolution || clock.end || clock.anomalies.length > 0) return undefined;
  let dueAtMs: number | null;
  try {
    dueAtMs = legalDueAtMs(view, calendar);
  } catch {
    return undefined; // DeadlineError: facts out of order while a late event is on its way
  }
  const lastSupplement = clock.supplements.at(-1);
  const openPause = clock.pauses.find((pause) => pause.to === undefined);
  const lastTransfer = clock.transfers.at(-1);
  const state: HoldState = lastSupplement && lastSupplement.returnedAt === undefined ? "AWAITING_SUPPLEMENT" : openPause ? "PAUSED" : "PROCESSING";
  const stateSince =
    state === "AWAITING_SUPPLEMENT"
      ? String(lastSupplement!.requestedAt)
      : state === "PAUSED"
        ? String(openPause!.from)
        : latest([receipt.receivedAt, lastSupplement?.returnedAt, clock.pauses.at(-1)?.to, lastTransfer?.at].flatMap((at) => (at === undefined ? [] : [String(at)])));
  return {
    dossierCode: facts.dossierCode,
    procedureCode: receipt.procedureCode,
    sectorCode: receipt.sectorCode,
    level: receipt.level,
    agencyCode: clock.agencyCode,
    receivingAgencyCode: receipt.agencyCode,
    receivedAt: receipt.receivedAt,
    heldSince: lastTransfer ? String(lastTransfer.at) : receipt.receivedAt,
    state,
    stateSince,
    originalDueAt: receipt.dueAt,
    dueAtMs,
    extended: clock.extensions.length > 0,
    lastEventAt: facts.events.at(-1)?.at ?? receipt.receivedAt,
  };
}

function latest(instants: string[]): string {
  return instants.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

/** Whether an open dossier is overdue or at risk at `nowMs`; undefined when it is neither. */
export function judgeDelayed(dossier: OpenDossier, nowMs: number, calendar: WorkingCalendar, withinDays = DEFAULT_AT_RISK_WORKING_DAYS): DelayedDossier | undefined {
  if (dossier.dueAtMs === null) return undefined;
  const today = localDateOf(nowMs);
  const dueDay = localDateOf(dossier.dueAtMs);
  const idleWorkingDays = calendar.workingDaysBetween(localDateOf(dossier.lastEventAt), today);
  if (dossier.dueAtMs < nowMs) {
    return { ...dossier, status: "OVERDUE", overdueWorkingDays: calendar.workingDaysBetween(dueDay, today), workingDaysLeft: 0, idleWorkingDays };
  }
  // Working days after today up to and including the due day: 0 when due today.
  const left = calendar.workingDaysBetween(today, dueDay);
  if (left > withinDays) return undefined;
  return { ...dossier, status: "AT_RISK", overdueWorkingDays: 0, workingDaysLeft: left, idleWorkingDays };
}

export function matchesFilter(dossier: OpenDossier, filter: DelayedFilter): boolean {
  return (
    (filter.agencyCode === undefined || dossier.agencyCode === filter.agencyCode) &&
    (filter.level === undefined || dossier.level === filter.level) &&
    (filter.sectorCode === undefined || dossier.sectorCode === filter.sectorCode) &&
    (filter.procedureCode === undefined || dossier.procedureCode === filter.procedureCode)
  );
}

/**
 * The delayed dossiers among `open` at `nowMs`: overdue first, the longest overdue first, then
 * those at risk, the soonest due first; ties by dossier code.
 */
export function selectDelayed(open: Iterable<OpenDossier>, filter: DelayedFilter, nowMs: number, calendar: WorkingCalendar, withinDays = DEFAULT_AT_RISK_WORKING_DAYS): DelayedDossier[] {
  const selected: DelayedDossier[] = [];
  for (const dossier of open) {
    if (!matchesFilter(dossier, filter)) continue;
    const judged = judgeDelayed(dossier, nowMs, calendar, withinDays);
    if (judged && (filter.status === undefined || judged.status === filter.status)) selected.push(judged);
  }
  const rank = (d: DelayedDossier) => (d.status === "OVERDUE" ? 0 : 1);
  return selected.sort((a, b) => rank(a) - rank(b) || a.dueAtMs! - b.dueAtMs! || (a.dossierCode < b.dossierCode ? -1 : a.dossierCode > b.dossierCode ? 1 : 0));
}
