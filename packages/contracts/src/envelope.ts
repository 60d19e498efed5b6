// CloudEvents envelope helpers: wrap a typed payload, read it back, check the attributes.
// On NATS an event is `envelopeToJson(envelope)`: CloudEvents structured mode, JSON.
import { EventEnvelope } from "./gen/onestop/common/v1/envelope.js";
import { EVENT_CATALOG, type EventPayload, type EventType, isEventType } from "./subjects.js";

export const CLOUDEVENTS_SPEC_VERSION = "1.0";
export const CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json";
export const DATA_CONTENT_TYPE = "application/json";

/** The envelope attributes the producer supplies (spec version, content type and schema are fixed). */
export interface EnvelopeAttributes {
  /** UUIDv7. */
  readonly id: string;
  /** "urn:onestop:agency:<code>" or "urn:onestop:system:<service>". */
  readonly source: string;
  /** Dossier code or bundle id. */
  readonly subject: string;
  /** Business time, RFC 3339 with offset ("+07:00"). */
  readonly time: string;
  /** When recorded, RFC 3339. */
  readonly recordedTime: string;
  /** W3C traceparent, when inside a trace. */
  readonly traceparent?: string;
}

export function wrapEvent<T extends EventType>(type: T, payload: EventPayload<T>, attributes: EnvelopeAttributes): EventEnvelope {
  const spec = EVENT_CATALOG[type];
  const codec = spec.message as { toJSON(message: EventPayload<T>): unknown };
  return {
    specVersion: CLOUDEVENTS_SPEC_VERSION,
    id: attributes.id,
    type,
    source: attributes.source,
    subject: attributes.subject,
    time: attributes.time,
    recordedTime: attributes.recordedTime,
    traceparent: attributes.traceparent ?? "",
    dataContentType: DATA_CONTENT_TYPE,
    dataSchema: `buf:${spec.schema}`,
    data: codec.toJSON(payload) as Record<string, unknown>,
  };
}

/** An envelope with its payload decoded, discriminated by `type`. */
export type OpenedEvent = {
  [T in EventType]: { readonly type: T; readonly payload: EventPayload<T>; readonly envelope: EventEnvelope };
}[EventType];

/** Decodes `data` with the message of the envelope's type. Throws on an unknown type or missing data. */
export function openEvent(envelope: EventEnvelope): OpenedEvent {
  const { type, data } = envelope;
  if (!isEventType(type)) throw new TypeError(`unknown event type ${JSON.stringify(type)}`);
  if (data === undefined) throw new TypeError(`event ${envelope.id} of type ${type} has no data`);
  const payload: unknown = EVENT_CATALOG[type].message.fromJSON(data);
  return { type, payload, envelope } as OpenedEvent;
}

/** The JSON text published on NATS. */
export function envelopeToJson(envelope: EventEnvelope): string {
  return JSON.stringify(EventEnvelope.toJSON(envelope));
}

/** Reads the JSON text of a NATS message. Throws on text that is not a JSON object. */
export function envelopeFromJson(text: string): EventEnvelope {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new TypeError("an event envelope must be a JSON object");
  }
  return EventEnvelope.fromJSON(parsed);
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function isUuidV7(id: string): boolean {
  return UUID_V7.test(id);
}

/** RFC 3339 date-time with an explicit offset ("Z" or "+07:00") naming a real calendar day and time. */
export function isRfc3339WithOffset(text: string): boolean {
  const match = RFC3339_WITH_OFFSET.exec(text);
  if (match === null) return false;
  // A "Z" offset leaves the offset groups unmatched: count them as 0.
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetHours = 0, offsetMinutes = 0] = match.slice(1).map((group) => (group === undefined ? 0 : Number(group)));
  // Date.UTC rolls 30 February over to 1 March: a real day reads back unchanged.
  const date = new Date(Date.UTC(year, month - 1, day));
  const realDay = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return realDay && hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

/** What is wrong with an envelope's attributes, one English line each; empty when valid. */
export function envelopeProblems(envelope: EventEnvelope): string[] {
  const problems: string[] = [];
  if (envelope.specVersion !== CLOUDEVENTS_SPEC_VERSION) problems.push(`specversion must be "${CLOUDEVENTS_SPEC_VERSION}"`);
  if (!isUuidV7(envelope.id)) problems.push("id must be a lower-case UUIDv7");
  if (!isEventType(envelope.type)) problems.push(`type ${JSON.stringify(envelope.type)} is not in the event catalogue`);
  if (envelope.source === "") problems.push("source is required");
  if (envelope.subject === "") problems.push("subject is required");
  if (!isRfc3339WithOffset(envelope.time)) problems.push("time must be RFC 3339 with an offset");
  if (!isRfc3339WithOffset(envelope.recordedTime)) problems.push("recordedtime must be RFC 3339 with an offset");
  if (envelope.traceparent !== "" && !TRACEPARENT.test(envelope.traceparent)) problems.push("traceparent is malformed");
  if (envelope.dataContentType !== DATA_CONTENT_TYPE) problems.push(`datacontenttype must be "${DATA_CONTENT_TYPE}"`);
  if (envelope.data === undefined) problems.push("data is required");
  return problems;
}
