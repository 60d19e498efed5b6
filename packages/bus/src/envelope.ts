import { createHash } from "node:crypto";
import { uuidv7 } from "uuidv7";

/**
 * One envelope for every event, in CloudEvents 1.0 structured JSON form. `time` is the business
 * time (when it happened, with its +07:00 offset); `recordedtime` is when the platform recorded it.
 * The `id` (UUIDv7) doubles as the JetStream dedupe id (Nats-Msg-Id).
 */
export interface EventEnvelope<T = unknown> {
  specversion: "1.0";
  id: string;
  /** e.g. `vn.onestop.dossier.received.v1` */
  type: string;
  /** The agency or system that produced it. */
  source: string;
  /** The aggregate it is about, e.g. the dossier code. */
  subject: string;
  time: string;
  recordedtime: string;
  traceparent?: string;
  datacontenttype: "application/json";
  data: T;
}

export interface NewEvent<T> {
  type: string;
  source: string;
  subject: string;
  /** Business time; must carry an explicit offset. */
  time: string;
  data: T;
  /** Defaults to a fresh UUIDv7; pass one to make a retried command produce the same event. */
  id?: string;
}

/** Thrown for a message that can never be handled, whatever the retries: it goes to dead letters at once. */
export class PoisonMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PoisonMessageError";
  }
}

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function newEnvelope<T>(event: NewEvent<T>, recordedAt: Date = new Date()): EventEnvelope<T> {
  if (!OFFSET_TIME.test(event.time)) throw new Error(`event time must be ISO 8601 with an offset, got "${event.time}"`);
  return {
    specversion: "1.0",
    id: event.id ?? uuidv7(),
    type: event.type,
    source: event.source,
    subject: event.subject,
    time: event.time,
    recordedtime: recordedAt.toISOString(),
    datacontenttype: "application/json",
    data: event.data,
  };
}

export function encodeEnvelope(envelope: EventEnvelope): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(envelope));
}

/** Parses and checks an envelope; anything malformed is poison. */
const utf8 = new TextDecoder();

export function decodeEnvelope(bytes: Uint8Array): EventEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new PoisonMessageError("payload is not JSON");
  }
  const envelope = value as Partial<EventEnvelope>;
  for (const field of ["id", "type", "source", "subject", "time"] as const) {
    if (typeof envelope[field] !== "string" || envelope[field] === "") {
      throw new PoisonMessageError(`envelope field "${field}" is missing`);
    }
  }
  if (!("data" in envelope)) throw new PoisonMessageError('envelope field "data" is missing');
  return envelope as EventEnvelope;
}

/**
 * The id of an event caused by another one (a rejection of a command, a follow-up): the same
 * for every delivery of the cause, so a redelivery publishes a duplicate JetStream drops. A
 * UUIDv7 with the cause's timestamp when the cause is one, the rest from a hash.
 */
export function derivedEventId(causeId: string, purpose: string): string {
  const hash = createHash("sha256").update(`${causeId}\u0000${purpose}`).digest("hex");
  const causeHex = causeId.replaceAll("-", "");
  const time = /^[0-9a-f]{12}7/i.test(causeHex) ? causeHex.slice(0, 12).toLowerCase() : hash.slice(0, 12);
  const variant = ((parseInt(hash[15]!, 16) & 0x3) | 0x8).toString(16);
  const hex = `${time}7${hash.slice(12, 15)}${variant}${hash.slice(16, 31)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
