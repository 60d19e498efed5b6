import { z } from "zod";
import { RATING_MAX } from "../domain/dossier.js";
import type { LifecycleEvent } from "../domain/events.js";
import { ValidationError } from "./errors.js";
import { isCalendarDate, isoWithOffset, text, zodErrors } from "./validation.js";

/** An identifier: no control characters (nor line separators), which no desk's ids hold and the audit record refuses. */
const eventId = text(100).pipe(z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, "must not contain control characters"));
const base = { eventId, at: isoWithOffset() };
/** A new due date: a real calendar day (not 2025-02-30) within the years the calendar knows. */
const isoDate = z.string().refine((value) => isCalendarDate(value) && value >= "1900-01-01" && value <= "2199-12-31", "must be a real date YYYY-MM-DD");

const lifecycleSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ ...base, type: z.literal("SUPPLEMENT_REQUESTED"), reason: text(1000).optional() }),
    z.object({ ...base, type: z.literal("SUPPLEMENT_RECEIVED") }),
    z.object({ ...base, type: z.literal("PAUSED"), reason: z.enum(["OPINION_REQUEST", "FINANCIAL_OBLIGATION"]) }),
    z.object({ ...base, type: z.literal("RESUMED") }),
    z.object({ ...base, type: z.literal("DEADLINE_EXTENDED"), newDueDate: isoDate, reason: text(1000).optional() }),
    z.object({ ...base, type: z.literal("TRANSFERRED"), toAgencyCode: text(50) }),
    z.object({
      ...base,
      type: z.literal("RESOLVED"),
      outcome: z.enum(["APPROVED", "REFUSED"]),
      // A liên thông bundle's steps (lienthong sends them); outputs are personal data.
      results: z
        .array(
          z.object({
            stepCode: text(64),
            procedureCode: text(20),
            agencyCode: text(20),
            completedAt: isoWithOffset(),
            resultNumber: text(100).optional(),
            outputs: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, "must be a field name"), text(500)).default({}),
          }),
        )
        .max(20)
        .optional(),
    }),
    z.object({ ...base, type: z.literal("RESULT_RETURNED"), channel: z.enum(["IN_PERSON", "POSTAL", "ONLINE"]), electronic: z.boolean() }),
    z.object({ ...base, type: z.literal("REFUSED"), reason: text(1000).optional() }),
    z.object({ ...base, type: z.literal("WITHDRAWN") }),
    z.object({ ...base, type: z.literal("CLOSED") }),
    z.object({ ...base, type: z.literal("EVALUATED"), rating: z.number().int().min(1).max(RATING_MAX) }),
  ],
  { error: () => "type must be one of SUPPLEMENT_REQUESTED, SUPPLEMENT_RECEIVED, PAUSED, RESUMED, DEADLINE_EXTENDED, TRANSFERRED, RESOLVED, RESULT_RETURNED, REFUSED, WITHDRAWN, CLOSED, EVALUATED" },
);

/** Parses a lifecycle event body, or throws ValidationError naming each bad field. */
export function parseLifecycleEvent(body: unknown, now: Date): LifecycleEvent {
  const parsed = lifecycleSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  if (Date.parse(parsed.data.at) > now.getTime() + 60_000) {
    throw new ValidationError([{ path: "at", message: "must not be in the future" }]);
  }
  return parsed.data as LifecycleEvent;
}
