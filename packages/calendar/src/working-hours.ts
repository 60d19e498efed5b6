/**
 * Working hours (giờ làm việc): periods counted in working hours run only inside the office sessions
 * of working days. Civil servants work 8 hours a day, 40 a week (Decision 188/1999/QĐ-TTg, Labour Code
 * 2019 art. 105); each province fixes the sessions (Bắc Ninh and most provinces: morning and afternoon
 * with a lunch break), so they are an option: the default 08:00–12:00 and 13:00–17:00 is to verify
 * against the province's decision. Used for charges (lệ phí) that must reach the state budget within
 * 8 working hours of payment, and for online dossiers whose receipt must be confirmed within 8 working hours.
 */
import { defaultCalendar, type WorkingCalendar } from "./calendar.js";
import { addDays, atLocalTime, localDateOf, toEpochMs, type Instant, type LocalDate } from "./dates.js";

/** An office session in local wall-clock minutes since midnight, [start, end). */
export interface OfficeSession {
  startMinute: number;
  endMinute: number;
}

/** 08:00–12:00 and 13:00–17:00: 8 hours a working day. */
export const DEFAULT_OFFICE_SESSIONS: readonly OfficeSession[] = [
  { startMinute: 8 * 60, endMinute: 12 * 60 },
  { startMinute: 13 * 60, endMinute: 17 * 60 },
];

const HOUR_MS = 3_600_000;
/** Longest search for working time (a year of holidays cannot be longer). */
const MAX_DAYS = 400;

function sessionsOf(date: LocalDate, sessions: readonly OfficeSession[]): Array<[number, number]> {
  return sessions.map(({ startMinute, endMinute }) => [atLocalTime(date, 0, startMinute), atLocalTime(date, 0, endMinute)]);
}

function checkSessions(sessions: readonly OfficeSession[]): void {
  let previousEnd = 0;
  for (const { startMinute, endMinute } of sessions) {
    if (!Number.isInteger(startMinute) || !Number.isInteger(endMinute) || startMinute < previousEnd || endMinute <= startMinute || endMinute > 24 * 60) {
      throw new RangeError("office sessions must be ordered, non-overlapping whole minutes within a day");
    }
    previousEnd = endMinute;
  }
  if (sessions.length === 0) throw new RangeError("at least one office session is needed");
}

/**
 * The instant at which `hours` working hours after `from` have run: time is counted only inside the
 * sessions of working days (a payment at lunch, in the evening or on a holiday starts counting at the
 * next session). A period ending exactly at a session's end ends there, not at the next session's start.
 */
export function addWorkingHours(from: Instant | number, hours: number, calendar: WorkingCalendar = defaultCalendar, sessions: readonly OfficeSession[] = DEFAULT_OFFICE_SESSIONS): number {
  if (!Number.isFinite(hours) || hours <= 0) throw new RangeError(`working hours must be > 0, got ${hours}`);
  checkSessions(sessions);
  const start = toEpochMs(from);
  let left = Math.round(hours * HOUR_MS);
  let date = localDateOf(start);
  for (let day = 0; day < MAX_DAYS; day++, date = addDays(date, 1)) {
    if (!calendar.isWorkingDay(date)) continue;
    for (const [open, close] of sessionsOf(date, sessions)) {
      const begin = Math.max(open, start);
      if (begin >= close) continue;
      if (left <= close - begin) return begin + left;
      left -= close - begin;
    }
  }
  throw new RangeError("no working time found within a year");
}

/** Working time in milliseconds between two instants (0 when `to` is not after `from`). */
export function workingMsBetween(from: Instant | number, to: Instant | number, calendar: WorkingCalendar = defaultCalendar, sessions: readonly OfficeSession[] = DEFAULT_OFFICE_SESSIONS): number {
  checkSessions(sessions);
  const start = toEpochMs(from);
  const end = toEpochMs(to);
  let total = 0;
  for (let date = localDateOf(start); date <= localDateOf(end); date = addDays(date, 1)) {
    if (!calendar.isWorkingDay(date)) continue;
    for (const [open, close] of sessionsOf(date, sessions)) total += Math.max(0, Math.min(close, end) - Math.max(open, start));
  }
  return total;
}
