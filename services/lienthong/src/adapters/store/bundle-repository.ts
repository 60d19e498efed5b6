import { MongoServerError, type Collection, type Db } from "mongodb";
import type { Bundle } from "../../domain/bundle.js";
import type { BundleRepository, OutboxEntry, StoredBundle, TimerStore } from "../../app/ports.js";
import { Lienthong } from "../../app/lienthong.js";

/**
 * One document per bundle, keyed by its id (derived from the dossier code, so the dossier's bundle
 * is found by `_id` too): the state, a version for optimistic concurrency and the outbox of what
 * its writes announced and is not out yet. `pending` marks a non-empty outbox for the relay's
 * sweep, the only scan besides the operators' list.
 */
interface BundleDocument {
  _id: string;
  version: number;
  bundle: Bundle;
  outbox: OutboxEntry[];
  pending: boolean;
  status: Bundle["status"];
  bundleCode: string;
}

const DUPLICATE_KEY = 11000;

export class MongoBundleRepository implements BundleRepository {
  private constructor(private readonly bundles: Collection<BundleDocument>) {}

  static async open(db: Db): Promise<MongoBundleRepository> {
    return new MongoBundleRepository(db.collection<BundleDocument>("bundles"));
  }

  async insert(bundle: Bundle, outbox: OutboxEntry[]): Promise<boolean> {
    try {
      await this.bundles.insertOne({ _id: bundle.id, version: 1, bundle, outbox, pending: outbox.length > 0, status: bundle.status, bundleCode: bundle.bundleCode });
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async find(id: string): Promise<StoredBundle | undefined> {
    const document = await this.bundles.findOne({ _id: id });
    return document ? { bundle: document.bundle, version: document.version, outbox: document.outbox } : undefined;
  }

  findByDossier(dossierCode: string): Promise<StoredBundle | undefined> {
    return this.find(Lienthong.bundleIdOf(dossierCode));
  }

  async update(id: string, expectedVersion: number, bundle: Bundle, outbox: OutboxEntry[]): Promise<boolean> {
    const result = await this.bundles.updateOne(
      { _id: id, version: expectedVersion },
      {
        $set: { bundle, version: expectedVersion + 1, status: bundle.status, ...(outbox.length > 0 ? { pending: true } : {}) },
        ...(outbox.length > 0 ? { $push: { outbox: { $each: outbox } } } : {}),
      },
    );
    return result.modifiedCount === 1;
  }

  async clearOutbox(id: string, version: number): Promise<void> {
    await this.bundles.updateOne({ _id: id, version }, { $set: { outbox: [], pending: false } });
  }

  async withPendingOutbox(): Promise<string[]> {
    const documents = await this.bundles.find({ pending: true }, { projection: { _id: 1 } }).toArray();
    return documents.map((document) => document._id);
  }

  async list(filter: { status?: string; bundleCode?: string; limit: number; after?: string }): Promise<Bundle[]> {
    const query: Record<string, unknown> = {};
    if (filter.status) query.status = filter.status;
    if (filter.bundleCode) query.bundleCode = filter.bundleCode;
    if (filter.after) query._id = { $gt: filter.after };
    const documents = await this.bundles.find(query, { sort: { _id: 1 }, limit: filter.limit }).toArray();
    return documents.map((document) => document.bundle);
  }
}

interface TimerDocument {
  _id: string;
  bundles: string[];
}

const MINUTE = 60_000;
/** Minutes looked up in one query. */
const LOOKUP_BATCH = 500;

/**
 * Durable timers as minute buckets keyed by `_id` ("t:2026-12-02T10:41"), each listing the
 * bundles to look at in that minute, and a checkpoint: every pass reads the buckets from the
 * checkpoint to now by `_id` (indexed everywhere) and moves the checkpoint. A timer survives any
 * restart; a bundle looked at twice decides nothing the second time.
 */
export class MongoTimerStore implements TimerStore {
  private constructor(private readonly timers: Collection<TimerDocument & { at?: string }>) {}

  static async open(db: Db): Promise<MongoTimerStore> {
    return new MongoTimerStore(db.collection("timers"));
  }

  async schedule(bundleId: string, at: string): Promise<void> {
    await this.timers.updateOne({ _id: bucketOf(Date.parse(at)) }, { $addToSet: { bundles: bundleId } }, { upsert: true });
  }

  async due(now: string): Promise<{ bundleIds: string[]; commit(): Promise<void> }> {
    const nowMs = Date.parse(now);
    const checkpoint = await this.timers.findOne({ _id: "checkpoint" });
    // The first pass ever starts a day back (timers are scheduled no earlier than their write).
    const from = checkpoint?.at ? Date.parse(checkpoint.at) : nowMs - 24 * 60 * MINUTE;
    const minutes: string[] = [];
    for (let t = Math.floor(from / MINUTE) * MINUTE; t <= nowMs; t += MINUTE) minutes.push(bucketOf(t));
    const ids = new Set<string>();
    for (let i = 0; i < minutes.length; i += LOOKUP_BATCH) {
      const buckets = await this.timers.find({ _id: { $in: minutes.slice(i, i + LOOKUP_BATCH) } }).toArray();
      for (const bucket of buckets) for (const id of bucket.bundles ?? []) ids.add(id);
    }
    return {
      bundleIds: [...ids],
      // The checkpoint stays in the current minute: a timer scheduled later in it is still seen.
      commit: async () => {
        await this.timers.updateOne({ _id: "checkpoint" }, { $set: { at: new Date(Math.floor(nowMs / MINUTE) * MINUTE).toISOString() } }, { upsert: true });
      },
    };
  }
}

function bucketOf(ms: number): string {
  return `t:${new Date(Math.floor(ms / MINUTE) * MINUTE).toISOString().slice(0, 16)}`;
}
