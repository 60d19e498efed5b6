import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent } from "@onestop/bus";
import type { KeyedLock } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import type { OutboxKick } from "../../app/ports.js";
import { dossiersWithPendingEvents, type MongoDossierRepository } from "./dossier-repository.js";

/** Dossiers whose outboxes are published at the same time (each dossier's events stay in order). */
const PARALLEL_DOSSIERS = 4;

/**
 * Publishes each dossier's outbox in order, then empties it. A write is followed by a kick. What
 * could not be published (the bus is down) stays in a retry set, tried again every sweep; what a
 * crash left behind is found by one scan when the relay starts. Publishing twice is harmless: the
 * envelope id is the Nats-Msg-Id, so JetStream keeps one copy.
 */
export class OutboxRelay implements OutboxKick {
  private readonly kicked = new Set<string>();
  private readonly failed = new Set<string>();
  private draining: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: MongoDossierRepository,
    private readonly js: JetStreamClient,
    private readonly locks: KeyedLock,
    private readonly log: Logger,
    private readonly retryEveryMs = 1_000,
  ) {}

  /** Publishes what a previous process left unpublished, then retries failures periodically. */
  async start(): Promise<void> {
    const leftovers = await dossiersWithPendingEvents(this.repository.dossiers);
    if (leftovers.length > 0) this.log.info("publishing events left by a previous run", { dossiers: leftovers.length });
    for (const code of leftovers) this.kick(code);
    this.sweeper = setInterval(() => this.retryFailed(), this.retryEveryMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.draining;
  }

  kick(code: string): void {
    this.kicked.add(code);
    this.ensureDraining();
  }

  private ensureDraining(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.kicked.size > 0) this.ensureDraining(); // kicked between the drain's end and here
    });
  }

  private retryFailed(): void {
    const codes = [...this.failed];
    this.failed.clear();
    for (const code of codes) this.kick(code);
  }

  private async drain(): Promise<void> {
    const worker = async () => {
      for (let code = this.take(); code !== undefined; code = this.take()) {
        try {
          await this.locks.run(code, () => this.publishOutbox(code));
        } catch (error) {
          this.failed.add(code);
          this.log.warn("outbox not published yet; will retry", { dossier: code, error });
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_DOSSIERS }, worker));
  }

  private take(): string | undefined {
    const [code] = this.kicked;
    if (code !== undefined) this.kicked.delete(code);
    return code;
  }

  private async publishOutbox(code: string): Promise<void> {
    const { dossiers } = this.repository;
    const doc = await dossiers.findOne({ _id: code }, { projection: { outbox: 1, version: 1 } });
    if (!doc || doc.outbox.length === 0) return;
    for (const entry of doc.outbox) await publishEvent(this.js, entry.subject, entry.envelope);
    // Under the dossier's lock; conditional on the version too, for other instances on MongoDB.
    // ($set, not $pull: FerretDB ignores $pull conditions on nested fields.)
    const emptied = await dossiers.updateOne({ _id: code, version: doc.version }, { $set: { outbox: [] }, $inc: { version: 1 } });
    if (emptied.modifiedCount === 0) this.kicked.add(code); // changed meanwhile: publish what is new
  }
}
