/**
 * Reads a dossier, payment or digitisation event's envelope (CloudEvents, `data` in proto3 JSON: camelCase fields, enum
 * names, zero values left out) into a fact. Pure: the adapter passes the decoded envelope.
 */
import type { Channel, FactEvent, Level, OnlineMode, PauseReason, PaymentChannel, TimeUnit } from "./facts.js";

export interface EnvelopeInput {
  id: string;
  type: string;
  subject: string;
  time: string;
  data: unknown;
}

/** The event can never become a fact, whatever the retries. */
export class MalformedEventError extends Error {
  override readonly name = "MalformedEventError";
}

type Json = Record<string, unknown>;

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;

function text(data: Json, field: string): string | undefined {
  const value = data[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function required(data: Json, field: string): string {
  const value = text(data, field);
  if (value === undefined) throw new MalformedEventError(`data.${field} is missing`);
  return value;
}

function instant(data: Json, field: string, fallback?: string): string {
  const value = text(data, field) ?? fallback;
  if (value === undefined || !OFFSET_TIME.test(value)) throw new MalformedEventError(`data.${field} is not a time with an offset`);
  return value;
}

function enumValue<T extends string>(data: Json, field: string, prefix: string, allowed: readonly T[]): T {
  const raw = required(data, field);
  const value = raw.startsWith(prefix) ? raw.slice(prefix.length) : raw;
  if (!(allowed as readonly string[]).includes(value)) throw new MalformedEventError(`data.${field} has an unknown value "${raw}"`);
  return value as T;
}

/** A non-negative whole amount (proto3 JSON writes int64 as a string and leaves zero out). */
function amount(data: Json, field: string): number {
  const raw = data[field] ?? 0;
  const value = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw new MalformedEventError(`data.${field} is not a non-negative amount`);
  return value;
}

const LEVELS = ["PROVINCE", "DISTRICT", "COMMUNE"] as const satisfies readonly Level[];
const CHANNELS = ["ONLINE", "IN_PERSON", "POSTAL"] as const satisfies readonly Channel[];
const ONLINE_MODES = ["FULL", "PARTIAL", "NONE"] as const satisfies readonly OnlineMode[];
const TIME_UNITS = ["WORKING_DAYS", "DAYS"] as const satisfies readonly TimeUnit[];
const PAUSE_REASONS = ["OPINION_REQUEST", "FINANCIAL_OBLIGATION"] as const satisfies readonly PauseReason[];
const PAYMENT_CHANNELS = ["DESK", "BANK_TRANSFER", "NATIONAL_PLATFORM", "OTHER_GATEWAY"] as const satisfies readonly PaymentChannel[];

type Reader = (name: string, data: Json, eventId: string, at: (field: string) => string) => FactEvent | undefined;

/** Event type families reporting reads, by type prefix; each envelope's `subject` is the dossier code. */
const READERS: ReadonlyArray<[prefix: string, read: Reader]> = [
  ["vn.onestop.dossier.", dossierFact],
  ["vn.onestop.payment.", paymentFact],
  ["vn.onestop.digitisation.", digitisationFact],
];

/** The fact an envelope carries; undefined for an event type reporting does not use. */
export function factFromEnvelope(envelope: EnvelopeInput): FactEvent | undefined {
  if (!envelope.type.endsWith(".v1")) return undefined;
  const family = READERS.find(([prefix]) => envelope.type.startsWith(prefix));
  if (!family) return undefined;
  const [prefix, read] = family;
  const name = envelope.type.slice(prefix.length, -".v1".length);
  if (typeof envelope.data !== "object" || envelope.data === null) throw new MalformedEventError("data is not an object");
  const data = envelope.data as Json;
  return read(name, data, envelope.id, (field) => instant(data, field, envelope.time));
}

function paymentFact(name: string, data: Json, eventId: string, at: (field: string) => string): FactEvent | undefined {
  switch (name) {
    case "fees_assessed": {
      // proto3 JSON leaves a zero amount out: a line without amount is an explicit zero line.
      const lines = data.lines ?? [];
      if (!Array.isArray(lines) || lines.some((line) => typeof line !== "object" || line === null)) throw new MalformedEventError("data.lines is not a list of fee lines");
      return { kind: "FEES_ASSESSED", eventId, at: at("assessedAt"), amounts: (lines as Json[]).map((line) => amount(line, "amount")) };
    }
    case "succeeded":
      return {
        kind: "PAID",
        eventId,
        at: at("paidAt"),
        paymentId: required(data, "paymentId"),
        channel: enumValue(data, "channel", "PAYMENT_CHANNEL_", PAYMENT_CHANNELS),
        amount: amount(data, "amount"),
      };
    case "refunded":
      return { kind: "REFUNDED", eventId, at: at("refundedAt"), paymentId: required(data, "paymentId"), amount: amount(data, "amount") };
    default:
      return undefined;
  }
}

function digitisationFact(name: string, _data: Json, eventId: string, at: (field: string) => string): FactEvent | undefined {
  switch (name) {
    case "component_digitised":
      return { kind: "COMPONENT_DIGITISED", eventId, at: at("digitisedAt") };
    case "result_issued":
      return { kind: "RESULT_ISSUED_ELECTRONICALLY", eventId, at: at("issuedAt") };
    case "document_reused":
      return { kind: "DOCUMENT_REUSED", eventId, at: at("reusedAt") };
    default:
      return undefined;
  }
}

function dossierFact(name: string, data: Json, eventId: string, at: (field: string) => string): FactEvent | undefined {
  switch (name) {
    case "received": {
      const limit = (data.timeLimit ?? {}) as Json;
      const fees = Array.isArray(data.fees) ? (data.fees as Json[]) : [];
      return {
        kind: "RECEIVED",
        eventId,
        receipt: {
          eventId,
          procedureCode: required(data, "procedureCode"),
          sectorCode: required(data, "sectorCode"),
          agencyCode: required(data, "agencyCode"),
          level: enumValue(data, "level", "LEVEL_", LEVELS),
          channel: enumValue(data, "channel", "CHANNEL_", CHANNELS),
          onlineMode: text(data, "onlineMode") ? enumValue(data, "onlineMode", "ONLINE_MODE_", ONLINE_MODES) : "NONE",
          receivedAt: at("receivedAt"),
          dueAt: instant(data, "dueAt"),
          timeLimit: {
            amount: typeof limit.amount === "number" ? limit.amount : 0,
            unit: enumValue(limit, "unit", "TIME_UNIT_", TIME_UNITS),
            sameDay: limit.sameDay === true,
          },
          // proto3 JSON leaves a zero int64 out: a line without amount is a zero line.
          feeAmounts: fees.map((fee) => Number(fee.amount ?? 0)),
        },
      };
    }
    case "supplement_requested":
      return { kind: "SUPPLEMENT_REQUESTED", eventId, at: at("requestedAt") };
    case "supplement_received":
      return { kind: "SUPPLEMENT_RECEIVED", eventId, at: at("receivedAt") };
    case "paused":
      return { kind: "PAUSED", eventId, at: at("pausedAt"), reason: enumValue(data, "reason", "PAUSE_REASON_", PAUSE_REASONS) };
    case "resumed":
      // The reason of the pause that ends (proto3 JSON leaves PAUSE_REASON_UNSPECIFIED out).
      return text(data, "reason")
        ? { kind: "RESUMED", eventId, at: at("resumedAt"), reason: enumValue(data, "reason", "PAUSE_REASON_", PAUSE_REASONS) }
        : { kind: "RESUMED", eventId, at: at("resumedAt") };
    case "deadline_extended": {
      // Intake sends the new due day ("2025-10-15"); a full instant is read as its local day later.
      const newDue = required(data, "newDueAt");
      if (!LOCAL_DATE.test(newDue) && !OFFSET_TIME.test(newDue)) throw new MalformedEventError("data.newDueAt is not a date");
      return { kind: "DEADLINE_EXTENDED", eventId, at: at("extendedAt"), newDueDate: newDue };
    }
    case "transferred": {
      // The destination becomes the deciding agency the reports credit (see classify.ts).
      const fromAgencyCode = text(data, "fromAgencyCode");
      return {
        kind: "TRANSFERRED",
        eventId,
        at: at("transferredAt"),
        toAgencyCode: required(data, "toAgencyCode"),
        ...(fromAgencyCode ? { fromAgencyCode } : {}),
      };
    }
    case "resolved":
      return { kind: "RESOLVED", eventId, at: at("resolvedAt"), outcome: enumValue(data, "outcome", "OUTCOME_", ["APPROVED", "REFUSED"] as const) };
    case "result_returned":
      return {
        kind: "RESULT_RETURNED",
        eventId,
        at: at("returnedAt"),
        channel: enumValue(data, "channel", "CHANNEL_", CHANNELS),
        electronic: data.form === "DOCUMENT_FORM_ELECTRONIC",
      };
    case "refused":
      return { kind: "REFUSED", eventId, at: at("refusedAt") };
    case "withdrawn":
      return { kind: "WITHDRAWN", eventId, at: at("withdrawnAt") };
    case "closed":
      return { kind: "CLOSED", eventId, at: at("closedAt") };
    case "evaluated":
      return { kind: "EVALUATED", eventId, at: at("evaluatedAt"), rating: typeof data.rating === "number" ? data.rating : 0 };
    default:
      return undefined;
  }
}
