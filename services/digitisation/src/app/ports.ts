import type { Readable } from "node:stream";
import type { DigitisedDocument, DossierDigitisation, Signature } from "../domain/documents.js";

/** An announcement waiting to be published: the subject and the envelope (its id is the dedupe id). */
export interface OutboxEntry {
  subject: string;
  envelope: { id: string } & Record<string, unknown>;
}

/** Where the files live: an S3-compatible object store. */
export interface ObjectStorePort {
  /** Streams `body` to a fresh key (multipart, never whole in memory); resolves with the key once the object is complete. */
  write(body: Readable, mediaType: string): Promise<string>;
  /** Removes an object (a duplicate of stored content, an orphan left by a crash). */
  remove(key: string): Promise<void>;
  read(key: string): Promise<Readable>;
  presignedUrl(key: string, expiresInSeconds: number, fileName: string): Promise<string>;
  /** Aborts multipart uploads begun more than `olderThanMs` ago and never completed. */
  abortUnfinished(olderThanMs: number): Promise<number>;
  /** Complete objects written after key `after` (all when undefined), in order of creation. */
  listAfter(after: string | undefined): AsyncIterable<{ key: string; lastModified: number }>;
  /** When `write` created the key (ms), read from the key itself; undefined for a key it did not make. */
  createdAt(key: string): number | undefined;
}

/**
 * The store's record of which object holds which content (de-duplication by SHA-256), and of
 * every object claimed, so that one no record names (a crash between its upload and its claim)
 * can be found and removed.
 */
export interface ContentRegistry {
  /**
   * Records `key` as holding content `sha256`, unless another object holds it already: then that
   * one's key, and `key` is no longer claimed (the caller removes its object).
   */
  claim(sha256: string, key: string): Promise<{ key: string; duplicate: boolean }>;
  /** Forgets a claim (its object removed as a duplicate). */
  release(key: string): Promise<void>;
  isClaimed(key: string): Promise<boolean>;
  /** The last object key the orphan sweep has checked. */
  sweptUpTo(): Promise<string | undefined>;
  setSweptUpTo(key: string): Promise<void>;
}

/** A stored document with its signature, and the work left after it was registered. */
export interface StoredDocument {
  document: DigitisedDocument;
  signature: Signature;
  /** The object holding the file (absent on documents stored before objects were written once: `sha256/<2>/<hash>`). */
  objectKey?: string;
  /** The dossier's components as intake listed them at the upload: its digitisation's components unless declared otherwise. */
  dossierComponents?: string[];
  /** Announcements not yet acknowledged by the bus. */
  outbox: OutboxEntry[];
  /** The holder's index and the dossier's digitisation are not yet updated. */
  pending: boolean;
}

export interface StoredReuse {
  id: string;
  dossierCode: string;
  agencyCode: string;
  receivingUnitCode?: string;
  componentTypeCode: string;
  documentId: string;
  reusedBy: string;
  reusedAt: string;
  /** The dossier's components as intake listed them (see StoredDocument). */
  dossierComponents?: string[];
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
  addReuser(documentId: string, reuser: { dossierCode: string; agencyCode: string; receivingUnitCode?: string }): Promise<void>;
  /** Marks the document's follow-up work done and its announcements published. */
  settleMany(ids: readonly string[]): Promise<void>;

  insertReuse(reuse: StoredReuse): Promise<"inserted" | "exists">;
  findReuse(id: string): Promise<StoredReuse | undefined>;
  settleReuse(id: string): Promise<void>;

  dossier(code: string): Promise<{ state: DossierDigitisation; version: number; outbox: OutboxEntry[] } | undefined>;
  /** Records a component covered by a document, in one atomic write (creating the dossier's record if need be); the state after. */
  cover(code: string, agencyCode: string, componentTypeCode: string, documentId: string): Promise<{ state: DossierDigitisation; version: number; outbox: OutboxEntry[] }>;
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

/** What digitisation needs of a dossier, as intake (the record of dossiers) knows it. */
export interface DossierFacts {
  code: string;
  /** The deciding agency now (after any transfer): the events' agency, whose processing officers may act. */
  agencyCode: string;
  /** The desk that received it: its desk officers may act. */
  receivingUnitCode: string;
  /** Its components' type codes. */
  components: string[];
}

/** Looks dossiers up at intake. */
export interface DossierDirectory {
  /** The dossier, or undefined when intake has none of that code; throws when intake cannot be asked. */
  find(code: string): Promise<DossierFacts | undefined>;
}
