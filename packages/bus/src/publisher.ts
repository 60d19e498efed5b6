import type { JetStreamClient } from "@nats-io/jetstream";
import { encodeEnvelope, type EventEnvelope } from "./envelope.js";
import { headersWithTraceContext, inProducerSpan } from "./tracing.js";

export interface PublishResult {
  stream: string;
  seq: number;
  /** True when JetStream had already stored an event with this id: nothing new was written. */
  duplicate: boolean;
}

/**
 * Publishes an envelope with Nats-Msg-Id = its id and waits for the stream's acknowledgement,
 * so a resolved promise means the event is stored (once, however often it was sent).
 */
export async function publishEvent(js: JetStreamClient, subject: string, envelope: EventEnvelope): Promise<PublishResult> {
  return inProducerSpan(subject, async (span) => {
    const headers = headersWithTraceContext();
    const traced: EventEnvelope = { ...envelope, traceparent: headers.get("traceparent") || envelope.traceparent };
    const ack = await js.publish(subject, encodeEnvelope(traced), { msgID: envelope.id, headers });
    span.setAttribute("messaging.message.id", envelope.id);
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  });
}
