/**
 * Two verdicts over the same facts, which may disagree:
 * - the legal one compares the resolution with the legal due date (restarted after a supplement,
 *   extended by pauses and by an apology);
 * - the national indicator's (Decision 766, "Tiến độ giải quyết") keeps the due date set at
 *   receipt, subtracts the time spent waiting for supplements and in pauses from the resolution
 *   time, and counts a dossier with more than one supplement request as late.
 */
import { defaultCalendar, type WorkingCalendar } from "./calendar.js";
import { computeDueAt, checkTimeline, DeadlineError, type DossierClock } from "./deadline.js";
import { endOfDayMs, formatInstant, localDateOf, toEpochMs, type Instant, type LocalDate } from "./dates.js";

/** trước hạn / đúng hạn / quá hạn */
export type Verdict = "EARLY" | "ON_TIME" | "OVERDUE";

export interface ResolvedDossier extends DossierClock {
  resolvedAt: Instant;
}

export interface VerdictResult {
  verdict: Verdict;
  dueDate: LocalDate;
  dueAt: string;
}

export interface IndicatorVerdictResult extends VerdictResult {
  /** The resolution time minus supplement and pause time: what is compared with the due date. */
  adjustedResolvedAt: string;
  reason: "COMPARED_WITH_DUE_DATE" | "MORE_THAN_ONE_SUPPLEMENT_REQUEST";
}

/** Early: resolved on a day before the due day; on time: on the due day; overdue: after its end. */
export function classifyResolution(resolvedAt: Instant, dueDate: LocalDate): Verdict {
  const resolvedDay = localDateOf(resolvedAt);
  if (resolvedDay < dueDate) return "EARLY";
  return resolvedDay === dueDate ? "ON_TIME" : "OVERDUE";
}

function checkResolution(dossier: ResolvedDossier): void {
  checkTimeline(dossier);
  const resolved = toEpochMs(dossier.resolvedAt);
  const instants = [
    dossier.receivedAt,
    ...(dossier.supplements ?? []).flatMap((s) => [s.requestedAt, ...(s.returnedAt ? [s.returnedAt] : [])]),
    ...(dossier.pauses ?? []).flatMap((p) => [p.from, ...(p.to ? [p.to] : [])]),
  ];
  if (instants.some((instant) => toEpochMs(instant) > resolved)) {
    throw new DeadlineError("EVENTS_OUT_OF_ORDER", "an event is recorded after the resolution");
  }
}

/** The legal verdict. A pause or a supplement wait still open at resolution ends with it. */
export function legalVerdict(dossier: ResolvedDossier, calendar: WorkingCalendar = defaultCalendar): VerdictResult {
  checkResolution(dossier);
  const closed: DossierClock = {
    ...dossier,
    supplements: dossier.supplements?.map((s) => ({ ...s, returnedAt: s.returnedAt ?? dossier.resolvedAt })),
    pauses: dossier.pauses?.map((p) => ({ ...p, to: p.to ?? dossier.resolvedAt })),
  };
  const { dueDate, dueAt } = computeDueAt(closed, calendar);
  if (dueDate === null || dueAt === null) throw new Error("a closed timeline always has a due date");
  return { verdict: classifyResolution(dossier.resolvedAt, dueDate), dueDate, dueAt };
}

/** Total length of the union of [start, end] intervals, so overlapping waits are subtracted once. */
function coveredMs(intervals: Array<[number, number]>): number {
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, reach);
    if (end > from) total += end - from;
    reach = Math.max(reach, end);
  }
  return total;
}

/**
 * The national indicator's verdict. `originalDueAt` is the due date printed on the receipt when
 * it is known; otherwise it is computed from receipt and time limit alone.
 */
export function indicatorVerdict(dossier: ResolvedDossier & { originalDueAt?: Instant }, calendar: WorkingCalendar = defaultCalendar): IndicatorVerdictResult {
  checkResolution(dossier);
  const resolved = toEpochMs(dossier.resolvedAt);
  const dueDate = dossier.originalDueAt !== undefined ? localDateOf(dossier.originalDueAt) : computeDueAt({ receivedAt: dossier.receivedAt, timeLimit: dossier.timeLimit }, calendar).dueDate;
  if (dueDate === null) throw new Error("a dossier with no events always has a due date");

  const waits: Array<[number, number]> = [
    ...(dossier.supplements ?? []).map((s): [number, number] => [toEpochMs(s.requestedAt), toEpochMs(s.returnedAt ?? dossier.resolvedAt)]),
    ...(dossier.pauses ?? []).map((p): [number, number] => [toEpochMs(p.from), toEpochMs(p.to ?? dossier.resolvedAt)]),
  ];
  const adjusted = resolved - coveredMs(waits);
  const base = { dueDate, dueAt: formatInstant(endOfDayMs(dueDate)), adjustedResolvedAt: formatInstant(adjusted) };
  if ((dossier.supplements ?? []).length > 1) {
    return { ...base, verdict: "OVERDUE", reason: "MORE_THAN_ONE_SUPPLEMENT_REQUEST" };
  }
  return { ...base, verdict: classifyResolution(new Date(adjusted), dueDate), reason: "COMPARED_WITH_DUE_DATE" };
}
