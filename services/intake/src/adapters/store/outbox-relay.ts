import type { JetStreamClient } from "@nats-io/jetstream";
import { publishEvent } from "@onestop/bus";
import type { KeyedLock } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import type { OutboxKick } from "../../app/ports.js";
import type { MongoDossierRepository } from "./dossier-repository.js";

/**
 * Publishes each dossier's outbox in order and removes what JetStream acknowledged. A write is
 * followed by a kick; a periodic sweep publishes whatever a crash or an outage left behind.
 * Publishing twice is harmless: the envelope id is the Nats-Msg-Id, so JetStream keeps one copy.
 */
export class OutboxRelay implements OutboxKick {
  private readonly kicked = new Set<string>();
  private draining: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly repository: MongoDossierRepository,
    private readonly js: JetStreamClient,
    private readonly locks: KeyedLock,
    private readonly log: Logger,
    private readonly sweepEveryMs = 1_000,
  ) {}

  start(): void {
    this.sweeper = setInterval(() => void this.sweep(), this.sweepEveryMs);
    void this.sweep();
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
      if (this.kicked.size > 0) this.ensureDraining(); // kicked between the loop's end and here
    });
  }

  /** Publishes every pending outbox now; resolves when done (used at start-up and by tests). */
  async sweep(): Promise<void> {
    const pending = await this.repository.markers.find({}).limit(1_000).toArray();
    for (const { _id } of pending) this.kick(_id);
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.kicked.size > 0) {
      const [code] = this.kicked;
      this.kicked.delete(code!);
      try {
        await this.locks.run(code!, () => this.publishOutbox(code!));
      } catch (error) {
        this.log.warn("outbox not published yet; the sweep will retry", { dossier: code, error });
      }
    }
  }

  private async publishOutbox(code: string): Promise<void> {
    const { dossiers, markers } = this.repository;
    const doc = await dossiers.findOne({ _id: code }, { projection: { outbox: 1, version: 1 } });
    if (doc && doc.outbox.length > 0) {
      for (const entry of doc.outbox) await publishEvent(this.js, entry.subject, entry.envelope);
      // Under the dossier's lock; conditional on the version too, for other instances on MongoDB.
      // ($set, not $pull: FerretDB ignores $pull conditions on nested fields.)
      const emptied = await dossiers.updateOne({ _id: code, version: doc.version }, { $set: { outbox: [] }, $inc: { version: 1 } });
      if (emptied.modifiedCount === 0) {
        this.kicked.add(code); // changed meanwhile: publish what is new on the next pass
        return;
      }
    }
    await markers.deleteOne({ _id: code });
  }
}
