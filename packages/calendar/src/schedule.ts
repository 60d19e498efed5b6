/**
 * A year's official schedule of days off for civil servants (công chức, viên chức), as the
 * Government fixes it each year. When a year has one, it replaces the computed default entirely.
 */
import { dayOfWeek, toDayNumber, yearOf, type LocalDate } from "./dates.js";

/**
 * Why a day is not worked:
 * - weekend: an ordinary Saturday or Sunday;
 * - holiday: a day of Labour Code 2019 art. 112(1) (or Vietnamese Culture Day when enabled);
 * - compensatory: a day given in lieu of a holiday that fell on a weekend (art. 111(3));
 * - swap: a weekday given off in exchange for a Saturday worked (hoán đổi ngày làm việc).
 */
export type NonWorkingKind = "weekend" | "holiday" | "compensatory" | "swap";

export interface NonWorkingDay {
  date: LocalDate;
  kind: NonWorkingKind;
  /** Vietnamese, e.g. "Tết Nguyên đán", "Nghỉ bù Giỗ Tổ Hùng Vương", "Thứ Bảy". */
  reason: string;
}

export interface ScheduleSource {
  /** Number and kind of the document, e.g. "Thông báo 9441/TB-BNV". */
  document: string;
  issuer: string;
  /** Issue date when verified; otherwise absent and said so in `verification`. */
  issuedOn?: LocalDate;
  covers: string;
}

export interface OfficialSchedule {
  year: number;
  audience: string;
  sources: ScheduleSource[];
  /** How each part was checked, and what could not be. */
  verification: string[];
  /** 24/11 "Ngày Văn hóa Việt Nam": off unless the schedule enables it. */
  vietnameseCultureDay: boolean;
  /** Days off other than ordinary weekends: holidays (even on a weekend), compensatory and swapped days. */
  daysOff: Array<Omit<NonWorkingDay, "kind"> & { kind: Exclude<NonWorkingKind, "weekend"> }>;
  /** Saturdays or Sundays worked in exchange for a swapped weekday. */
  workingWeekendDays: Array<{ date: LocalDate; reason: string }>;
}

export class InvalidScheduleError extends Error {
  override readonly name = "InvalidScheduleError";
}

const OFF_KINDS = new Set(["holiday", "compensatory", "swap"]);

function fail(year: unknown, message: string): never {
  throw new InvalidScheduleError(`schedule ${String(year)}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkDate(year: number, date: unknown, inYear = true): LocalDate {
  if (typeof date !== "string") fail(year, `date must be a string, got ${JSON.stringify(date)}`);
  try {
    toDayNumber(date);
  } catch {
    fail(year, `invalid date ${date}`);
  }
  if (inYear && yearOf(date) !== year) fail(year, `${date} is outside the year`);
  return date;
}

function checkReason(year: number, reason: unknown, date: string): string {
  if (typeof reason !== "string" || reason.trim() === "") fail(year, `${date} needs a reason`);
  return reason.normalize("NFC");
}

/** Validates raw schedule data (a JSON file) and returns it typed; throws InvalidScheduleError. */
export function parseSchedule(raw: unknown): OfficialSchedule {
  if (!isRecord(raw)) throw new InvalidScheduleError("schedule must be an object");
  const year = raw.year;
  if (typeof year !== "number" || !Number.isInteger(year)) fail(year, "year must be an integer");
  if (typeof raw.audience !== "string") fail(year, "audience is required");
  if (!Array.isArray(raw.sources) || raw.sources.length === 0) fail(year, "at least one source is required");
  const sources = raw.sources.map((source): ScheduleSource => {
    if (!isRecord(source) || typeof source.document !== "string" || typeof source.issuer !== "string" || typeof source.covers !== "string") {
      fail(year, "each source needs document, issuer and covers");
    }
    const issuedOn = source.issuedOn === undefined ? undefined : checkDate(year, source.issuedOn, false);
    return { document: source.document, issuer: source.issuer, covers: source.covers, ...(issuedOn ? { issuedOn } : {}) };
  });
  if (!Array.isArray(raw.verification) || !raw.verification.every((line) => typeof line === "string")) {
    fail(year, "verification must be a list of strings");
  }
  if (typeof raw.vietnameseCultureDay !== "boolean") fail(year, "vietnameseCultureDay must be true or false");
  if (!Array.isArray(raw.daysOff) || !Array.isArray(raw.workingWeekendDays)) {
    fail(year, "daysOff and workingWeekendDays must be lists");
  }

  const seen = new Set<string>();
  const daysOff = raw.daysOff.map((entry) => {
    if (!isRecord(entry)) fail(year, "each day off must be an object");
    const date = checkDate(year, entry.date);
    if (seen.has(date)) fail(year, `${date} is listed twice`);
    seen.add(date);
    if (typeof entry.kind !== "string" || !OFF_KINDS.has(entry.kind)) fail(year, `${date} has an unknown kind ${String(entry.kind)}`);
    const kind = entry.kind as Exclude<NonWorkingKind, "weekend">;
    const weekend = dayOfWeek(date) === 0 || dayOfWeek(date) === 6;
    if (kind !== "holiday" && weekend) fail(year, `${date} is a weekend day and cannot be a ${kind} day`);
    return { date, kind, reason: checkReason(year, entry.reason, date) };
  });
  const workingWeekendDays = raw.workingWeekendDays.map((entry) => {
    if (!isRecord(entry)) fail(year, "each working weekend day must be an object");
    const date = checkDate(year, entry.date);
    if (seen.has(date)) fail(year, `${date} is listed twice`);
    seen.add(date);
    if (dayOfWeek(date) !== 0 && dayOfWeek(date) !== 6) fail(year, `${date} is not a Saturday or Sunday`);
    return { date, reason: checkReason(year, entry.reason, date) };
  });
  const swaps = daysOff.filter((day) => day.kind === "swap").length;
  if (swaps !== workingWeekendDays.length) {
    fail(year, `${swaps} swapped days off but ${workingWeekendDays.length} weekend days worked`);
  }

  return {
    year,
    audience: raw.audience,
    sources,
    verification: raw.verification as string[],
    vietnameseCultureDay: raw.vietnameseCultureDay,
    daysOff: daysOff.sort((a, b) => a.date.localeCompare(b.date)),
    workingWeekendDays: workingWeekendDays.sort((a, b) => a.date.localeCompare(b.date)),
  };
}
