import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { context } from "@opentelemetry/api";
import {
  AckBatch,
  consumerSpanAttributes,
  ensureConsumer,
  Heartbeat,
  JsDelivery,
  resolve,
  settleFailure,
  watchExhaustedDeliveries,
  type ConsumerLog,
  type ConsumerSpec,
  type DeliveryInfo,
  type RunningConsumer,
} from "./consumer.js";
import { decodeEnvelope, type PoisonMessageError, type EventEnvelope } from "./envelope.js";
import { endSpan, startBatchSpan } from "./tracing.js";

export interface ConsumedEvent {
  event: EventEnvelope;
  delivery: DeliveryInfo;
}

/**
 * Handles a batch of events at once. Resolves with the events of the batch that are poison (they
 * go to dead letters, the others are acknowledged); rejects when the batch could not be handled
 * (every event of it is then redelivered after its backoff). Like any consumer it must be
 * idempotent: a batch may come again, whole or in part, after a crash before its acknowledgement.
 */
export type BatchHandler = (batch: readonly ConsumedEvent[]) => Promise<ReadonlyMap<ConsumedEvent, PoisonMessageError>>;

export interface BatchConsumerSpec extends Omit<ConsumerSpec, "concurrency"> {
  /** Most events handed to the handler at once (default 256). */
  maxBatch?: number;
}

/**
 * Runs a durable pull consumer that hands events to its handler in batches, one batch at a time:
 * whatever has arrived when the handler is free, up to `maxBatch`. Under load batches fill up, so
 * the handler's fixed costs (store round trips) are shared by many events; when events trickle in,
 * each one is handled as soon as it arrives, without waiting for a batch to fill. Messages are
 * acknowledged after the handler has resolved, so a crash redelivers the batch.
 */
export async function startBatchConsumer(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, spec: BatchConsumerSpec, handler: BatchHandler, log: ConsumerLog): Promise<RunningConsumer> {
  const { maxBatch = 256, ...consumerSpec } = spec;
  // Two batches unacknowledged: the next one arrives while this one is handled.
  const resolved = resolve({ ...consumerSpec, concurrency: maxBatch * 2 });
  await ensureConsumer(jsm, resolved);
  const advisories = watchExhaustedDeliveries(nc, js, jsm, resolved, log);
  const consumer = await js.consumers.get(resolved.stream, resolved.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: maxBatch * 2 });
  const heartbeat = new Heartbeat(resolved.ackWaitMs);
  const acks = new AckBatch();
  const spanAttributes = consumerSpanAttributes(resolved);

  const handle = async (batch: JsMsg[]): Promise<void> => {
    for (const message of batch) heartbeat.add(message);
    const { span, context: spanContext } = startBatchSpan(spanAttributes, resolved.stream, batch);
    try {
      await context.with(spanContext, handleBatch, undefined, js, resolved, handler, batch, acks, log);
      endSpan(span);
    } catch (error) {
      // Not the handler's failure (handleBatch settles those): unacknowledged, the batch comes back after ack_wait.
      endSpan(span, error);
      log.error("batch not settled; it will be redelivered", { consumer: resolved.durable, error });
    } finally {
      for (const message of batch) heartbeat.remove(message);
    }
  };

  // Received messages wait here; the handler takes all of them (up to maxBatch) whenever it is
  // free. The server's max_ack_pending bounds the queue. (The iterator's own getPending() cannot
  // tell this: it over-counts after status messages, which stalled a batch until the pull expired.)
  const queue: JsMsg[] = [];
  let received = false;
  let wake: (() => void) | undefined;
  const receiving = (async () => {
    for await (const message of messages) {
      queue.push(message);
      wake?.();
    }
  })().finally(() => {
    received = true;
    wake?.();
  });
  const handling = (async () => {
    for (;;) {
      if (queue.length > 0) {
        // Let the rest of what the socket has already brought reach the queue first.
        await new Promise((resolve) => setImmediate(resolve));
        await handle(queue.splice(0, maxBatch));
      } else if (received) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  })();
  const loop = Promise.all([receiving, handling]);

  return {
    stop: async () => {
      await messages.close();
      await loop;
      acks.flush();
      heartbeat.stop();
      advisories.unsubscribe();
    },
  };
}

async function handleBatch(js: JetStreamClient, spec: ReturnType<typeof resolve>, handler: BatchHandler, messages: readonly JsMsg[], acks: AckBatch, log: ConsumerLog): Promise<void> {
  const consumed: Array<ConsumedEvent & { message: JsMsg }> = [];
  for (const message of messages) {
    const info = message.info; // parsed from the reply subject on every access: read it once
    const delivery = new JsDelivery(message, info.streamSequence, info.deliveryCount);
    try {
      consumed.push({ event: decodeEnvelope(message.data), delivery, message });
    } catch (error) {
      await settleFailure(js, spec, message, delivery.streamSeq, delivery.deliveryCount, error, log);
    }
  }
  if (consumed.length === 0) return;
  let poison: ReadonlyMap<ConsumedEvent, PoisonMessageError>;
  try {
    poison = await handler(consumed);
  } catch (error) {
    for (const { message, delivery } of consumed) await settleFailure(js, spec, message, delivery.streamSeq, delivery.deliveryCount, error, log);
    return;
  }
  for (const item of consumed) {
    const reason = poison.get(item);
    if (reason) await settleFailure(js, spec, item.message, item.delivery.streamSeq, item.delivery.deliveryCount, reason, log);
    else acks.add(item.message);
  }
}
