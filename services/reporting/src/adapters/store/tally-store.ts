/**
 * Stored per-period tallies and the change counters, kept beside the active facts collection
 * (`<facts>_tallies`, `<facts>_changes`): a rebuild's new collection starts with its own, empty.
 * Every read is by `_id` or of the small counters collection (FerretDB pushes down only `_id`).
 */
import type { Collection, Db, Filter } from "mongodb";
import type { AgencyChanges, StoredTally, TallyStore } from "../../app/ports.js";
import type { Level, TallyLine } from "../../domain/index.js";
import { AWAITING_RECEIPT, type ChangeCounterDocument } from "./change-counters.js";

interface TallyDocument {
  _id: string;
  stamp: number;
  lines?: TallyLine[];
  /** For the awaiting-receipt count only. */
  count?: number;
  computedAt: Date;
}

const AWAITING_KEY = "~awaiting-receipt";
const READ_CONCURRENCY = 32;

export class MongoTallyStore implements TallyStore {
  constructor(
    private readonly db: Db,
    /** The active facts collection's name, read on every call: it changes when a rebuild switches. */
    private readonly activeFacts: () => string,
  ) {}

  private changes(): Collection<ChangeCounterDocument> {
    return this.db.collection<ChangeCounterDocument>(`${this.activeFacts()}_changes`);
  }

  private tallies(): Collection<TallyDocument> {
    return this.db.collection<TallyDocument>(`${this.activeFacts()}_tallies`);
  }

  async agencyChanges(filter: { level?: Level; agencyCode?: string }): Promise<AgencyChanges[]> {
    const query: Filter<ChangeCounterDocument> = filter.agencyCode ? { _id: filter.agencyCode } : { _id: { $ne: AWAITING_RECEIPT } };
    if (filter.level) query.level = filter.level;
    const documents = await this.changes().find(query).toArray();
    return documents
      .filter((document) => document._id !== AWAITING_RECEIPT)
      .map(({ _id, level, months }) => ({ agencyCode: _id, ...(level ? { level } : {}), months }));
  }

  async awaitingReceiptChanges(): Promise<number> {
    const document = await this.changes().findOne({ _id: AWAITING_RECEIPT });
    return Object.values(document?.months ?? {}).reduce((sum, n) => sum + n, 0);
  }

  async readTallies(keys: readonly string[]): Promise<Map<string, StoredTally>> {
    const collection = this.tallies();
    const found = new Map<string, StoredTally>();
    // One `_id` lookup each (pushed down on FerretDB), a few in flight at a time.
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const documents = await Promise.all(keys.slice(i, i + READ_CONCURRENCY).map((key) => collection.findOne({ _id: key })));
      for (const document of documents) if (document?.lines) found.set(document._id, { stamp: document.stamp, lines: document.lines });
    }
    return found;
  }

  async writeTallies(tallies: ReadonlyMap<string, StoredTally>): Promise<void> {
    if (tallies.size === 0) return;
    const computedAt = new Date();
    await this.tallies().bulkWrite(
      [...tallies].map(([key, { stamp, lines }]) => ({ replaceOne: { filter: { _id: key }, replacement: { stamp, lines, computedAt }, upsert: true } })),
      { ordered: false },
    );
  }

  async readAwaitingReceipt(): Promise<{ stamp: number; count: number } | undefined> {
    const document = await this.tallies().findOne({ _id: AWAITING_KEY });
    return document && document.count !== undefined ? { stamp: document.stamp, count: document.count } : undefined;
  }

  async writeAwaitingReceipt({ stamp, count }: { stamp: number; count: number }): Promise<void> {
    await this.tallies().replaceOne({ _id: AWAITING_KEY }, { stamp, count, computedAt: new Date() }, { upsert: true });
  }
}
