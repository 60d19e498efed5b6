import { z } from "zod";
import { ValidationError, type FieldError } from "./errors.js";
import type { StartBundle, StepResult } from "./lienthong.js";

const OFFSET_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Valid Unicode text, NFC (Vietnamese may arrive decomposed), trimmed, without control characters, 1..max long. */
const text = (max: number) =>
  z
    .string()
    .refine((value) => value.isWellFormed(), "không phải văn bản Unicode hợp lệ")
    .transform((value) => value.normalize("NFC").trim())
    .pipe(
      z
        .string()
        .min(1, "không được để trống")
        .max(max, `tối đa ${max} ký tự`)
        .regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, "không được chứa ký tự điều khiển"),
    );
const instant = z
  .string()
  .regex(OFFSET_INSTANT, "phải là thời điểm ISO 8601 có múi giờ, ví dụ 2025-12-01T09:00:00+07:00")
  .refine((value) => !OFFSET_INSTANT.test(value) || (!Number.isNaN(Date.parse(value)) && value.slice(0, 4) >= "1900" && value.slice(0, 4) <= "2199"), "không phải thời điểm có thật");
const code = (max = 64) =>
  z
    .string()
    .regex(/^[\x21-\x7e]+$/, "mã không hợp lệ")
    .max(max, `tối đa ${max} ký tự`);
const fields = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, "tên trường không hợp lệ"), text(2000)).refine((value) => Object.keys(value).length <= 64, "tối đa 64 trường");

/** Why and by whom: an operator's action must say why (recorded with who). */
export const reasonSchema = z.object({ reason: text(1000) });
/** gRPC RetryStep names it `note`. */
export const noteSchema = z.object({ note: text(1000) });
export const reassignSchema = z.object({ agencyCode: z.string().regex(/^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/, "phải là mã định danh cơ quan, ví dụ 000.00.90.H06"), reason: text(1000) });

const resultSchema = z.discriminatedUnion(
  "outcome",
  [
    z.object({ outcome: z.literal("COMPLETED"), attempt: z.number().int().min(1).max(1000), at: instant, outputs: fields.default({}), resultNumber: text(100).optional() }),
    z.object({ outcome: z.literal("REFUSED"), attempt: z.number().int().min(1).max(1000), at: instant, reason: text(1000) }),
  ],
  { error: () => "outcome phải là COMPLETED hoặc REFUSED" },
);

const startSchema = z.object({
  bundleCode: text(20),
  dossierCode: code(),
  receivingAgencyCode: z.string().regex(/^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/, "phải là mã định danh cơ quan"),
  requestedAt: instant,
  inputs: fields.default({}),
  agencyCodes: z.record(z.string().regex(/^[a-z0-9-]{1,64}$/, "mã bước không hợp lệ"), z.string().max(20)).optional(),
});

export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message })));
  return parsed.data;
}

export function parseResult(bundleId: string, stepCode: string, body: unknown, now: Date): StepResult {
  const result = parse(resultSchema, body);
  if (Date.parse(result.at) > now.getTime() + 60_000) throw new ValidationError([{ path: "at", message: "không được ở tương lai" }]);
  return result.outcome === "COMPLETED"
    ? { bundleId, stepCode, attempt: result.attempt, at: result.at, outcome: "COMPLETED", outputs: result.outputs, ...(result.resultNumber ? { resultNumber: result.resultNumber } : {}) }
    : { bundleId, stepCode, attempt: result.attempt, at: result.at, outcome: "REFUSED", reason: result.reason };
}

export function parseStart(body: unknown, now: Date): StartBundle {
  const start = parse(startSchema, body);
  if (Date.parse(start.requestedAt) > now.getTime() + 60_000) throw new ValidationError([{ path: "requestedAt", message: "không được ở tương lai" }]);
  return {
    bundleCode: start.bundleCode,
    dossierCode: start.dossierCode,
    receivingAgencyCode: start.receivingAgencyCode,
    requestedAt: start.requestedAt,
    form: start.inputs,
    ...(start.agencyCodes ? { agencyCodes: start.agencyCodes } : {}),
  };
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "") || "(body)";
}

export type { FieldError };
