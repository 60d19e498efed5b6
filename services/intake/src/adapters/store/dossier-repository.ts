import { MongoServerError, type Collection, type Db } from "mongodb";
import type { Dossier } from "../../domain/dossier.js";
import type { DossierRepository, InsertResult, OutboxEntry, StoredDossier } from "../../app/ports.js";

/**
 * One document per dossier: its facts, a version for optimistic concurrency, and its outbox of
 * events not yet acknowledged by JetStream, so a change and the events announcing it are one
 * single-document write (no multi-document transaction needed).
 *
 * Every lookup on a hot path is by `_id`: FerretDB's SQLite backend pushes down only `_id`
 * equality and scans the collection for any other filter. Hence the small side collections:
 * serial counters, idempotency keys, and outbox markers (a marker is written before the dossier,
 * so a crash between the two leaves at worst a marker with nothing to publish).
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

export interface OutboxMarker {
  _id: string;
  since: Date;
}

const DUPLICATE_KEY = 11000;
const isDuplicate = (error: unknown): error is MongoServerError => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

export class MongoDossierRepository implements DossierRepository {
  private constructor(
    readonly dossiers: Collection<DossierDocument>,
    readonly markers: Collection<OutboxMarker>,
    private readonly serials: Collection<SerialDocument>,
    private readonly keys: Collection<IdempotencyDocument>,
  ) {}

  static async open(db: Db): Promise<MongoDossierRepository> {
    const dossiers = db.collection<DossierDocument>("dossiers");
    // The guard against two concurrent requests with one key, on MongoDB and FerretDB alike.
    await dossiers.createIndex({ idempotencyKey: 1 }, { unique: true, name: "idempotency_key_unique" });
    return new MongoDossierRepository(
      dossiers,
      db.collection<OutboxMarker>("outbox_pending"),
      db.collection<SerialDocument>("dossier_serials"),
      db.collection<IdempotencyDocument>("idempotency_keys"),
    );
  }

  async insert(stored: StoredDossier, outbox: OutboxEntry[]): Promise<InsertResult> {
    const code = stored.dossier.code;
    const key = stored.idempotency?.key ?? `code:${code}`;
    await this.mark(code);
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

  async nextSerial(prefix: string): Promise<number> {
    const counter = await this.serials.findOneAndUpdate({ _id: prefix }, { $inc: { last: 1 } }, { upsert: true, returnDocument: "after" });
    return counter!.last;
  }

  async find(code: string): Promise<StoredDossier | undefined> {
    return toStored(await this.dossiers.findOne({ _id: code }));
  }

  async findByIdempotencyKey(key: string): Promise<StoredDossier | undefined> {
    const owner = await this.keys.findOne({ _id: key });
    return owner ? this.find(owner.code) : undefined;
  }

  async update(code: string, expectedVersion: number, dossier: Dossier, outbox: OutboxEntry[]): Promise<boolean> {
    await this.mark(code);
    const result = await this.dossiers.updateOne(
      { _id: code, version: expectedVersion },
      { $set: { dossier, version: expectedVersion + 1 }, $push: { outbox: { $each: outbox } } },
    );
    return result.modifiedCount === 1;
  }

  /** Says "this dossier may have events to publish"; the relay removes it once they are out. */
  private async mark(code: string): Promise<void> {
    try {
      await this.markers.insertOne({ _id: code, since: new Date() });
    } catch (error) {
      if (!isDuplicate(error)) throw error;
    }
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

function toStored(doc: DossierDocument | null): StoredDossier | undefined {
  if (!doc) return undefined;
  return {
    dossier: doc.dossier,
    version: doc.version,
    receipt: doc.receipt,
    ...(doc.requestHash ? { idempotency: { key: doc.idempotencyKey, requestHash: doc.requestHash } } : {}),
  };
}
