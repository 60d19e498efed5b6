import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent } from "@onestop/bus";
import type { Logger } from "@onestop/telemetry";
import type { OutboxKick } from "../../app/ports.js";
import { dossiersWithPendingEvents, type MongoDossierRepository } from "./dossier-repository.js";

/** Dossiers read, published and emptied together (each dossier's events stay in order). */
const BATCH = 64;
/** Batches in flight: one is read or emptied while the other publishes. */
const PARALLEL_BATCHES = 2;
/**
 * A sweep waits at least this many times its own duration before the next one, so sweeping takes
 * at most 0,5 % of the store's time however large the collection grows: on the local store a
 * sweep reads every dossier (≈ 0,1 s at 300, 3 s at 10.000, so every 10 minutes at that size).
 */
const SWEEP_COST_FACTOR = 200;

export interface OutboxRelayOptions {
  /** After a failed publish (the bus is down), how long until the dossier is tried again. */
  retryAfterMs?: number;
  /**
   * How often to look for outboxes nobody is publishing: left by an instance that crashed, or that
   * stopped while the bus was down. The shortest period: see SWEEP_COST_FACTOR.
   */
  sweepEveryMs?: number;
}

/**
 * Publishes each dossier's outbox in order, then empties it. A write is followed by a kick; what
 * could not be published (the bus is down) is tried again after `retryAfterMs`; a periodic sweep
 * (at start-up, then every `sweepEveryMs` or less often) finds outboxes that no running process
 * will publish. Publishing twice is harmless: the envelope id is the Nats-Msg-Id, so JetStream
 * keeps one copy. Idle, it does nothing but the sweep.
 */
export class OutboxRelay implements OutboxKick {
  private readonly kicked = new Set<string>();
  /** Dossiers a worker is publishing now: a kick meanwhile waits for it, so one dossier has one publisher here. */
  private readonly publishing = new Set<string>();
  private readonly failed = new Set<string>();
  private draining: Promise<void> | undefined;
  private sweeping: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly retryAfterMs: number;
  private readonly sweepEveryMs: number;

  constructor(
    private readonly repository: MongoDossierRepository,
    private readonly js: JetStreamClient,
    private readonly log: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.retryAfterMs = options.retryAfterMs ?? 1_000;
    this.sweepEveryMs = options.sweepEveryMs ?? 30_000;
  }

  /** Publishes what a previous process left unpublished, then sweeps periodically. */
  async start(): Promise<void> {
    const took = await this.sweep();
    this.scheduleSweep(took);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    clearTimeout(this.retryTimer);
    await this.sweeping;
    while (this.draining) await this.draining;
  }

  kick(code: string): void {
    this.kicked.add(code);
    this.ensureDraining();
  }

  /** Kicks every dossier whose outbox holds events; returns how long the scan took (ms). */
  private async sweep(): Promise<number> {
    const started = performance.now();
    const pending = await dossiersWithPendingEvents(this.repository.dossiers);
    const took = performance.now() - started;
    if (this.stopped) return took;
    if (pending.length > 0) this.log.info("publishing pending outboxes found by the sweep", { dossiers: pending.length, ms: Math.round(took) });
    for (const code of pending) this.kick(code);
    return took;
  }

  private scheduleSweep(lastTookMs: number): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      this.sweeping = this.sweep().then(
        (took) => this.scheduleSweep(took),
        (error: unknown) => {
          this.log.warn("outbox sweep failed; will sweep again", { error });
          this.scheduleSweep(0);
        },
      );
    }, Math.max(this.sweepEveryMs, lastTookMs * SWEEP_COST_FACTOR));
  }

  private ensureDraining(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.kicked.size > 0) this.ensureDraining(); // kicked between the drain's end and here
    });
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const codes = [...this.failed];
      this.failed.clear();
      for (const code of codes) this.kick(code);
    }, this.retryAfterMs);
  }

  private async drain(): Promise<void> {
    const worker = async () => {
      for (let codes = this.take(); codes.length > 0; codes = this.take()) {
        for (const code of codes) this.publishing.add(code);
        try {
          await this.publishOutboxes(codes);
        } catch (error) {
          for (const code of codes) this.failed.add(code);
          this.scheduleRetry();
          this.log.warn("outboxes not published yet; will retry", { dossiers: codes.length, error });
        } finally {
          for (const code of codes) this.publishing.delete(code);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
  }

  /** Up to BATCH kicked dossiers no worker is publishing (the worker that is takes them again when done). */
  private take(): string[] {
    const codes: string[] = [];
    for (const code of this.kicked) {
      if (this.publishing.has(code)) continue;
      this.kicked.delete(code);
      codes.push(code);
      if (codes.length === BATCH) break;
    }
    return codes;
  }

  /**
   * One read of the dossiers' outboxes, their events published (each dossier's in order, the
   * dossiers at once), then one bulk write emptying those published.
   */
  private async publishOutboxes(codes: readonly string[]): Promise<void> {
    const { dossiers } = this.repository;
    const docs = (await dossiers.find({ _id: { $in: [...codes] } }, { projection: { outbox: 1, version: 1 } }).toArray()).filter((doc) => doc.outbox.length > 0);
    const results = await Promise.allSettled(
      docs.map(async (doc) => {
        for (const entry of doc.outbox) await publishEvent(this.js, entry.subject, entry.envelope);
      }),
    );
    const published = docs.filter((_, i) => results[i]!.status === "fulfilled");
    const failures = docs.filter((_, i) => results[i]!.status === "rejected");
    if (failures.length > 0) {
      for (const doc of failures) this.failed.add(doc._id);
      this.scheduleRetry();
      this.log.warn("outbox not published yet; will retry", { dossiers: failures.length, error: (results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason });
    }
    if (published.length === 0) return;
    this.log.debug("events published", {
      events: published.flatMap((doc) => doc.outbox.map((entry) => ({ dossier: doc._id, type: entry.envelope.type, id: entry.envelope.id, subject: entry.subject }))),
    });
    // Emptied only if the version is still the one read: a change recorded meanwhile appended its
    // events and moved the version, so nothing unpublished is dropped; the dossier is then
    // published again. The relay leaves the version alone, so it never makes a writer retry.
    // ($set, not $pull: FerretDB's $pull removes only elements equal to the value, it ignores conditions.)
    const emptied = await dossiers.bulkWrite(
      published.map((doc) => ({ updateOne: { filter: { _id: doc._id, version: doc.version }, update: { $set: { outbox: [] } } } })),
      { ordered: false },
    );
    // Which ones changed meanwhile is not reported: publish them all again (JetStream drops the duplicates).
    if (emptied.matchedCount < published.length) for (const doc of published) this.kicked.add(doc._id);
  }
}
