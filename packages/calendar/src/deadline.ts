/**
 * A dossier's legal due date, from raw facts: receipt, supplement requests and returns, pauses,
 * an extension. Day-granular like the law: a period starts the day after its event and ends at
 * the end (24:00) of its last day (Civil Code 2015 art. 147–148).
 */
import { defaultCalendar, type WorkingCalendar } from "./calendar.js";
import { addDays, daysBetween, endOfDayMs, formatInstant, localDateOf, localTimeOfDayMs, toEpochMs, type Instant, type LocalDate } from "./dates.js";
import { ruleSetFor, type DeadlineRuleSet, type RuleSetId } from "./rules.js";

export type TimeLimitUnit = "WORKING_DAYS" | "DAYS";

export interface TimeLimit {
  /** Whole days of `unit`; 0 only for a same-day procedure. */
  amount: number;
  /** Stored per procedure, never assumed: "ngày làm việc" or "ngày". */
  unit: TimeLimitUnit;
  /** Same-day (civil-status) procedure: resolved on the day of receipt, or the next working day when received after 15:00. */
  sameDay?: boolean;
}

export type PauseReason = "OPINION_REQUEST" | "FINANCIAL_OBLIGATION";

/** The clock stops while waiting for another agency's opinion or for the applicant's financial obligations. */
export interface Pause {
  reason: PauseReason;
  from: Instant;
  /** Absent while the pause is still open. */
  to?: Instant;
}

export interface SupplementRequest {
  requestedAt: Instant;
  /** When the completed dossier arrived; absent while awaited. */
  returnedAt?: Instant;
}

/** The due date moved after an apology letter (form 04). */
export interface Extension {
  apologySentAt: Instant;
  newDueDate: LocalDate;
}

export interface DossierClock {
  /** The time on the receipt form: a complete, valid dossier was received. */
  receivedAt: Instant;
  timeLimit: TimeLimit;
  supplements?: readonly SupplementRequest[];
  pauses?: readonly Pause[];
  extensions?: readonly Extension[];
}

export type ClockStatus = "RUNNING" | "AWAITING_SUPPLEMENT" | "PAUSED";

export interface LegalDeadline {
  ruleSet: RuleSetId;
  status: ClockStatus;
  /** Receipt, or the return of the last supplement (the clock restarts from zero then). */
  clockStartedAt: string;
  /** The due day; null while the clock is stopped. */
  dueDate: LocalDate | null;
  /** End of the due day, 23:59:59.999+07:00; null while the clock is stopped. */
  dueAt: string | null;
  /** Decree 118 only, while a supplement is awaited: past this instant the dossier is closed. */
  supplementExpiresAt?: string;
  /** The due day before the extension, when one applies. */
  extendedFrom?: LocalDate;
}

export type DeadlineErrorCode = "INVALID_TIME_LIMIT" | "EVENTS_OUT_OF_ORDER" | "TOO_MANY_EXTENSIONS" | "LATE_APOLOGY" | "INVALID_EXTENSION_DATE";

export class DeadlineError extends Error {
  override readonly name = "DeadlineError";
  constructor(
    readonly code: DeadlineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function checkTimeLimit(limit: TimeLimit): void {
  if (limit.unit !== "WORKING_DAYS" && limit.unit !== "DAYS") {
    throw new DeadlineError("INVALID_TIME_LIMIT", `unknown unit ${String(limit.unit)}`);
  }
  if (limit.sameDay) {
    if (limit.amount !== 0 || limit.unit !== "WORKING_DAYS") {
      throw new DeadlineError("INVALID_TIME_LIMIT", 'a same-day limit is { amount: 0, unit: "WORKING_DAYS", sameDay: true }');
    }
  } else if (!Number.isInteger(limit.amount) || limit.amount < 1) {
    throw new DeadlineError("INVALID_TIME_LIMIT", `amount must be a whole number ≥ 1, got ${limit.amount}`);
  }
}

function notBefore(later: Instant, earlier: Instant, what: string): void {
  if (toEpochMs(later) < toEpochMs(earlier)) throw new DeadlineError("EVENTS_OUT_OF_ORDER", what);
}

/** Receipt first; supplement requests in order, each returned before the next; only the last may be awaited. */
export function checkTimeline(clock: DossierClock): void {
  checkTimeLimit(clock.timeLimit);
  let previous: Instant = clock.receivedAt;
  const supplements = clock.supplements ?? [];
  supplements.forEach((supplement, index) => {
    notBefore(supplement.requestedAt, previous, "a supplement request precedes receipt or the previous return");
    if (supplement.returnedAt === undefined) {
      if (index !== supplements.length - 1) throw new DeadlineError("EVENTS_OUT_OF_ORDER", "only the last supplement request may be awaited");
    } else {
      notBefore(supplement.returnedAt, supplement.requestedAt, "a supplement returned before it was requested");
      previous = supplement.returnedAt;
    }
  });
  for (const pause of clock.pauses ?? []) {
    notBefore(pause.from, clock.receivedAt, "a pause starts before receipt");
    if (pause.to !== undefined) notBefore(pause.to, pause.from, "a pause ends before it starts");
  }
  for (const extension of clock.extensions ?? []) notBefore(extension.apologySentAt, clock.receivedAt, "an apology precedes receipt");
}

/**
 * Days a closed pause takes out of the count: each day after the day it starts, up to and
 * including the day it ends. Like a period, it runs from the day after its event; the day work
 * resumes is not counted, as the receipt day is not.
 */
function pausedDays(pauses: readonly Pause[]): Set<LocalDate> {
  const days = new Set<LocalDate>();
  for (const pause of pauses) {
    if (pause.to === undefined) continue;
    const last = localDateOf(pause.to);
    for (let day = addDays(localDateOf(pause.from), 1); day <= last; day = addDays(day, 1)) days.add(day);
  }
  return days;
}

/** The last day of a time limit counted from `start`. */
function lastDayOf(start: Instant, limit: TimeLimit, rules: DeadlineRuleSet, calendar: WorkingCalendar, paused: ReadonlySet<LocalDate> = new Set()): LocalDate {
  const startDay = localDateOf(start);
  if (limit.sameDay) {
    const afterCutoff = localTimeOfDayMs(start) > rules.sameDayCutoffMinutes * 60_000;
    let day = afterCutoff ? calendar.nextWorkingDay(startDay) : calendar.workingDayOnOrAfter(startDay);
    while (paused.has(day)) day = calendar.nextWorkingDay(day);
    return day;
  }
  let day = startDay; // art. 147: the day of the event is not counted
  for (let left = limit.amount; left > 0; ) {
    day = addDays(day, 1);
    if (paused.has(day)) continue;
    if (limit.unit === "DAYS" || calendar.isWorkingDay(day)) left--;
  }
  // Art. 148(2): a period in days whose last day is a rest day ends with the next working day.
  return limit.unit === "DAYS" ? calendar.workingDayOnOrAfter(day) : day;
}

function endOf(day: LocalDate): string {
  return formatInstant(endOfDayMs(day));
}

/** The legal due date of a dossier under the rule set in force on its receipt date. */
export function computeDueAt(clock: DossierClock, calendar: WorkingCalendar = defaultCalendar): LegalDeadline {
  checkTimeline(clock);
  const rules = ruleSetFor(clock.receivedAt);
  const lastSupplement = clock.supplements?.at(-1);

  if (lastSupplement && lastSupplement.returnedAt === undefined) {
    const stopped: LegalDeadline = {
      ruleSet: rules.id,
      status: "AWAITING_SUPPLEMENT",
      clockStartedAt: formatInstant(clock.receivedAt),
      dueDate: null,
      dueAt: null,
    };
    if (rules.supplementCompletionDays !== null) {
      const window: TimeLimit = { amount: rules.supplementCompletionDays, unit: "DAYS" };
      stopped.supplementExpiresAt = endOf(lastDayOf(lastSupplement.requestedAt, window, rules, calendar));
    }
    return stopped;
  }

  const clockStart = lastSupplement?.returnedAt ?? clock.receivedAt;
  const pauses = clock.pauses ?? [];
  if (pauses.some((pause) => pause.to === undefined)) {
    return { ruleSet: rules.id, status: "PAUSED", clockStartedAt: formatInstant(clockStart), dueDate: null, dueAt: null };
  }

  const dueDate = lastDayOf(clockStart, clock.timeLimit, rules, calendar, pausedDays(pauses));
  const extended = applyExtension(dueDate, clock.extensions ?? [], rules, calendar);
  return {
    ruleSet: rules.id,
    status: "RUNNING",
    clockStartedAt: formatInstant(clockStart),
    dueDate: extended,
    dueAt: endOf(extended),
    ...(extended !== dueDate ? { extendedFrom: dueDate } : {}),
  };
}

/** One move of the due date, announced by an apology at least one day before it, to a later working day. */
function applyExtension(dueDate: LocalDate, extensions: readonly Extension[], rules: DeadlineRuleSet, calendar: WorkingCalendar): LocalDate {
  if (extensions.length > rules.maxExtensions) {
    throw new DeadlineError("TOO_MANY_EXTENSIONS", `the due date may be moved ${rules.maxExtensions} time(s) only`);
  }
  const [extension] = extensions;
  if (!extension) return dueDate;
  if (daysBetween(localDateOf(extension.apologySentAt), dueDate) < rules.apologyDaysBeforeDue) {
    throw new DeadlineError("LATE_APOLOGY", `the apology must be sent at least ${rules.apologyDaysBeforeDue} day(s) before ${dueDate}`);
  }
  if (extension.newDueDate <= dueDate || !calendar.isWorkingDay(extension.newDueDate)) {
    throw new DeadlineError("INVALID_EXTENSION_DATE", `the new date must be a working day after ${dueDate}`);
  }
  return extension.newDueDate;
}

/** Latest instant for the agency's single, complete supplement request (3 working days after receipt). */
export function supplementRequestDeadline(receivedAt: Instant, calendar: WorkingCalendar = defaultCalendar): string {
  const rules = ruleSetFor(receivedAt);
  return endOf(calendar.addWorkingDays(localDateOf(receivedAt), rules.supplementRequestWithinWorkingDays));
}
