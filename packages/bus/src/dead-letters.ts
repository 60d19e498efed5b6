import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { readStream } from "./read-stream.js";
import type { StreamSpec } from "./streams.js";

/** Where a consumer copies the messages it gives up on. */
export interface DeadLetterTarget {
  stream: string;
  /** Dead letters go to `<subjectPrefix>.<original subject>`. */
  subjectPrefix: string;
}

export const DEFAULT_DEAD_LETTERS: DeadLetterTarget = { stream: "DLQ", subjectPrefix: "dlq" };

export function deadLetterStream(target: DeadLetterTarget = DEFAULT_DEAD_LETTERS): StreamSpec {
  return { name: target.stream, subjects: [`${target.subjectPrefix}.>`] };
}

const H = {
  reason: "Onestop-Dlq-Reason",
  subject: "Onestop-Dlq-Subject",
  stream: "Onestop-Dlq-Stream",
  streamSeq: "Onestop-Dlq-Stream-Seq",
  consumer: "Onestop-Dlq-Consumer",
  deliveries: "Onestop-Dlq-Deliveries",
  msgId: "Onestop-Dlq-Msg-Id",
} as const;

export interface DeadLetter {
  /** Sequence in the dead-letter stream: what `replay` takes. */
  seq: number;
  subject: string;
  stream: string;
  streamSeq: number;
  consumer: string;
  deliveries: number;
  reason: string;
  msgId: string;
  deadAt: Date;
  data: Uint8Array;
}

export interface FailedMessage {
  subject: string;
  data: Uint8Array;
  stream: string;
  streamSeq: number;
  deliveries: number;
  msgId: string | undefined;
  traceparent: string | undefined;
}

export function failedFromJsMsg(message: JsMsg): FailedMessage {
  return {
    subject: message.subject,
    data: message.data,
    stream: message.info.stream,
    streamSeq: message.info.streamSequence,
    deliveries: message.info.deliveryCount,
    msgId: message.headers?.get("Nats-Msg-Id") || undefined,
    traceparent: message.headers?.get("traceparent") || undefined,
  };
}

/** Copies a failed message to the dead-letter stream with why it failed; once per consumer and message. */
export async function sendToDeadLetters(js: JetStreamClient, target: DeadLetterTarget, consumer: string, failed: FailedMessage, reason: string): Promise<void> {
  const headers = natsHeaders();
  headers.set(H.reason, reason.slice(0, 1_000));
  headers.set(H.subject, failed.subject);
  headers.set(H.stream, failed.stream);
  headers.set(H.streamSeq, String(failed.streamSeq));
  headers.set(H.consumer, consumer);
  headers.set(H.deliveries, String(failed.deliveries));
  headers.set(H.msgId, failed.msgId ?? "");
  if (failed.traceparent) headers.set("traceparent", failed.traceparent);
  await js.publish(`${target.subjectPrefix}.${failed.subject}`, failed.data, {
    headers,
    msgID: `dlq:${failed.stream}:${consumer}:${failed.streamSeq}`,
  });
}

export async function listDeadLetters(js: JetStreamClient, target: DeadLetterTarget = DEFAULT_DEAD_LETTERS): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for await (const message of readStream(js, target.stream)) {
    const get = (name: string) => message.headers?.get(name) ?? "";
    letters.push({
      seq: message.seq,
      subject: get(H.subject),
      stream: get(H.stream),
      streamSeq: Number(get(H.streamSeq)),
      consumer: get(H.consumer),
      deliveries: Number(get(H.deliveries)),
      reason: get(H.reason),
      msgId: get(H.msgId),
      deadAt: new Date(Math.floor(message.info.timestampNanos / 1_000_000)),
      data: message.data,
    });
  }
  return letters;
}

/**
 * Publishes a dead letter again on its original subject, then removes it from the dead-letter
 * stream. It gets a new dedupe id (the original is still inside the duplicate window); consumers
 * that had already processed it skip it through their processed-event ledger.
 */
export async function replayDeadLetter(js: JetStreamClient, jsm: JetStreamManager, seq: number, target: DeadLetterTarget = DEFAULT_DEAD_LETTERS): Promise<{ subject: string; seq: number }> {
  const stored = await jsm.streams.getMessage(target.stream, { seq });
  if (!stored) throw new Error(`no dead letter with sequence ${seq} in ${target.stream}`);
  const subject = stored.header.get(H.subject);
  if (!subject) throw new Error(`dead letter ${seq} does not name its original subject`);
  const headers = natsHeaders();
  const traceparent = stored.header.get("traceparent");
  if (traceparent) headers.set("traceparent", traceparent);
  const originalId = stored.header.get(H.msgId) || `${stored.header.get(H.stream)}:${stored.header.get(H.streamSeq)}`;
  const ack = await js.publish(subject, stored.data, { headers, msgID: `${originalId}:replay:${seq}` });
  await jsm.streams.deleteMessage(target.stream, seq);
  return { subject, seq: ack.seq };
}
