import { MongoBulkWriteError, MongoServerError, type Collection, type Db } from "mongodb";
import type { DigitisedDocument, DossierDigitisation, Signature } from "../../domain/documents.js";
import type { ContentRegistry, DocumentRepository, OutboxEntry, StoredDocument, StoredReuse } from "../../app/ports.js";

/**
 * The documents' metadata (the files are in the object store), the holders' index (the citizen's
 * document store), reuses and each dossier's digitisation. Every hot lookup is by `_id` (the local
 * store scans for any other filter): a document by its id, a holder's documents in one document
 * keyed by the holder's reference, a dossier by its code. Each write is one document; the follow-up
 * of a registration (holder index, dossier coverage, announcements) is marked `pending` until
 * done, so an instance that crashed in between has it finished by the next sweep (`unsettled`, a scan).
 */
interface DocumentRecord {
  _id: string;
  document: DigitisedDocument;
  signature: Signature;
  objectKey?: string;
  dossierComponents?: string[];
  outbox: OutboxEntry[];
  pending: boolean;
}

interface HolderRecord {
  _id: string;
  documents: string[];
}

interface ReuseRecord extends Omit<StoredReuse, "id"> {
  _id: string;
}

interface DossierRecord {
  _id: string;
  state: DossierDigitisation;
  version: number;
  outbox: OutboxEntry[];
}

const DUPLICATE_KEY = 11000;
const isDuplicate = (error: unknown) =>
  (error instanceof MongoBulkWriteError && error.writeErrors !== undefined && [error.writeErrors].flat().every((e) => e.code === DUPLICATE_KEY)) ||
  (error instanceof MongoServerError && error.code === DUPLICATE_KEY);

export class MongoDocumentRepository implements DocumentRepository {
  private constructor(
    readonly documents: Collection<DocumentRecord>,
    private readonly holders: Collection<HolderRecord>,
    private readonly reuses: Collection<ReuseRecord>,
    private readonly dossiers: Collection<DossierRecord>,
  ) {}

  static open(db: Db): MongoDocumentRepository {
    return new MongoDocumentRepository(
      db.collection<DocumentRecord>("documents"),
      db.collection<HolderRecord>("holders"),
      db.collection<ReuseRecord>("reuses"),
      db.collection<DossierRecord>("dossier_digitisation"),
    );
  }

  async insert(stored: StoredDocument): Promise<"inserted" | "exists"> {
    try {
      await this.documents.insertOne({ _id: stored.document.id, ...stored });
      return "inserted";
    } catch (error) {
      if (isDuplicate(error)) return "exists";
      throw error;
    }
  }

  async find(id: string): Promise<StoredDocument | undefined> {
    const record = await this.documents.findOne({ _id: id });
    return record ? storedOf(record) : undefined;
  }

  async findMany(ids: readonly string[]): Promise<StoredDocument[]> {
    if (ids.length === 0) return [];
    const records = await this.documents.find({ _id: { $in: [...ids] } }).toArray();
    return records.map(storedOf);
  }

  async idsOfHolder(holderRef: string): Promise<string[]> {
    return (await this.holders.findOne({ _id: holderRef }))?.documents ?? [];
  }

  async addToHolder(holderRef: string, documentId: string): Promise<void> {
    await this.holders.updateOne({ _id: holderRef }, { $addToSet: { documents: documentId } }, { upsert: true });
  }

  async addReuser(documentId: string, reuser: { dossierCode: string; agencyCode: string; receivingUnitCode?: string }): Promise<void> {
    await this.documents.updateOne({ _id: documentId }, { $addToSet: { "document.reusedBy": reuser } });
  }

  async settleMany(ids: readonly string[]): Promise<void> {
    await this.documents.updateMany({ _id: { $in: [...ids] } }, { $set: { pending: false, outbox: [] } });
  }

  async insertReuse(reuse: StoredReuse): Promise<"inserted" | "exists"> {
    const { id, ...rest } = reuse;
    try {
      await this.reuses.insertOne({ _id: id, ...rest });
      return "inserted";
    } catch (error) {
      if (isDuplicate(error)) return "exists";
      throw error;
    }
  }

  async findReuse(id: string): Promise<StoredReuse | undefined> {
    const record = await this.reuses.findOne({ _id: id });
    if (!record) return undefined;
    const { _id, ...rest } = record;
    return { id: _id, ...rest };
  }

  async settleReuse(id: string): Promise<void> {
    await this.reuses.updateOne({ _id: id }, { $set: { pending: false, outbox: [] } });
  }

  async dossier(code: string): Promise<{ state: DossierDigitisation; version: number; outbox: OutboxEntry[] } | undefined> {
    const record = await this.dossiers.findOne({ _id: code });
    return record ? { state: stateOf(record.state), version: record.version, outbox: record.outbox ?? [] } : undefined;
  }

  async cover(code: string, agencyCode: string, componentTypeCode: string, documentId: string): Promise<{ state: DossierDigitisation; version: number; outbox: OutboxEntry[] }> {
    for (let attempt = 0; ; attempt++) {
      try {
        const record = await this.dossiers.findOneAndUpdate(
          { _id: code },
          {
            $set: { [`state.covered.${fieldName(componentTypeCode)}`]: documentId },
            $inc: { version: 1 },
            $setOnInsert: { "state.dossierCode": code, "state.agencyCode": agencyCode, "state.announced": false, outbox: [] },
          },
          { upsert: true, returnDocument: "after" },
        );
        if (!record) throw new Error(`dossier ${code}: no document after an upsert`);
        // FerretDB leaves an empty array of $setOnInsert out.
        return { state: stateOf(record.state), version: record.version, outbox: record.outbox ?? [] };
      } catch (error) {
        // Two first coverages at once: the loser's upsert meets the winner's insert; it updates on the retry.
        if (!isDuplicate(error) || attempt >= 3) throw error;
      }
    }
  }

  async saveDossier(state: DossierDigitisation, version: number, outbox: OutboxEntry[]): Promise<boolean> {
    if (version === 0) {
      try {
        await this.dossiers.insertOne({ _id: state.dossierCode, state: recordOf(state), version: 1, outbox });
        return true;
      } catch (error) {
        if (isDuplicate(error)) return false;
        throw error;
      }
    }
    const result = await this.dossiers.updateOne({ _id: state.dossierCode, version }, { $set: { state: recordOf(state), outbox, version: version + 1 } });
    return result.matchedCount === 1;
  }

  async clearDossierOutbox(code: string, ids: readonly string[]): Promise<void> {
    // Only the entries published: one added meanwhile stays (the list is replaced, conditional on the version).
    for (let attempt = 0; attempt < 16; attempt++) {
      const record = await this.dossiers.findOne({ _id: code });
      if (!record) return;
      const left = (record.outbox ?? []).filter((entry) => !ids.includes(entry.envelope.id));
      const result = await this.dossiers.updateOne({ _id: code, version: record.version }, { $set: { outbox: left, version: record.version + 1 } });
      if (result.matchedCount === 1) return;
    }
  }

  async unsettled(): Promise<{ documents: string[]; reuses: string[]; dossiers: string[] }> {
    const ids = async (collection: Collection<DocumentRecord> | Collection<ReuseRecord>) =>
      (await (collection as unknown as Collection<{ _id: string; pending: boolean }>).find({ pending: true }, { projection: { _id: 1 } }).toArray()).map((r) => r._id);
    const dossiers = (await this.dossiers.find({ "outbox.0": { $exists: true } }, { projection: { _id: 1 } }).toArray()).map((r) => r._id);
    return { documents: await ids(this.documents), reuses: await ids(this.reuses), dossiers };
  }

  /** Documents registered (a scan; tests and operators only). */
  count(): Promise<number> {
    return this.documents.countDocuments();
  }
}

/** A component type code as a field name: codes may hold dots, which a field path would split. */
const fieldName = (code: string) => code.replaceAll(".", "\uff0e");
const codeOf = (field: string) => field.replaceAll("\uff0e", ".");

function recordOf(state: DossierDigitisation): DossierDigitisation {
  return { ...state, covered: Object.fromEntries(Object.entries(state.covered).map(([code, id]) => [fieldName(code), id])) };
}

function stateOf(record: DossierDigitisation): DossierDigitisation {
  return { ...record, covered: Object.fromEntries(Object.entries(record.covered ?? {}).map(([field, id]) => [codeOf(field), id])) };
}

function storedOf(record: DocumentRecord): StoredDocument {
  return {
    document: record.document,
    signature: record.signature,
    ...(record.objectKey ? { objectKey: record.objectKey } : {}),
    ...(record.dossierComponents ? { dossierComponents: record.dossierComponents } : {}),
    outbox: record.outbox,
    pending: record.pending,
  };
}

/**
 * One collection, `contents`, by `_id` only: per content its object (`_id` the SHA-256 hex), per
 * object its content (`_id` the object key, "objects/…"), and the orphan sweep's position.
 */
type ContentRecord = { _id: string; key: string } | { _id: string; sha256: string } | { _id: typeof SWEEP_ID; upTo: string };
const SWEEP_ID = "orphan-sweep";

export class MongoContentRegistry implements ContentRegistry {
  private constructor(private readonly contents: Collection<ContentRecord>) {}

  static open(db: Db): MongoContentRegistry {
    return new MongoContentRegistry(db.collection<ContentRecord>("contents"));
  }

  async claim(sha256: string, key: string): Promise<{ key: string; duplicate: boolean }> {
    try {
      // In this order: a crash between the two leaves a claimed object no content names (kept, never
      // reused), never a content whose object the sweep would take for an orphan.
      await this.contents.insertMany(
        [
          { _id: key, sha256 },
          { _id: sha256, key },
        ],
        { ordered: true },
      );
      return { key, duplicate: false };
    } catch (error) {
      if (!isDuplicate(error)) throw error;
      const holder = (await this.contents.findOne({ _id: sha256 })) as { key?: string } | null;
      if (!holder?.key) throw error;
      return { key: holder.key, duplicate: true };
    }
  }

  async release(key: string): Promise<void> {
    await this.contents.deleteOne({ _id: key });
  }

  async isClaimed(key: string): Promise<boolean> {
    return (await this.contents.findOne({ _id: key }, { projection: { _id: 1 } })) !== null;
  }

  async sweptUpTo(): Promise<string | undefined> {
    const record = (await this.contents.findOne({ _id: SWEEP_ID })) as { upTo?: string } | null;
    return record?.upTo;
  }

  async setSweptUpTo(key: string): Promise<void> {
    await this.contents.updateOne({ _id: SWEEP_ID }, { $set: { upTo: key } }, { upsert: true });
  }
}
