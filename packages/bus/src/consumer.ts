import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Attributes } from "@opentelemetry/api";
import { decodeEnvelope, PoisonMessageError, type EventEnvelope } from "./envelope.js";
import { DEFAULT_DEAD_LETTERS, failedFromJsMsg, sendToDeadLetters, type DeadLetterTarget } from "./dead-letters.js";
import { context } from "@opentelemetry/api";
import { endSpan, startConsumerSpan } from "./tracing.js";

export interface DeliveryInfo {
  subject: string;
  streamSeq: number;
  /** 1 on the first delivery. */
  deliveryCount: number;
  /** Tells JetStream the handler is still busy (resets the ack timer); also sent automatically. */
  working(): void;
  /** A header of the message, e.g. where a command wants its answer. */
  header(name: string): string | undefined;
  /** When the stream stored the message: a command's credentials are judged at that time, not at redelivery. */
  storedAt(): Date;
}

export type EventHandler = (event: EventEnvelope, delivery: DeliveryInfo) => Promise<void>;

export interface ConsumerSpec {
  stream: string;
  durable: string;
  filterSubjects?: string[];
  /** Deliveries before the message goes to dead letters. */
  maxDeliver?: number;
  /** Above the handler's p99: an unacknowledged message is redelivered after this. */
  ackWaitMs?: number;
  /** Redelivery delays after the 1st, 2nd, … failure; the last repeats. */
  backoffMs?: number[];
  /** Messages handled at once. */
  concurrency?: number;
  deadLetters?: DeadLetterTarget;
  /**
   * Where a durable new to the stream begins: the events stored from this instant on (a service
   * deployed beside a system that handled the earlier ones). Default: the stream's first event.
   * Once the durable exists it keeps its position, whatever this says.
   */
  startTime?: Date;
}

export type ResolvedSpec = Required<Omit<ConsumerSpec, "startTime">> & Pick<ConsumerSpec, "startTime">;

export function resolve(spec: ConsumerSpec): ResolvedSpec {
  return {
    filterSubjects: [],
    maxDeliver: 5,
    ackWaitMs: 30_000,
    backoffMs: [1_000, 5_000, 30_000],
    concurrency: 8,
    deadLetters: DEFAULT_DEAD_LETTERS,
    ...spec,
  };
}

export interface ConsumerLog {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RunningConsumer {
  /** Stops pulling, waits for handlers in flight to finish. */
  stop(): Promise<void>;
}

function consumerConfig(spec: ResolvedSpec): Partial<ConsumerConfig> {
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    ...(spec.startTime ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: spec.startTime.toISOString() } : { deliver_policy: DeliverPolicy.All }),
    ack_wait: spec.ackWaitMs * 1_000_000,
    max_deliver: spec.maxDeliver,
    max_ack_pending: Math.max(spec.concurrency * 4, 64),
    ...(spec.filterSubjects.length === 1 ? { filter_subject: spec.filterSubjects[0] } : spec.filterSubjects.length > 1 ? { filter_subjects: spec.filterSubjects } : {}),
  };
}

/** What every span of a consumer's work says about where the messages come from. */
export function consumerSpanAttributes(spec: ResolvedSpec): Attributes {
  return { "messaging.system": "nats", "messaging.destination.name": spec.stream, "messaging.consumer.group.name": spec.durable };
}

/** Creates the durable consumer or brings its settings up to date; idempotent. */
export async function ensureConsumer(jsm: JetStreamManager, spec: ConsumerSpec): Promise<void> {
  const resolved = resolve(spec);
  const config = consumerConfig(resolved);
  try {
    await jsm.consumers.info(resolved.stream, resolved.durable);
    // JetStream refuses to change where a durable starts: the update leaves it as created.
    const { deliver_policy: _policy, opt_start_time: _time, ...changeable } = config;
    await jsm.consumers.update(resolved.stream, resolved.durable, changeable);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== JetStreamApiCodes.ConsumerNotFound) throw error;
    await jsm.consumers.add(resolved.stream, config);
  }
}

/**
 * Runs a durable pull consumer: each event is handled inside a consumer span, acknowledged on
 * success, redelivered with backoff on failure, and copied to dead letters with the reason when
 * it is poison or has used up its deliveries. Messages whose last delivery was never answered
 * (the process crashed, or the handler outlived ack_wait) reach dead letters too, through the
 * server's max-deliveries advisory.
 */
export async function startConsumer(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, spec: ConsumerSpec, handler: EventHandler, log: ConsumerLog): Promise<RunningConsumer> {
  const resolved = resolve(spec);
  await ensureConsumer(jsm, resolved);
  const advisories = watchExhaustedDeliveries(nc, js, jsm, resolved, log);
  const consumer = await js.consumers.get(resolved.stream, resolved.durable);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: resolved.concurrency });
  const inFlight = new Set<Promise<void>>();
  const heartbeat = new Heartbeat(resolved.ackWaitMs);
  const acks = new AckBatch();
  const spanAttributes = consumerSpanAttributes(resolved);
  let slotFreed: (() => void) | undefined;

  const loop = (async () => {
    for await (const message of messages) {
      heartbeat.add(message);
      const task = handleMessage(js, resolved, handler, message, log, spanAttributes, acks).finally(() => {
        heartbeat.remove(message);
        inFlight.delete(task);
        slotFreed?.();
      });
      inFlight.add(task);
      while (inFlight.size >= resolved.concurrency) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
      }
    }
  })();

  return {
    stop: async () => {
      await messages.close();
      await loop;
      await Promise.all(inFlight);
      acks.flush();
      heartbeat.stop();
      advisories.unsubscribe();
    },
  };
}

async function handleMessage(js: JetStreamClient, spec: ResolvedSpec, handler: EventHandler, message: JsMsg, log: ConsumerLog, spanAttributes: Attributes, acks: AckBatch): Promise<void> {
  const info = message.info; // parsed from the reply subject on every access: read it once
  const { span, context: spanContext } = startConsumerSpan(spanAttributes, message.subject, message);
  try {
    const envelope = decodeEnvelope(message.data);
    const delivery = new JsDelivery(message, info.streamSequence, info.deliveryCount);
    await context.with(spanContext, handler, undefined, envelope, delivery);
    acks.add(message);
    endSpan(span);
  } catch (error) {
    endSpan(span, error);
    await settleFailure(js, spec, message, info.streamSequence, info.deliveryCount, error, log);
  }
}

/**
 * A message whose handling failed: redelivered after the backoff, or copied to dead letters when
 * it is poison or this was its last delivery.
 */
export async function settleFailure(js: JetStreamClient, spec: ResolvedSpec, message: JsMsg, streamSeq: number, deliveryCount: number, error: unknown, log: ConsumerLog): Promise<void> {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const poison = error instanceof PoisonMessageError;
  if (!poison && deliveryCount < spec.maxDeliver) {
    log.warn("handler failed; will retry", { consumer: spec.durable, seq: streamSeq, deliveryCount, reason });
    message.nak(spec.backoffMs[Math.min(deliveryCount, spec.backoffMs.length) - 1]);
    return;
  }
  try {
    await sendToDeadLetters(js, spec.deadLetters, spec.durable, failedFromJsMsg(message), reason);
    message.term(reason);
    log.error("message sent to dead letters", { consumer: spec.durable, seq: streamSeq, deliveryCount, reason });
  } catch (deadLetterError) {
    // Keep the message rather than lose it: it will come back after ack_wait.
    log.error("could not write dead letter", { consumer: spec.durable, error: deadLetterError });
    message.nak(spec.backoffMs.at(-1));
  }
}

/** What a handler learns about the delivery; a class, so no closures are made per message. */
export class JsDelivery implements DeliveryInfo {
  readonly subject: string;

  constructor(
    private readonly message: JsMsg,
    readonly streamSeq: number,
    readonly deliveryCount: number,
  ) {
    this.subject = message.subject;
  }

  working(): void {
    this.message.working();
  }

  header(name: string): string | undefined {
    return this.message.headers?.get(name) || undefined;
  }

  storedAt(): Date {
    return new Date(Math.floor(this.message.info.timestampNanos / 1e6));
  }
}

/**
 * Acknowledges handled messages together once per event-loop turn. nats.js flushes its outbound
 * buffer after each synchronous run of code, so acks sent one by one from separate promise
 * continuations each cost a socket write; sent together they share one.
 */
export class AckBatch {
  private pending: JsMsg[] = [];
  private scheduled = false;

  add(message: JsMsg): void {
    this.pending.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const message of batch) message.ack();
  }
}

/**
 * Keeps long handlers' messages from being redelivered: one timer for the whole consumer tells
 * JetStream "still working" for every message in flight for more than half of ack_wait.
 */
export class Heartbeat {
  private readonly started = new Map<JsMsg, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly ackWaitMs: number) {
    const every = Math.max(ackWaitMs / 4, 250);
    this.timer = setInterval(() => this.beat(), every);
    this.timer.unref();
  }

  add(message: JsMsg): void {
    this.started.set(message, Date.now());
  }

  remove(message: JsMsg): void {
    this.started.delete(message);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private beat(): void {
    const now = Date.now();
    for (const [message, since] of this.started) {
      if (now - since >= this.ackWaitMs / 2) {
        message.working();
        this.started.set(message, now);
      }
    }
  }
}

interface MaxDeliveriesAdvisory {
  stream: string;
  consumer: string;
  stream_seq: number;
  deliveries: number;
}

/**
 * Copies to dead letters the messages the server stopped redelivering without ever getting an
 * answer. startConsumer runs it for its own consumer; an operator process may run it alone.
 */
export function watchExhaustedDeliveries(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, consumerSpec: ConsumerSpec, log: ConsumerLog): Subscription {
  const spec = resolve(consumerSpec);
  const subject = `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${spec.stream}.${spec.durable}`;
  return nc.subscribe(subject, {
    callback: (error, message) => {
      if (error) return;
      const advisory = message.json<MaxDeliveriesAdvisory>();
      void (async () => {
        const stored = await jsm.streams.getMessage(spec.stream, { seq: advisory.stream_seq });
        if (!stored) return;
        await sendToDeadLetters(
          js,
          spec.deadLetters,
          spec.durable,
          {
            subject: stored.subject,
            data: stored.data,
            stream: spec.stream,
            streamSeq: advisory.stream_seq,
            deliveries: advisory.deliveries,
            msgId: stored.header.get("Nats-Msg-Id") || undefined,
            traceparent: stored.header.get("traceparent") || undefined,
          },
          `delivered ${advisory.deliveries} times without an acknowledgement (handler crashed or exceeded ack_wait)`,
        );
      })().catch((failure: unknown) => log.error("could not dead-letter an exhausted message", { error: failure }));
    },
  });
}
