import { isCalendarDate } from "@onestop/catalogue";
import { z } from "zod";
import type { FieldError } from "./errors.js";

const OFFSET_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Text that is valid Unicode, normalised to NFC (Vietnamese may arrive decomposed), trimmed, not empty. */
export function text(max = 100) {
  return z
    .string()
    .refine((value) => value.isWellFormed(), "not valid Unicode text")
    .transform((value) => value.normalize("NFC").trim())
    .pipe(z.string().min(1, "must not be empty").max(max, `at most ${max} characters`));
}

/** An instant in ISO 8601 with an explicit offset (e.g. 2025-03-10T09:15:00+07:00). */
export function isoWithOffset() {
  return (
    z
      .string()
      .regex(OFFSET_INSTANT, "must be ISO 8601 with an offset, e.g. 2025-03-10T09:15:00+07:00")
      // Only when the form is right: a malformed value is named once, by the regex.
      .refine((value) => !OFFSET_INSTANT.test(value) || isRealInstant(value), "not a real date and time, or before 1900 or after 2199")
  );
}

/**
 * The date and time as written exist: Date.parse alone takes 2025-02-30 for 2 March, 24:00 for
 * the next midnight, and the dossier would keep a date no calendar has. Years outside 1900-2199
 * are refused too: no procedure, holiday table or agency reaches them (and a deadline counted
 * from year 9999 would end past the calendar's last day).
 */
function isRealInstant(value: string): boolean {
  const [, date, hour, minute, second, offsetHour, offsetMinute] = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/.exec(value) ?? [];
  if (!date || !isCalendarDate(date) || date < "1900-01-01" || date > "2199-12-31") return false;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return false;
  if (offsetHour !== undefined && (Number(offsetHour) > 14 || Number(offsetMinute) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

export function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message }));
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "") || "(body)";
}

export { isCalendarDate };
