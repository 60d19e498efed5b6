import type { EventEnvelope } from "@onestop/bus";
import type { Dossier } from "../domain/dossier.js";
import type { DossierEvent } from "../domain/events.js";

/** An event waiting in the dossier document to be published (the outbox). */
export interface OutboxEntry {
  subject: string;
  envelope: EventEnvelope;
}

/** What the client got when the dossier was created: answered again to a replayed request. */
export interface Receipt {
  code: string;
  status: "PROCESSING";
  procedureCode: string;
  agencyCode: string;
  receivedAt: string;
  dueAt: string;
}

export interface StoredDossier {
  dossier: Dossier;
  version: number;
  receipt: Receipt;
  idempotency?: { key: string; requestHash: string };
}

export type InsertResult = "inserted" | "code-taken" | "key-taken";

export interface DossierRepository {
  /** Inserts a new dossier with its outbox; duplicates are reported, never overwritten. */
  insert(stored: StoredDossier, outbox: OutboxEntry[]): Promise<InsertResult>;
  /** The next serial number of `prefix` (`<unit>-YYMMDD`): 1, 2, …; distinct even for concurrent calls. */
  nextSerial(prefix: string): Promise<number>;
  find(code: string): Promise<StoredDossier | undefined>;
  findByIdempotencyKey(key: string): Promise<StoredDossier | undefined>;
  /** Replaces the dossier and appends to its outbox if the version is still `expectedVersion`; false otherwise. */
  update(code: string, expectedVersion: number, dossier: Dossier, outbox: OutboxEntry[]): Promise<boolean>;
}

/** Turns an accepted event into what goes on the bus. */
export type ToOutboxEntry = (event: DossierEvent, after: Dossier) => OutboxEntry | OutboxEntry[];

/** A write of a dossier: the version it made and the outbox entries it appended, in order. */
export interface OutboxWrite {
  version: number;
  entries: readonly OutboxEntry[];
}

/**
 * Publishes a dossier's pending outbox soon; the relay's sweep catches anything missed. With the
 * write that was just made, the relay may publish its entries without reading the dossier back.
 */
export interface OutboxKick {
  kick(code: string, written?: OutboxWrite): void;
}
