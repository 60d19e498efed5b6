import { MongoServerError, type Collection, type Db } from "mongodb";
import type { Dossier } from "../../domain/dossier.js";
import type { DossierRepository, InsertResult, OutboxEntry, StoredDossier } from "../../app/ports.js";

/**
 * One document per dossier: its facts, a version for optimistic concurrency, and its outbox of
 * events not yet acknowledged by JetStream. The dossier and the events announcing its change are
 * therefore written in one single-document write (no multi-document transaction needed).
 */
export interface DossierDocument extends Omit<StoredDossier, "idempotency"> {
  _id: string;
  /** The Idempotency-Key, or "code:<code>" when none was given: unique either way (no partial index needed). */
  idempotencyKey: string;
  requestHash?: string;
  outbox: OutboxEntry[];
  /** outbox.length, indexed, so the relay finds pending dossiers without scanning. */
  pendingEvents: number;
}

const DUPLICATE_KEY = 11000;

export class MongoDossierRepository implements DossierRepository {
  private constructor(readonly collection: Collection<DossierDocument>) {}

  static async open(db: Db): Promise<MongoDossierRepository> {
    const collection = db.collection<DossierDocument>("dossiers");
    await collection.createIndex({ idempotencyKey: 1 }, { unique: true, name: "idempotency_key_unique" });
    await collection.createIndex({ pendingEvents: 1 }, { name: "pending_events" });
    return new MongoDossierRepository(collection);
  }

  async insert(stored: StoredDossier, outbox: OutboxEntry[]): Promise<InsertResult> {
    const code = stored.dossier.code;
    try {
      await this.collection.insertOne({
        _id: code,
        dossier: stored.dossier,
        version: stored.version,
        receipt: stored.receipt,
        idempotencyKey: stored.idempotency?.key ?? `code:${code}`,
        ...(stored.idempotency ? { requestHash: stored.idempotency.requestHash } : {}),
        outbox,
        pendingEvents: outbox.length,
      });
      return "inserted";
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
      return /idempotency/.test(error.message) || error.keyPattern?.idempotencyKey ? "key-taken" : "code-taken";
    }
  }

  async lastCode(prefix: string): Promise<string | undefined> {
    const last = await this.collection
      .find({ _id: { $gte: `${prefix}-0000`, $lte: `${prefix}-9999` } }, { projection: { _id: 1 } })
      .sort({ _id: -1 })
      .limit(1)
      .next();
    return last?._id;
  }

  async find(code: string): Promise<StoredDossier | undefined> {
    return toStored(await this.collection.findOne({ _id: code }));
  }

  async findByIdempotencyKey(key: string): Promise<StoredDossier | undefined> {
    return toStored(await this.collection.findOne({ idempotencyKey: key }));
  }

  async update(code: string, expectedVersion: number, dossier: Dossier, outbox: OutboxEntry[]): Promise<boolean> {
    const result = await this.collection.updateOne(
      { _id: code, version: expectedVersion },
      { $set: { dossier, version: expectedVersion + 1 }, $push: { outbox: { $each: outbox } }, $inc: { pendingEvents: outbox.length } },
    );
    return result.modifiedCount === 1;
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
