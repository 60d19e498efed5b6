import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeEnvelope, type EventEnvelope } from "./envelope.js";
import { endSpan, startProducerSpan } from "./tracing.js";

export interface PublishResult {
  stream: string;
  seq: number;
  /** True when JetStream had already stored an event with this id: nothing new was written. */
  duplicate: boolean;
}

/**
 * Publishes an envelope with Nats-Msg-Id = its id and waits for the stream's acknowledgement,
 * so a resolved promise means the event is stored (once, however often it was sent). The trace
 * context travels in the headers and, for readers of the stored event, in `traceparent`.
 */
export async function publishEvent(js: JetStreamClient, subject: string, envelope: EventEnvelope): Promise<PublishResult> {
  const { span, headers } = startProducerSpan(subject, envelope.id);
  try {
    const traceparent = headers.get("traceparent");
    const traced = traceparent ? { ...envelope, traceparent } : envelope;
    const ack = await js.publish(subject, encodeEnvelope(traced), { msgID: envelope.id, headers });
    endSpan(span);
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}
