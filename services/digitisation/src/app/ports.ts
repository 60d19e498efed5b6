import type { Readable } from "node:stream";
import type { DigitisedDocument, DossierDigitisation, Signature } from "../domain/documents.js";

/** An announcement waiting to be published: the subject and the envelope (its id is the dedupe id). */
export interface OutboxEntry {
  subject: string;
  envelope: { id: string } & Record<string, unknown>;
}

/** Where the files live: an S3-compatible object store. */
export interface ObjectStorePort {
  /** Streams `body` to a fresh temporary key (multipart, never whole in memory); resolves once the object is complete. */
  writeIncoming(body: Readable): Promise<string>;
  /** Moves a complete temporary object under its content key, typed, unless one is there already (same hash: de-duplicated). */
  promote(incomingKey: string, contentKey: string, mediaType: string): Promise<"stored" | "duplicate">;
  /** Removes a temporary object (a refused or failed upload). */
  discard(incomingKey: string): Promise<void>;
  read(key: string): Promise<Readable>;
  presignedUrl(key: string, expiresInSeconds: number, fileName: string): Promise<string>;
}

/** A stored document with its signature, and the work left after it was registered. */
export interface StoredDocument {
  document: DigitisedDocument;
  signature: Signature;
  /** Announcements not yet acknowledged by the bus. */
  outbox: OutboxEntry[];
  /** The holder's index and the dossier's digitisation are not yet updated. */
  pending: boolean;
}

export interface StoredReuse {
  id: string;
  dossierCode: string;
  agencyCode: string;
  componentTypeCode: string;
  documentId: string;
  reusedBy: string;
  reusedAt: string;
  outbox: OutboxEntry[];
  pending: boolean;
}

export interface DocumentRepository {
  /** Inserts under the document's id; "exists" when a document with that id is already stored (nothing written). */
  insert(stored: StoredDocument): Promise<"inserted" | "exists">;
  find(id: string): Promise<StoredDocument | undefined>;
  findMany(ids: readonly string[]): Promise<StoredDocument[]>;
  /** Documents of a holder (by reference), from the holder's index. */
  idsOfHolder(holderRef: string): Promise<string[]>;
  addToHolder(holderRef: string, documentId: string): Promise<void>;
  addReuser(documentId: string, reuser: { dossierCode: string; agencyCode: string }): Promise<void>;
  /** Marks the document's follow-up work done and its announcements published. */
  settle(id: string): Promise<void>;

  insertReuse(reuse: StoredReuse): Promise<"inserted" | "exists">;
  findReuse(id: string): Promise<StoredReuse | undefined>;
  settleReuse(id: string): Promise<void>;

  dossier(code: string): Promise<{ state: DossierDigitisation; version: number; outbox: OutboxEntry[] } | undefined>;
  /** Writes the dossier's state conditional on `version` (0: not stored yet); false when another writer won. */
  saveDossier(state: DossierDigitisation, version: number, outbox: OutboxEntry[]): Promise<boolean>;
  clearDossierOutbox(code: string, ids: readonly string[]): Promise<void>;

  /** Records whose follow-up work a crashed instance left (a scan: rare work). */
  unsettled(): Promise<{ documents: string[]; reuses: string[]; dossiers: string[] }>;
}

/** Detached signatures over a document's hash and metadata; pluggable (government signatures use PKI). */
export interface Signer {
  readonly algorithm: string;
  readonly keyId: string;
  /** Base64 signature of `payload`. */
  sign(payload: Buffer): Promise<string>;
  /** Whether `signature` (base64) is this signer's over `payload` under key `keyId`. */
  verify(payload: Buffer, signature: string, keyId: string): Promise<boolean>;
}

export interface Publisher {
  publish(entry: OutboxEntry): Promise<void>;
}
