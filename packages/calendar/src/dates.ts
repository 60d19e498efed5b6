/**
 * Local dates and instants in Vietnam's time (Asia/Ho_Chi_Minh, UTC+7, no daylight saving).
 * Every computation goes through UTC arithmetic with a fixed +7 h offset, so nothing depends on
 * the machine's time zone.
 */

/** A calendar day in Vietnam, written "YYYY-MM-DD". */
export type LocalDate = string;
/** A point in time: a `Date`, or an ISO 8601 string that carries its offset ("Z" or "+07:00"). */
export type Instant = Date | string;

export const VIETNAM_UTC_OFFSET_HOURS = 7;
const OFFSET_MS = VIETNAM_UTC_OFFSET_HOURS * 3_600_000;
const DAY_MS = 86_400_000;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export class InvalidDateError extends Error {
  override readonly name = "InvalidDateError";
}

/**
 * Deadlines walk the calendar day by day, and reporting classifies every dossier for every period
 * it touches: the two conversions below run millions of times a minute, so each remembers its
 * answers (a few hundred thousand days at most; forgotten all at once past that).
 */
const CACHE_LIMIT = 200_000;
const dayNumbers = new Map<LocalDate, number>();
const localDates = new Map<number, LocalDate>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Days since 1970-01-01 of a local date; throws on a malformed or impossible date. */
export function toDayNumber(date: LocalDate): number {
  const known = dayNumbers.get(date);
  if (known !== undefined) return known;
  const match = LOCAL_DATE.exec(date);
  if (!match) throw new InvalidDateError(`not a YYYY-MM-DD date: ${date}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) {
    throw new InvalidDateError(`no such date: ${date}`);
  }
  return remember(dayNumbers, date, ms / DAY_MS);
}

export function fromDayNumber(dayNumber: number): LocalDate {
  return localDates.get(dayNumber) ?? remember(localDates, dayNumber, new Date(dayNumber * DAY_MS).toISOString().slice(0, 10));
}

export function localDate(year: number, month: number, day: number): LocalDate {
  return fromDayNumber(Date.UTC(year, month - 1, day) / DAY_MS);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(toDayNumber(date) + days);
}

/** Number of days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function dayOfWeek(date: LocalDate): number {
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export function yearOf(date: LocalDate): number {
  toDayNumber(date);
  return Number(date.slice(0, 4));
}

/** Milliseconds since the epoch; rejects strings without an explicit offset (they would be read in the machine's zone). */
export function toEpochMs(instant: Instant | number): number {
  if (typeof instant === "number") {
    if (!Number.isFinite(instant)) throw new InvalidDateError("invalid epoch milliseconds");
    return instant;
  }
  if (instant instanceof Date) {
    const ms = instant.getTime();
    if (Number.isNaN(ms)) throw new InvalidDateError("invalid Date");
    return ms;
  }
  if (!ISO_WITH_OFFSET.test(instant)) {
    throw new InvalidDateError(`an instant needs a full ISO 8601 form with its offset: ${instant}`);
  }
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new InvalidDateError(`invalid instant: ${instant}`);
  return ms;
}

/** The Vietnamese calendar day an instant falls on. */
export function localDateOf(instant: Instant | number): LocalDate {
  return fromDayNumber(Math.floor((toEpochMs(instant) + OFFSET_MS) / DAY_MS));
}

/** Milliseconds since local midnight in Vietnam. */
export function localTimeOfDayMs(instant: Instant | number): number {
  const shifted = toEpochMs(instant) + OFFSET_MS;
  return shifted - Math.floor(shifted / DAY_MS) * DAY_MS;
}

/** The instant of a local wall-clock time, e.g. `atLocalTime("2025-01-24", 17)`. */
export function atLocalTime(date: LocalDate, hours: number, minutes = 0, seconds = 0, ms = 0): number {
  return toDayNumber(date) * DAY_MS - OFFSET_MS + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms;
}

/** The last millisecond of a local day (24:00 in the Civil Code's words). */
export function endOfDayMs(date: LocalDate): number {
  return atLocalTime(date, 24) - 1;
}

/** ISO 8601 in Vietnam's offset, e.g. "2025-02-05T23:59:59.999+07:00"; milliseconds only when non-zero. */
export function formatInstant(instant: Instant | number): string {
  const ms = toEpochMs(instant);
  const iso = new Date(ms + OFFSET_MS).toISOString(); // UTC digits of the local wall clock
  const wall = iso.endsWith(".000Z") ? iso.slice(0, 19) : iso.slice(0, 23);
  return `${wall}+07:00`;
}
