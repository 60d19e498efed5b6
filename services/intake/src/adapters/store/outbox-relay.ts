import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent } from "@onestop/bus";
import type { Logger } from "@onestop/telemetry";
import type { OutboxEntry, OutboxKick, OutboxWrite } from "../../app/ports.js";
import { dossiersWithPendingEvents, type MongoDossierRepository } from "./dossier-repository.js";

/** Dossiers published together (each dossier's events stay in order). */
const BATCH = 64;
/** Batches in flight: one is read while the other publishes. */
const PARALLEL_BATCHES = 2;
/** Most outboxes emptied by one bulk write. */
const EMPTY_BATCH = 512;
/** Dossiers whose published version is remembered; the oldest are forgotten first (they are read back then). */
const REMEMBERED = 100_000;
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

/** Consecutive writes of one dossier kicked before it was published: versions `from` to `version`, their entries in order. */
interface KickedWrites extends OutboxWrite {
  from: number;
}

/**
 * Publishes each dossier's outbox in order, then empties it. A write is followed by a kick that
 * carries the write's entries: when this relay already published everything the dossier's earlier
 * versions appended (or it is the dossier's first version), it publishes them from memory, with no
 * read of the dossier; otherwise (another writer came between, a retry, the sweep) it reads the
 * outbox. Emptying is a separate step, many outboxes in one bulk write, so a slow write never
 * holds up the next publish: until it is emptied, an outbox is published again at most (a
 * duplicate). What could not be published (the bus is down) is tried again after `retryAfterMs`; a
 * periodic sweep (at start-up, then every `sweepEveryMs` or less often) finds outboxes that no
 * running process will publish. Publishing twice is harmless: the envelope id is the Nats-Msg-Id,
 * so JetStream keeps one copy. Idle, it does nothing but the sweep.
 */
export class OutboxRelay implements OutboxKick {
  /** Kicked dossiers, with the writes to publish from memory (undefined: read the outbox). */
  private readonly kicked = new Map<string, KickedWrites | undefined>();
  /** Dossiers a worker is publishing now: a kick meanwhile waits for it, so one dossier has one publisher here. */
  private readonly publishing = new Set<string>();
  private readonly failed = new Set<string>();
  /** Per dossier, the version up to which every entry of its outbox is known published (oldest first). */
  private readonly publishedThrough = new Map<string, number>();
  /** Published outboxes to empty: the version published. */
  private readonly toEmpty = new Map<string, number>();
  private draining: Promise<void> | undefined;
  private emptying: Promise<void> | undefined;
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
    while (this.draining || this.emptying) await (this.draining ?? this.emptying);
  }

  /**
   * Asks for the dossier's outbox to be published. `written`: the write just made; two writes
   * kicked before either is published are published together when their versions follow each other.
   */
  kick(code: string, written?: OutboxWrite): void {
    const writes = written && { from: written.version, ...written };
    if (!this.kicked.has(code)) this.kicked.set(code, writes);
    else {
      const waiting = this.kicked.get(code);
      this.kicked.set(
        code,
        waiting && writes && writes.version === waiting.version + 1 ? { from: waiting.from, version: writes.version, entries: [...waiting.entries, ...writes.entries] } : undefined,
      );
    }
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
    this.sweepTimer = setTimeout(
      () => {
        this.sweeping = this.sweep().then(
          (took) => this.scheduleSweep(took),
          (error: unknown) => {
            this.log.warn("outbox sweep failed; will sweep again", { error });
            this.scheduleSweep(0);
          },
        );
      },
      Math.max(this.sweepEveryMs, lastTookMs * SWEEP_COST_FACTOR),
    );
  }

  private ensureDraining(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.kicked.size > 0) this.ensureDraining(); // kicked between the drain's end and here
    });
  }

  private ensureEmptying(): void {
    this.emptying ??= this.empty().finally(() => {
      this.emptying = undefined;
      if (this.toEmpty.size > 0) this.ensureEmptying();
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
      for (let kicks = this.take(); kicks.length > 0; kicks = this.take()) {
        for (const [code] of kicks) this.publishing.add(code);
        try {
          await this.publishOutboxes(kicks);
        } catch (error) {
          for (const [code] of kicks) this.failed.add(code);
          this.scheduleRetry();
          this.log.warn("outboxes not published yet; will retry", { dossiers: kicks.length, error });
        } finally {
          for (const [code] of kicks) this.publishing.delete(code);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_BATCHES }, worker));
  }

  /** Up to BATCH kicked dossiers no worker is publishing (the worker that is takes them again when done). */
  private take(): Array<[string, KickedWrites | undefined]> {
    const kicks: Array<[string, KickedWrites | undefined]> = [];
    for (const [code, written] of this.kicked) {
      if (this.publishing.has(code)) continue;
      this.kicked.delete(code);
      kicks.push([code, written]);
      if (kicks.length === BATCH) break;
    }
    return kicks;
  }

  /**
   * The outboxes to publish: a kicked write whose earlier versions are known published is its
   * own entries; the others are read in one query (`_id: {$in}`). Each dossier's entries are then
   * published in order, the dossiers at once, and the published outboxes queued for emptying.
   */
  private async publishOutboxes(kicks: ReadonlyArray<readonly [string, KickedWrites | undefined]>): Promise<void> {
    const outboxes: Array<{ _id: string; version: number; outbox: readonly OutboxEntry[] }> = [];
    const toRead: string[] = [];
    for (const [code, written] of kicks) {
      const through = this.publishedThrough.get(code);
      if (written && through !== undefined && written.version <= through) continue; // published already, with more
      if (written && (written.from === 1 || through === written.from - 1)) {
        outboxes.push({ _id: code, version: written.version, outbox: written.entries });
      } else toRead.push(code);
    }
    if (toRead.length > 0) {
      const read = await this.repository.dossiers.find({ _id: { $in: toRead } }, { projection: { outbox: 1, version: 1 } }).toArray();
      for (const doc of read) {
        if (doc.outbox.length > 0) outboxes.push(doc);
        else this.remember(doc._id, doc.version); // emptied: everything up to this version was published
      }
    }
    const results = await Promise.allSettled(
      outboxes.map(async (doc) => {
        for (const entry of doc.outbox) await publishEvent(this.js, entry.subject, entry.envelope);
      }),
    );
    const published = outboxes.filter((_, i) => results[i]!.status === "fulfilled");
    const failures = outboxes.filter((_, i) => results[i]!.status === "rejected");
    if (failures.length > 0) {
      for (const doc of failures) this.failed.add(doc._id);
      this.scheduleRetry();
      this.log.warn("outbox not published yet; will retry", { dossiers: failures.length, error: (results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason });
    }
    if (published.length === 0) return;
    this.log.debug("events published", {
      events: published.flatMap((doc) => doc.outbox.map((entry) => ({ dossier: doc._id, type: entry.envelope.type, id: entry.envelope.id, subject: entry.subject }))),
    });
    for (const doc of published) {
      this.remember(doc._id, doc.version);
      if ((this.toEmpty.get(doc._id) ?? 0) < doc.version) this.toEmpty.set(doc._id, doc.version);
    }
    this.ensureEmptying();
  }

  private remember(code: string, version: number): void {
    if ((this.publishedThrough.get(code) ?? 0) > version) return;
    this.publishedThrough.delete(code); // to the end: the oldest stay first
    this.publishedThrough.set(code, version);
    if (this.publishedThrough.size > REMEMBERED) this.publishedThrough.delete(this.publishedThrough.keys().next().value!);
  }

  /**
   * Empties published outboxes, up to EMPTY_BATCH in one bulk write, each only if the version is
   * still the one published: a change recorded meanwhile appended its events and moved the version,
   * so nothing unpublished is dropped; that change's own kick publishes and empties it. The relay
   * leaves the version alone, so it never makes a writer retry. ($set, not $pull: FerretDB's $pull
   * removes only elements equal to the value, it ignores conditions.)
   */
  private async empty(): Promise<void> {
    while (this.toEmpty.size > 0) {
      const batch: Array<[string, number]> = [];
      for (const item of this.toEmpty) {
        batch.push(item);
        if (batch.length === EMPTY_BATCH) break;
      }
      for (const [code] of batch) this.toEmpty.delete(code);
      try {
        const emptied = await this.repository.dossiers.bulkWrite(
          batch.map(([code, version]) => ({ updateOne: { filter: { _id: code, version }, update: { $set: { outbox: [] } } } })),
          { ordered: false },
        );
        // Which ones changed meanwhile is not reported: those no newer publish is known for are read
        // and published again (JetStream drops the duplicates).
        if (emptied.matchedCount < batch.length) {
          for (const [code, version] of batch) if (this.publishedThrough.get(code) === version && !this.kicked.has(code)) this.kick(code);
        }
      } catch (error) {
        for (const [code] of batch) this.failed.add(code);
        this.scheduleRetry();
        this.log.warn("published outboxes not emptied yet; will retry", { dossiers: batch.length, error });
      }
    }
  }
}
