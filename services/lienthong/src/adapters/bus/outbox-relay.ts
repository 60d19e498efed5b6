import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent, type EventEnvelope } from "@onestop/bus";
import type { Logger } from "@onestop/telemetry";
import type { BundleRepository, IntakePort, OutboxEntry, OutboxKick } from "../../app/ports.js";

export interface RelayOptions {
  retryAfterMs?: number;
  sweepEveryMs?: number;
  /** Bundles published at once. */
  concurrency?: number;
  /** Called with each event once it is on the stream, before the outbox is emptied (the webhook queue); must be idempotent. */
  published?: (entry: Extract<OutboxEntry, { kind: "event" }>) => Promise<void>;
}

/**
 * Sends each bundle's outbox in order, then empties it (conditional on the version read, so
 * entries a later write appended stay). Events go to JetStream with their id as Nats-Msg-Id; the
 * dossier's resolution goes to intake's gRPC API with its event id, which intake applies once. A
 * crash after sending and before emptying sends again: harmless for both. What failed is tried
 * again after `retryAfterMs`; a sweep (at start-up, then every `sweepEveryMs`) finds outboxes left
 * by a process that died.
 */
export class OutboxRelay implements OutboxKick {
  private readonly queue = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly again = new Set<string>();
  private workers = 0;
  private stopped = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly idle = new Set<() => void>();
  private readonly retryAfterMs: number;
  private readonly sweepEveryMs: number;
  private readonly concurrency: number;
  private readonly published: RelayOptions["published"];

  constructor(
    private readonly repository: BundleRepository,
    private readonly js: JetStreamClient,
    private readonly intake: IntakePort,
    private readonly log: Logger,
    options: RelayOptions = {},
  ) {
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
    this.sweepEveryMs = options.sweepEveryMs ?? 30_000;
    this.concurrency = options.concurrency ?? 16;
    this.published = options.published;
  }

  async start(): Promise<void> {
    await this.sweep();
    const loop = () => {
      this.sweepTimer = setTimeout(() => void this.sweep().finally(() => !this.stopped && loop()), this.sweepEveryMs);
      this.sweepTimer.unref();
    };
    loop();
  }

  kick(bundleId: string): void {
    if (this.stopped) return;
    if (this.busy.has(bundleId)) {
      this.again.add(bundleId);
      return;
    }
    this.queue.add(bundleId);
    this.pump();
  }

  /** Resolves when nothing is queued or in flight. */
  settled(): Promise<void> {
    if (this.queue.size === 0 && this.busy.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.add(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    this.queue.clear();
    await this.settled();
  }

  private async sweep(): Promise<void> {
    try {
      for (const id of await this.repository.withPendingOutbox()) this.kick(id);
    } catch (error) {
      this.log.warn("outbox sweep failed", { error });
    }
  }

  private pump(): void {
    while (this.workers < this.concurrency && this.queue.size > 0) {
      const [id] = this.queue;
      this.queue.delete(id!);
      this.busy.add(id!);
      this.workers++;
      void this.send(id!).finally(() => {
        this.workers--;
        this.busy.delete(id!);
        if (this.again.delete(id!)) this.queue.add(id!);
        this.pump();
        if (this.queue.size === 0 && this.busy.size === 0) for (const resolve of this.idle) resolve(), this.idle.delete(resolve);
      });
    }
  }

  private async send(id: string): Promise<void> {
    try {
      const stored = await this.repository.find(id);
      if (!stored || stored.outbox.length === 0) return;
      for (const entry of stored.outbox) {
        if (entry.kind === "event") {
          await publishEvent(this.js, entry.subject, entry.envelope as unknown as EventEnvelope);
          await this.published?.(entry);
        } else await this.intake.resolve(entry);
      }
      await this.repository.clearOutbox(id, stored.version);
    } catch (error) {
      this.log.warn("outbox not sent; will retry", { bundleId: id, error });
      const retry = setTimeout(() => this.kick(id), this.retryAfterMs);
      retry.unref();
    }
  }
}
