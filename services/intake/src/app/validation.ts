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
  return z
    .string()
    .regex(OFFSET_INSTANT, "must be ISO 8601 with an offset, e.g. 2025-03-10T09:15:00+07:00")
    .refine((value) => !Number.isNaN(Date.parse(value)), "not a real date and time");
}

export function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message }));
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    "",
  ) || "(body)";
}
