/**
 * Spans leave the process only through MaskingSpanExporter, so no instrumentation (ours or a
 * library's) can export personal data unmasked: attribute values, event attributes, link
 * attributes and span names pass through the personal-data mask (mask.ts); URLs lose their query
 * values. Error messages are not exported at all: instrumentations record whatever an error says
 * (the express instrumentation records a validation error naming the input, JSON.parse's excerpt
 * of a body), and a name inside free text cannot be recognised. So an exception keeps its type and
 * its stack frames, a status its code; the message is in the service's log line, masked, joined
 * by trace_id. Spans never get request or response bodies in the first place (no instrumentation
 * is configured to record them, and MongoDB statements are reduced to their shape in otel.ts).
 */
import type { Attributes, AttributeValue, Link } from "@opentelemetry/api";
import type { ReadableSpan, SpanExporter, TimedEvent } from "@opentelemetry/sdk-trace-base";
import { isPersonalKey, maskErrorText, maskPersonalData, maskText } from "./mask.js";

const URL_KEYS = new Set(["http.url", "http.target", "url.full", "url.query", "url.original", "http.request.url"]);

/** `/v1/x?from=2025-01-01&id=079…` -> `/v1/x?from=?&id=?`: query values are input, so they go. */
function withoutQueryValues(url: string): string {
  return url.replace(/([?&][^=&#]*)=[^&#]*/g, "$1=?");
}

/** A stack trace without its message: the error's type, then the frames (masked as text). */
function stackFrames(stack: string, type: string): string {
  const frames = stack.search(/\n\s+at /);
  return frames < 0 ? type : `${type}${maskText(stack.slice(frames))}`;
}

const EXCEPTION_MESSAGE = "exception.message";
const EXCEPTION_STACK = "exception.stacktrace";

/** An exception event's attributes: type and frames, no message (see the file's comment). */
function exceptionAttributes(attributes: Attributes): Attributes {
  const { [EXCEPTION_MESSAGE]: _message, [EXCEPTION_STACK]: stack, ...rest } = attributes;
  const type = typeof rest["exception.type"] === "string" ? rest["exception.type"] : "Error";
  return { ...maskAttributes(rest), ...(typeof stack === "string" ? { [EXCEPTION_STACK]: stackFrames(stack, type) } : {}) };
}

function maskString(key: string, value: string): string {
  if (URL_KEYS.has(key)) return maskText(withoutQueryValues(value));
  if (/(^|[._])(message|error|reason)$/.test(key)) return maskErrorText(value);
  return maskText(value);
}

/** OpenTelemetry's network attributes (`server.address`, `network.peer.address`…) name machines, not people. */
const NETWORK_NAMESPACES = new Set(["server", "client", "network", "net", "host", "destination", "source", "peer"]);

function maskValue(key: string, value: AttributeValue | undefined): AttributeValue | undefined {
  if (value === undefined) return value;
  const segments = key.split(".");
  const network = segments.length > 1 && NETWORK_NAMESPACES.has(segments[0]!);
  const personal = network ? undefined : segments.find((segment) => isPersonalKey(segment));
  if (personal) {
    const masked = maskPersonalData(value, personal);
    return (Array.isArray(masked) ? masked.map((item) => (typeof item === "string" ? item : item == null ? item : "***")) : typeof masked === "string" ? masked : "***") as AttributeValue;
  }
  if (typeof value === "string") return maskString(key, value);
  if (Array.isArray(value)) return value.map((item) => (typeof item === "string" ? maskString(key, item) : item)) as AttributeValue;
  return value;
}

export function maskAttributes(attributes: Attributes): Attributes {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, maskValue(key, value)]));
}

/** A copy of `span` with every text it carries masked (see the file's comment). */
export function maskSpan(span: ReadableSpan): ReadableSpan {
  const events: TimedEvent[] = span.events.map((event) => ({
    ...event,
    name: maskText(event.name),
    ...(event.attributes ? { attributes: event.name === "exception" ? exceptionAttributes(event.attributes) : maskAttributes(event.attributes) } : {}),
  }));
  const links: Link[] = span.links.map((link) => ({ ...link, ...(link.attributes ? { attributes: maskAttributes(link.attributes) } : {}) }));
  return {
    name: maskText(span.name),
    kind: span.kind,
    spanContext: () => span.spanContext(),
    ...(span.parentSpanContext ? { parentSpanContext: span.parentSpanContext } : {}),
    startTime: span.startTime,
    endTime: span.endTime,
    status: { code: span.status.code }, // its message is the error's: not exported
    attributes: maskAttributes(span.attributes),
    links,
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Wraps the exporter spans leave the process by: each span is masked first (maskSpan). */
export class MaskingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter["export"]>[1]): void {
    this.inner.export(spans.map(maskSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
