import { computeDueAt, type WorkingCalendar } from "@onestop/calendar";
import { z } from "zod";
import { ValidationError } from "./errors.js";
import { isoWithOffset, zodErrors } from "./validation.js";

const deadlineQuery = z.object({
  from: isoWithOffset(),
  amount: z.coerce.number().int().min(0).max(3650),
  unit: z.enum(["WORKING_DAYS", "DAYS"]),
  sameDay: z
    .enum(["true", "false"])
    .default("false")
    .transform((flag) => flag === "true"),
});

/** `GET /v1/calendar/deadline`: the due instant for a time limit counted from `from`. */
export function computeDeadline(query: unknown, calendar: WorkingCalendar): { dueAt: string } {
  const parsed = deadlineQuery.safeParse(query);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const { from, amount, unit, sameDay } = parsed.data;
  if (sameDay ? amount !== 0 : amount < 1) {
    throw new ValidationError([{ path: "amount", message: sameDay ? "must be 0 for a same-day limit" : "must be at least 1" }]);
  }
  return { dueAt: computeDueAt({ receivedAt: from, timeLimit: { amount, unit, sameDay } }, calendar).dueAt! };
}

const yearQuery = z.object({ year: z.coerce.number().int().min(1900).max(2199) });

/** `GET /v1/calendar/non-working-days`: the year's days off, with reasons. */
export function listNonWorkingDays(query: unknown, calendar: WorkingCalendar) {
  const parsed = yearQuery.safeParse(query);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  return calendar.nonWorkingDays(parsed.data.year);
}
