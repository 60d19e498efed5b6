/**
 * Stored per-period tallies and the change counters, kept beside the active facts collection
 * (`<facts>_tallies`, `<facts>_changes`): a rebuild's new collection starts with its own, empty.
 * Every read is one document by `_id` (FerretDB pushes down only `_id`, and decodes documents
 * field by field: a period's tallies are one document of strings).
 */
import type { Collection, Db } from "mongodb";
import type { AgencyChanges, StoredTally, TallyStore } from "../../app/ports.js";
import { decodeTally, encodeTally, TALLY_FORMAT } from "../../domain/index.js";
import { countersCollection, readChangeCounters } from "./change-counters.js";

/** One document per period: every agency's tally, its lines as compact text (see encodeTally). */
interface PeriodTallyDocument {
  _id: string;
  /** TALLY_FORMAT the lines were written in; absent before format 2. */
  format?: number;
  agencies: Array<{ agencyCode: string; stamp: number; lines: string }>;
  computedAt: Date;
}

interface AwaitingReceiptDocument {
  _id: string;
  stamp: number;
  count: number;
  computedAt: Date;
}

const AWAITING_KEY = "~awaiting-receipt";

export class MongoTallyStore implements TallyStore {
  constructor(
    private readonly db: Db,
    /** The active facts collection's name, read on every call: it changes when a rebuild switches. */
    private readonly activeFacts: () => string,
  ) {}

  private tallies<T extends { _id: string }>(): Collection<T> {
    return this.db.collection<T>(`${this.activeFacts()}_tallies`);
  }

  changeCounters(): Promise<{ agencies: AgencyChanges[]; awaitingReceipt: number }> {
    return readChangeCounters(countersCollection(this.db, this.activeFacts()));
  }

  async readPeriod(periodKey: string): Promise<Map<string, StoredTally>> {
    const document = await this.tallies<PeriodTallyDocument>().findOne({ _id: periodKey });
    // Written in another layout: as if never stored, so every agency's tally is computed again.
    if (document && document.format !== TALLY_FORMAT) return new Map();
    return new Map((document?.agencies ?? []).map(({ agencyCode, stamp, lines }) => [agencyCode, { stamp, lines: decodeTally(lines, agencyCode) }]));
  }

  async writePeriod(periodKey: string, tallies: ReadonlyMap<string, StoredTally>): Promise<void> {
    const agencies = [...tallies].map(([agencyCode, { stamp, lines }]) => ({ agencyCode, stamp, lines: encodeTally(lines) }));
    await this.tallies<PeriodTallyDocument>().replaceOne({ _id: periodKey }, { format: TALLY_FORMAT, agencies, computedAt: new Date() }, { upsert: true });
  }

  async readAwaitingReceipt(): Promise<{ stamp: number; count: number } | undefined> {
    const document = await this.tallies<AwaitingReceiptDocument>().findOne({ _id: AWAITING_KEY });
    return document ? { stamp: document.stamp, count: document.count } : undefined;
  }

  async writeAwaitingReceipt({ stamp, count }: { stamp: number; count: number }): Promise<void> {
    await this.tallies<AwaitingReceiptDocument>().replaceOne({ _id: AWAITING_KEY }, { stamp, count, computedAt: new Date() }, { upsert: true });
  }
}
