import { MongoServerError, type Collection, type Db } from "mongodb";
import type { Dossier } from "../../domain/dossier.js";
import type { DossierRepository, InsertResult, OutboxEntry, StoredDossier } from "../../app/ports.js";

/**
 * One document per dossier: its facts, a version for optimistic concurrency, and its outbox of
 * events not yet acknowledged by JetStream, so a change and the events announcing it are one
 * single-document write (no multi-document transaction needed).
 *
 * Every lookup on a hot path is by `_id`: the local store (FerretDB) scans the collection for a
 * filter on any other field. Hence the side collection of idempotency keys, keyed by `_id`
 * (`findOne({ idempotencyKey })` would scan), and the serial counters, one document per desk and
 * day. Dossiers with a pending outbox are found by a scan (`dossiersWithPendingEvents`), which
 * the relay runs only at start-up and then rarely.
 */
export interface DossierDocument extends Omit<StoredDossier, "idempotency"> {
  _id: string;
  /** The Idempotency-Key, or "code:<code>" when none was given: unique either way (no partial index needed). */
  idempotencyKey: string;
  requestHash?: string;
  outbox: OutboxEntry[];
}

interface SerialDocument {
  _id: string;
  last: number;
}

interface IdempotencyDocument {
  _id: string;
  code: string;
}

const DUPLICATE_KEY = 11000;
const isDuplicate = (error: unknown): error is MongoServerError => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

const SERIAL_BLOCK = 10;

export class MongoDossierRepository implements DossierRepository {
  private readonly serialBlocks = new Map<string, { next: number; last: number }>();
  private readonly reserving = new Map<string, Promise<void>>();

  private constructor(
    readonly dossiers: Collection<DossierDocument>,
    private readonly serials: Collection<SerialDocument>,
    private readonly keys: Collection<IdempotencyDocument>,
  ) {}

  static async open(db: Db): Promise<MongoDossierRepository> {
    const dossiers = db.collection<DossierDocument>("dossiers");
    // The guard against two concurrent requests with one key, on MongoDB and FerretDB alike.
    await dossiers.createIndex({ idempotencyKey: 1 }, { unique: true, name: "idempotency_key_unique" });
    return new MongoDossierRepository(dossiers, db.collection<SerialDocument>("dossier_serials"), db.collection<IdempotencyDocument>("idempotency_keys"));
  }

  async insert(stored: StoredDossier, outbox: OutboxEntry[]): Promise<InsertResult> {
    const code = stored.dossier.code;
    const key = stored.idempotency?.key ?? `code:${code}`;
    try {
      await this.dossiers.insertOne({
        _id: code,
        dossier: stored.dossier,
        version: stored.version,
        receipt: stored.receipt,
        idempotencyKey: key,
        ...(stored.idempotency ? { requestHash: stored.idempotency.requestHash } : {}),
        outbox,
      });
    } catch (error) {
      if (!isDuplicate(error)) throw error;
      if (!(/idempotency/.test(error.message) || error.keyPattern?.idempotencyKey)) return "code-taken";
      await this.recordKeyOwner(key);
      return "key-taken";
    }
    if (stored.idempotency) await this.insertKey(key, code);
    return "inserted";
  }

  /**
   * Serials are reserved SERIAL_BLOCK at a time, so most dossiers cost no counter write; a restart
   * leaves a gap in a day's serials, never a duplicate (the counter's `$inc` is atomic). Concurrent
   * callers share one reservation per prefix, so a block is used up before the next is reserved.
   */
  async nextSerial(prefix: string): Promise<number> {
    for (;;) {
      const block = this.serialBlocks.get(prefix);
      if (block && block.next <= block.last) return block.next++;
      let reserving = this.reserving.get(prefix);
      if (!reserving) {
        reserving = this.reserveBlock(prefix).finally(() => this.reserving.delete(prefix));
        this.reserving.set(prefix, reserving);
      }
      await reserving;
    }
  }

  private async reserveBlock(prefix: string): Promise<void> {
    const reserve = () => this.serials.findOneAndUpdate({ _id: prefix }, { $inc: { last: SERIAL_BLOCK } }, { upsert: true, returnDocument: "after" });
    let counter;
    try {
      counter = await reserve();
    } catch (error) {
      // Another instance created the day's counter at the same moment: it exists now, so this is an update.
      if (!isDuplicate(error)) throw error;
      counter = await reserve();
    }
    this.serialBlocks.set(prefix, { next: counter!.last - SERIAL_BLOCK + 1, last: counter!.last });
  }

  async find(code: string): Promise<StoredDossier | undefined> {
    return toStored(await this.dossiers.findOne({ _id: code }));
  }

  async findByIdempotencyKey(key: string): Promise<StoredDossier | undefined> {
    const owner = await this.keys.findOne({ _id: key });
    return owner ? this.find(owner.code) : undefined;
  }

  async update(code: string, expectedVersion: number, dossier: Dossier, outbox: OutboxEntry[]): Promise<boolean> {
    const result = await this.dossiers.updateOne({ _id: code, version: expectedVersion }, { $set: { dossier, version: expectedVersion + 1 }, $push: { outbox: { $each: outbox } } });
    return result.modifiedCount === 1;
  }

  private async insertKey(key: string, code: string): Promise<void> {
    try {
      await this.keys.insertOne({ _id: key, code });
    } catch (error) {
      if (!isDuplicate(error)) throw error;
    }
  }

  /** The rare path (a race, or a crash before the key was recorded): find the key's dossier by scanning, once. */
  private async recordKeyOwner(key: string): Promise<void> {
    const owner = await this.dossiers.findOne({ idempotencyKey: key }, { projection: { _id: 1 } });
    if (owner) await this.insertKey(key, owner._id);
  }
}

/**
 * Codes of the dossiers whose outbox still holds events. A filter on a field other than `_id`:
 * the local store scans and decodes the whole collection (≈ 0,4 ms per dossier), so the relay
 * runs it at start-up and then rarely; only `_id` is returned.
 */
export async function dossiersWithPendingEvents(dossiers: Collection<DossierDocument>): Promise<string[]> {
  const pending = await dossiers.find({ "outbox.0": { $exists: true } }, { projection: { _id: 1 } }).toArray();
  return pending.map((doc) => doc._id);
}

function toStored(doc: DossierDocument | null): StoredDossier | undefined {
  if (!doc) return undefined;
  return {
    dossier: doc.dossier,
    version: doc.version,
    receipt: doc.receipt,
    ...(doc.requestHash ? { idempotency: { key: doc.idempotencyKey, requestHash: doc.requestHash } } : {}),
  };
}
