import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import { headers as natsHeaders, type MsgHdrs } from "@nats-io/transport-node";

// NATS has no OpenTelemetry instrumentation package, so the bus carries W3C trace context in
// message headers itself and wraps each handler in a consumer span; without that, the spans of
// the database writes a handler makes would start orphan traces.
const tracer = trace.getTracer("@onestop/bus");

const headerSetter = { set: (carrier: MsgHdrs, key: string, value: string) => carrier.set(key, value) };
const headerGetter = {
  get: (carrier: MsgHdrs | undefined, key: string) => carrier?.get(key) || undefined,
  keys: (carrier: MsgHdrs | undefined) => (carrier ? [...carrier.keys()] : []),
};

/** New NATS headers holding the active trace context (traceparent, tracestate). */
export function headersWithTraceContext(active: Context = context.active()): MsgHdrs {
  const carrier = natsHeaders();
  propagation.inject(active, carrier, headerSetter);
  return carrier;
}

export async function inProducerSpan<T>(subject: string, run: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(
    `publish ${subject}`,
    { kind: SpanKind.PRODUCER, attributes: { "messaging.system": "nats", "messaging.destination.name": subject } },
    (span) => settle(span, run),
  );
}

/** Runs `handle` in a consumer span whose parent is the trace context carried by the message. */
export async function inConsumerSpan<T>(
  consumer: string,
  subject: string,
  carrier: MsgHdrs | undefined,
  run: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(context.active(), carrier, headerGetter);
  return tracer.startActiveSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { "messaging.system": "nats", "messaging.destination.name": subject, "messaging.consumer.group.name": consumer },
    },
    parent,
    (span) => settle(span, run),
  );
}

async function settle<T>(span: Span, run: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await run(span);
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
