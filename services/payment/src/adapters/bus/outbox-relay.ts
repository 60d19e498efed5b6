/**
 * Publishes the outboxes of assessments, payments and reconciliations (Nats-Msg-Id = the event id,
 * so publishing twice stores once), then empties them conditionally on the version. A write kicks
 * its document; a periodic sweep (at start, then every `sweepEveryMs`) finds outboxes left by a
 * crash or a bus outage.
 */
import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent } from "@onestop/bus";
import type { Logger } from "@onestop/telemetry";
import type { PaymentStore } from "../store/payment-store.js";

type Outboxes = "assessments" | "payments" | "reconciliations";
const COLLECTIONS: readonly Outboxes[] = ["assessments", "payments", "reconciliations"];

export class OutboxRelay {
  private readonly queue = new Map<string, [Outboxes, string]>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: PaymentStore,
    private readonly js: JetStreamClient,
    private readonly log: Logger,
    private readonly sweepEveryMs = 30_000,
  ) {}

  async start(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.log.warn("outbox sweep failed", { error })), this.sweepEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await this.running;
  }

  kick(collection: Outboxes, id: string): void {
    this.queue.set(`${collection}:${id}`, [collection, id]);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.size > 0 && !this.stopped) this.kick(...[...this.queue.values()][0]!);
    });
  }

  /** Resolves when everything kicked so far is published (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async sweep(): Promise<void> {
    for (const collection of COLLECTIONS) for (const { _id } of await this.store.withPendingOutbox(collection)) this.kick(collection, _id);
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0) {
      const batch = [...this.queue.values()].slice(0, 32);
      for (const [collection, id] of batch) this.queue.delete(`${collection}:${id}`);
      await Promise.all(batch.map(([collection, id]) => this.publish(collection, id)));
    }
  }

  private async publish(collection: Outboxes, id: string): Promise<void> {
    try {
      const doc = await (
        this.store[collection] as unknown as import("mongodb").Collection<{ _id: string; version: number; outbox: Array<{ subject: string; envelope: import("@onestop/bus").EventEnvelope }> }>
      ).findOne({ _id: id });
      if (!doc || doc.outbox.length === 0) return;
      for (const { subject, envelope } of doc.outbox) await publishEvent(this.js, subject, envelope);
      await this.store.clearOutbox(collection, id, doc.version);
    } catch (error) {
      // Left pending: the next sweep publishes it.
      this.log.warn("outbox not published yet", { collection, id, error });
    }
  }
}
