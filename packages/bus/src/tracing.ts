import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from "@opentelemetry/api";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";

// NATS has no OpenTelemetry instrumentation package, so the bus carries W3C trace context in
// message headers itself and wraps each handler in a consumer span; without that, the spans of
// the database writes a handler makes would start orphan traces.
const tracer = trace.getTracer("@onestop/bus");

const headerSetter = { set: (carrier: MsgHdrs, key: string, value: string) => carrier.set(key, value) };
/** Reads headers only when a propagator asks: nats.js decodes a message's headers on first access. */
interface HeaderSource {
  readonly headers?: MsgHdrs | undefined;
}
const headerGetter = {
  get: (carrier: HeaderSource, key: string) => carrier.headers?.get(key) || undefined,
  keys: (carrier: HeaderSource) => (carrier.headers ? [...carrier.headers.keys()] : []),
};

/** New NATS headers holding the active trace context (traceparent, tracestate). */
export function headersWithTraceContext(active: Context = context.active()): MsgHdrs {
  const carrier = natsHeaders();
  propagation.inject(active, carrier, headerSetter);
  return carrier;
}

/**
 * Starts a producer span and returns the headers carrying its trace context (empty when no
 * propagator is set up), to publish with.
 */
export function startProducerSpan(subject: string, messageId: string): { span: Span; headers: MsgHdrs } {
  const span = tracer.startSpan(`publish ${subject}`, {
    kind: SpanKind.PRODUCER,
    attributes: { "messaging.system": "nats", "messaging.destination.name": subject, "messaging.message.id": messageId },
  });
  return { span, headers: headersWithTraceContext(trace.setSpan(context.active(), span)) };
}

/**
 * Starts the consumer span of a message, child of the trace context its headers carry, and the
 * context to run the handler in. Split from running the handler so the consumer's hot path has
 * a single async frame per message.
 */
export function startConsumerSpan(attributes: Attributes, subject: string, message: HeaderSource): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, message, headerGetter);
  const span = tracer.startSpan(`process ${subject}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a span, recording the failure if there was one. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Starts the consumer span of a batch, linked to the trace context each message carries (a batch
 * has many parents, so they are links, as OpenTelemetry's messaging conventions do for batches),
 * and the context to run the batch handler in.
 */
export function startBatchSpan(attributes: Attributes, name: string, messages: readonly HeaderSource[]): { span: Span; context: Context } {
  const links = [];
  for (const message of messages) {
    const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message, headerGetter));
    if (linked) links.push({ context: linked });
  }
  const span = tracer.startSpan(`process ${name}`, { kind: SpanKind.CONSUMER, attributes: { ...attributes, "messaging.batch.message_count": messages.length }, links }, ROOT_CONTEXT);
  return { span, context: trace.setSpan(ROOT_CONTEXT, span) };
}
