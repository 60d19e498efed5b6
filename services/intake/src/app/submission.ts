import { computeDueAt, localDateOf, type WorkingCalendar } from "@onestop/calendar";
import { z } from "zod";
import type { Channel, Component, Fee, OnlineMode } from "../domain/dossier.js";
import type { ReceivedEvent } from "../domain/events.js";
import type { CatalogueLookup } from "./catalogue-port.js";
import { ValidationError, type FieldError } from "./errors.js";
import { isoWithOffset, text, zodErrors } from "./validation.js";

const DOSSIER_CODE = /^(\d{3}\.\d{2}\.\d{2}\.H\d{2})-(\d{6})-(\d{4})$/;

const submissionSchema = z.object({
  code: z.string().regex(DOSSIER_CODE, "malformed dossier code: expected <agency id>-YYMMDD-XXXX").optional(),
  procedureCode: text(),
  agencyCode: text(),
  receivingUnitCode: text().optional(),
  channel: z.enum(["ONLINE", "IN_PERSON", "POSTAL"]),
  onlineMode: z.enum(["FULL", "PARTIAL"]).optional(),
  receivedAt: isoWithOffset(),
  applicant: z.object({
    idNumber: z.string().regex(/^\d{12}$/, "citizen ID number must be 12 digits"),
    fullName: text(200),
    phone: z
      .string()
      .regex(/^(\+84|0)\d{9,10}$/, "phone must be a Vietnamese number (0… or +84…)")
      .optional(),
    email: z.email("invalid e-mail address").optional(),
  }),
  components: z
    .array(z.object({ typeCode: text(50), name: text(500), reused: z.boolean().default(false) }))
    .max(200)
    .default([]),
  fees: z
    .array(z.object({ code: text(50), amount: z.number().int("whole VND").min(0) }))
    .max(50)
    .optional(),
  /** A liên thông bundle's filing (BIRTH, DEATH or the bundle's national code) and its form fields for the steps. */
  bundleCode: text(20).optional(),
  bundleInputs: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, "must be a field name like childFullName"), text(2000))
    .refine((inputs) => Object.keys(inputs).length <= 64, "at most 64 fields")
    .optional(),
});

export type SubmissionInput = z.input<typeof submissionSchema>;

export interface SubmissionContext {
  catalogue: CatalogueLookup;
  calendar: WorkingCalendar;
  now: Date;
}

/**
 * Validates a submission against the schema, the catalogue and the registry, and returns the
 * receipt event, or throws ValidationError naming every bad field. `code` is filled in later when absent.
 */
export function receiveSubmission(
  body: unknown,
  eventId: string,
  ctx: SubmissionContext,
): Omit<ReceivedEvent, "dossier"> & {
  dossier: Omit<ReceivedEvent["dossier"], "code"> & { code?: string };
} {
  const parsed = submissionSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(zodErrors(parsed.error));
  const input = parsed.data;
  const errors: FieldError[] = [];
  const receivedDay = localDateOf(input.receivedAt);

  if (Date.parse(input.receivedAt) > ctx.now.getTime() + 60_000) {
    errors.push({ path: "receivedAt", message: "must not be in the future" });
  }
  // A bundle is filed under its code, or under its national code as the procedure: its lead
  // procedure (the first step) is the dossier's, its whole limit the dossier's limit.
  const bundle = ctx.catalogue.bundle?.(input.bundleCode ?? input.procedureCode);
  if (input.bundleCode !== undefined && !bundle) errors.push({ path: "bundleCode", message: `unknown bundle ${input.bundleCode}` });
  if (input.bundleInputs !== undefined && !bundle) errors.push({ path: "bundleInputs", message: "only for a bundle's filing (bundleCode)" });
  if (bundle && input.procedureCode !== bundle.firstProcedureCode && input.procedureCode !== bundle.nationalCode && input.procedureCode !== bundle.code) {
    errors.push({ path: "procedureCode", message: `must be the bundle's national code ${bundle.nationalCode ?? bundle.code} or its first procedure ${bundle.firstProcedureCode}` });
  }
  if (bundle?.onlineOnly && input.channel !== "ONLINE") errors.push({ path: "channel", message: `bundle ${bundle.code} is filed online only` });
  const procedure = ctx.catalogue.procedure(bundle ? bundle.firstProcedureCode : input.procedureCode);
  if (!procedure) errors.push({ path: "procedureCode", message: `unknown procedure ${input.procedureCode}` });
  const agency = ctx.catalogue.agencyAt(input.agencyCode, receivedDay);
  if (!agency) errors.push({ path: "agencyCode", message: `no agency ${input.agencyCode} valid on ${receivedDay}` });
  const receivingUnitCode = input.receivingUnitCode ?? input.agencyCode;
  if (input.receivingUnitCode && !ctx.catalogue.agencyAt(input.receivingUnitCode, receivedDay)) {
    errors.push({ path: "receivingUnitCode", message: `no agency ${input.receivingUnitCode} valid on ${receivedDay}` });
  }
  if (procedure && agency && !procedure.levels.includes(agency.level)) {
    errors.push({ path: "agencyCode", message: `procedure ${procedure.code} is not handled at ${agency.level} level` });
  }
  if (input.code) {
    const [, unit, day] = DOSSIER_CODE.exec(input.code)!;
    if (unit !== receivingUnitCode) errors.push({ path: "code", message: `must start with the receiving unit's code ${receivingUnitCode}` });
    if (day !== receivedDay.slice(2).replaceAll("-", "")) errors.push({ path: "code", message: "its date must be the receipt date (YYMMDD)" });
  }
  const onlineMode = onlineModeOf(input.channel, input.onlineMode, procedure?.onlineMode, errors);
  if (errors.length > 0 || !procedure || !agency) throw new ValidationError(errors);

  const fees: Fee[] = input.fees ?? procedure.fees.map((line) => ({ code: line.code, amount: input.channel === "ONLINE" ? (line.onlineAmount ?? line.amount) : line.amount }));
  const components: Component[] = input.components;
  const timeLimit = bundle?.timeLimit ?? procedure.timeLimit;
  const dueAt = computeDueAt({ receivedAt: input.receivedAt, timeLimit }, ctx.calendar).dueAt!;
  return {
    eventId,
    type: "RECEIVED",
    at: input.receivedAt,
    dossier: {
      ...(input.code ? { code: input.code } : {}),
      procedureCode: procedure.code,
      sectorCode: procedure.sectorCode,
      agencyCode: agency.code,
      level: agency.level,
      receivingUnitCode,
      channel: input.channel,
      ...(onlineMode ? { onlineMode } : {}),
      receivedAt: input.receivedAt,
      applicant: input.applicant,
      components,
      fees,
      timeLimit,
      originalDueAt: dueAt,
      ...(bundle ? { bundleCode: bundle.code } : {}),
    },
    ...(bundle ? { bundleInputs: input.bundleInputs ?? {} } : {}),
  };
}

function onlineModeOf(channel: Channel, requested: OnlineMode | undefined, offered: "FULL" | "PARTIAL" | "NONE" | undefined, errors: FieldError[]): OnlineMode | undefined {
  if (channel !== "ONLINE") {
    if (requested) errors.push({ path: "onlineMode", message: "only for dossiers received online" });
    return undefined;
  }
  if (offered === "NONE") {
    errors.push({ path: "channel", message: "this procedure has no online service" });
    return undefined;
  }
  if (requested === "FULL" && offered === "PARTIAL") {
    errors.push({ path: "onlineMode", message: "this procedure is offered online only partially" });
  }
  return requested ?? (offered === "FULL" ? "FULL" : "PARTIAL");
}
