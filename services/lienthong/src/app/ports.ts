import type { Bundle } from "../domain/bundle.js";

/** What a write announces, kept inside the bundle's document until it is out (the outbox). */
export type OutboxEntry =
  /** An event for the LIENTHONG stream. */
  | { kind: "event"; id: string; subject: string; envelope: Record<string, unknown> }
  /** The finished bundle's dossier resolved at intake, with one result per step. */
  | { kind: "intake"; id: string; dossierCode: string; outcome: "APPROVED" | "REFUSED"; at: string; reason?: string; results: StepResultForIntake[] };

export interface StepResultForIntake {
  stepCode: string;
  procedureCode: string;
  agencyCode: string;
  completedAt: string;
  resultNumber?: string;
  /** PERSONAL DATA (the child's personal identification number…). */
  outputs: Record<string, string>;
}

export interface StoredBundle {
  bundle: Bundle;
  version: number;
  outbox: OutboxEntry[];
}

export interface BundleRepository {
  /** Inserts a new bundle with its outbox; false when a bundle with this id exists (started already). */
  insert(bundle: Bundle, outbox: OutboxEntry[]): Promise<boolean>;
  find(id: string): Promise<StoredBundle | undefined>;
  findByDossier(dossierCode: string): Promise<StoredBundle | undefined>;
  /** Replaces the bundle and appends to its outbox if the version is still `expectedVersion`. */
  update(id: string, expectedVersion: number, bundle: Bundle, outbox: OutboxEntry[]): Promise<boolean>;
  /** Empties the outbox of `version` once it is out (a later write keeps its own entries). */
  clearOutbox(id: string, version: number): Promise<void>;
  /** Bundles whose outbox is not out yet (a scan: start-up and a slow sweep only). */
  withPendingOutbox(): Promise<string[]>;
  /** Bundles on the operators' list: refused or timed-out steps. */
  list(filter: { status?: string; bundleCode?: string; limit: number; after?: string }): Promise<Bundle[]>;
}

/** Durable timers: bundles to look at again at a given minute. */
export interface TimerStore {
  schedule(bundleId: string, at: string): Promise<void>;
  /** Bundle ids whose timers fall in (checkpoint, now]; then moves the checkpoint to now. */
  due(now: string): Promise<{ bundleIds: string[]; commit(): Promise<void> }>;
}

/** Intake's side: a finished bundle's dossier is resolved with its steps' results. */
export interface IntakePort {
  resolve(entry: Extract<OutboxEntry, { kind: "intake" }>): Promise<void>;
}

/** Publishes what a write announced; the relay's sweep catches anything missed. */
export interface OutboxKick {
  kick(bundleId: string): void;
}
