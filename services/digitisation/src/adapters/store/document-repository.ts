import { MongoServerError, type Collection, type Db } from "mongodb";
import type { DigitisedDocument, DossierDigitisation, Signature } from "../../domain/documents.js";
import type { DocumentRepository, OutboxEntry, StoredDocument, StoredReuse } from "../../app/ports.js";

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
const isDuplicate = (error: unknown) => error instanceof MongoServerError && error.code === DUPLICATE_KEY;

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

  async addReuser(documentId: string, reuser: { dossierCode: string; agencyCode: string }): Promise<void> {
    await this.documents.updateOne({ _id: documentId }, { $addToSet: { "document.reusedBy": reuser } });
  }

  async settle(id: string): Promise<void> {
    await this.documents.updateOne({ _id: id }, { $set: { pending: false, outbox: [] } });
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
    return record ? { state: record.state, version: record.version, outbox: record.outbox } : undefined;
  }

  async saveDossier(state: DossierDigitisation, version: number, outbox: OutboxEntry[]): Promise<boolean> {
    if (version === 0) {
      try {
        await this.dossiers.insertOne({ _id: state.dossierCode, state, version: 1, outbox });
        return true;
      } catch (error) {
        if (isDuplicate(error)) return false;
        throw error;
      }
    }
    const result = await this.dossiers.updateOne({ _id: state.dossierCode, version }, { $set: { state, outbox, version: version + 1 } });
    return result.matchedCount === 1;
  }

  async clearDossierOutbox(code: string, ids: readonly string[]): Promise<void> {
    // Only the entries published: one added meanwhile stays (the list is replaced, conditional on the version).
    for (let attempt = 0; attempt < 16; attempt++) {
      const record = await this.dossiers.findOne({ _id: code });
      if (!record) return;
      const left = record.outbox.filter((entry) => !ids.includes(entry.envelope.id));
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

function storedOf(record: DocumentRecord): StoredDocument {
  return { document: record.document, signature: record.signature, outbox: record.outbox, pending: record.pending };
}
