// A reference sector system (hộ tịch, cư trú, BHXH) on the liên thông bus: it pulls its steps'
// requests from its own durable, answers each after a delay with a completion or (a share of the
// time) a refusal, can go offline for a while, and can send every result twice.
import { jetstream, type ConsumerMessages, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { decodeEnvelope, derivedEventId, newEnvelope, publishEvent } from "@onestop/bus";
import { sectorConsumer, STREAMS, StepRequested, subjectFor, type SectorSystem } from "@onestop/contracts";
import { answerOf } from "./answer.js";
import { preciseNowMs, remember, seenOf, type SeenRequest } from "./seen.js";

export interface Behaviour {
  /** How long the sector takes to answer, in ms (0: at once). */
  delayMs: number;
  /** Share of requests refused, 0-1. */
  refuseShare: number;
  /** Send every result twice (each copy its own message id, so the bus keeps both: lienthong must apply one). */
  duplicateResults: boolean;
  /** Answer only the requests this says yes to (others are acknowledged and left alone: another simulator's). */
  accept: (request: StepRequested) => boolean;
  /** 0 ≤ x < 1; Math.random by default (tests pass a seeded one). */
  random: () => number;
}

export interface SimulatorOptions {
  nats: NatsConnection;
  sector: SectorSystem;
  /** The durable to pull from; default the sector's own (created by lienthong). */
  durable?: string;
  behaviour?: Partial<Behaviour>;
  /** The clock its answers are dated by (tests share one with lienthong); the system clock by default. */
  now?: () => Date;
}

export class SectorSimulator {
  readonly seen: SeenRequest[] = [];
  private behaviour: Behaviour;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly js: JetStreamClient;
  private offlineTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly options: SimulatorOptions) {
    this.js = jetstream(options.nats);
    this.behaviour = { delayMs: 0, refuseShare: 0, duplicateResults: false, accept: () => true, random: Math.random, ...options.behaviour };
  }

  static async start(options: SimulatorOptions): Promise<SectorSimulator> {
    const simulator = new SectorSimulator(options);
    await simulator.goOnline();
    return simulator;
  }

  get durable(): string {
    return this.options.durable ?? sectorConsumer(this.options.sector).durable;
  }

  get online(): boolean {
    return this.messages !== undefined;
  }

  set(behaviour: Partial<Behaviour>): void {
    this.behaviour = { ...this.behaviour, ...behaviour };
  }

  /** Stops pulling: requests wait in the durable (and their deadlines pass) until it is back. */
  async goOffline(forMs?: number): Promise<void> {
    const messages = this.messages;
    this.messages = undefined;
    if (messages) {
      await messages.close();
      await this.loop;
    }
    if (forMs !== undefined) {
      this.offlineTimer = setTimeout(() => void this.goOnline(), forMs);
      this.offlineTimer.unref();
    }
  }

  async goOnline(): Promise<void> {
    clearTimeout(this.offlineTimer);
    if (this.messages || this.stopped) return;
    const consumer = await this.js.consumers.get(STREAMS.LIENTHONG.name, this.durable);
    const messages = await consumer.consume({ max_messages: 64 });
    this.messages = messages;
    this.loop = (async () => {
      for await (const message of messages) {
        const task = this.handle(message.data).then(
          () => message.ack(),
          () => message.nak(1_000),
        );
        this.pending.add(task);
        void task.finally(() => this.pending.delete(task));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.goOffline();
    await Promise.all(this.pending);
  }

  private async handle(data: Uint8Array): Promise<void> {
    const receivedAtMs = preciseNowMs();
    const envelope = decodeEnvelope(data);
    const request = StepRequested.fromJSON(envelope.data);
    const behaviour = this.behaviour;
    if (!behaviour.accept(request)) {
      remember(this.seen, { ...seenOf(request), answered: "IGNORED", receivedAtMs });
      return;
    }
    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    const answer = answerOf(request, behaviour.refuseShare, behaviour.random);
    const at = (this.options.now ?? (() => new Date()))().toISOString();
    const params = { bundleCode: request.bundleCode, stepCode: request.stepCode };
    const common = { bundleId: request.bundleId, bundleCode: request.bundleCode, stepCode: request.stepCode, agencyCode: request.agencyCode, attempt: request.attempt };
    const result =
      answer.outcome === "REFUSED"
        ? { type: "vn.onestop.lienthong.step_refused.v1" as const, data: { ...common, refusedAt: at, reason: answer.reason } }
        : { type: "vn.onestop.lienthong.step_completed.v1" as const, data: { ...common, completedAt: at, outputs: answer.outputs, resultNumber: answer.resultNumber } };
    const subject = subjectFor(result.type, params);
    const copies = behaviour.duplicateResults ? 2 : 1;
    const answeredAtMs = preciseNowMs();
    for (let copy = 0; copy < copies; copy++) {
      // The same request answered again (a redelivery) gets the same id: the bus drops the copy.
      const id = derivedEventId(envelope.id, `result:${copy}`);
      await publishEvent(this.js, subject, newEnvelope({ id, type: result.type, source: `urn:onestop:sector:${this.options.sector}`, subject: request.bundleId, time: at, data: result.data }));
    }
    remember(this.seen, { ...seenOf(request), answered: answer.outcome, receivedAtMs, answeredAtMs });
  }
}
