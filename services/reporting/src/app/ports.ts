import type { DossierFacts, FactEvent, Level, ReportScope, TallyLine, TthcForm } from "../domain/index.js";

/** An event for one dossier's record. */
export interface DossierEvent {
  dossierCode: string;
  event: FactEvent;
}

/** Per-dossier facts, one record per dossier. */
export interface FactsStore {
  /** Folds one event into its dossier's record; true when it changed the record. */
  apply(dossierCode: string, event: FactEvent): Promise<boolean>;
  /** Folds a batch of events, each into its dossier's record; the same records as applying them one by one. */
  applyBatch(events: readonly DossierEvent[]): Promise<void>;
  /**
   * Complete records of the scope received by `toMs` and not finished before `fromMs`; with
   * `agencyCodes` (or the scope's agency), only those that one of these agencies decided at some
   * time (the receipt's agency or a transfer's destination).
   */
  candidates(fromMs: number, toMs: number, scope: ReportScope, agencyCodes?: readonly string[]): Promise<DossierFacts[]>;
  /** Records still waiting for their receipt. */
  awaitingReceipt(): Promise<number>;
}

/** How far the projection is behind the stream. */
export interface LagProbe {
  pendingEvents(): Promise<number>;
}

/** Published (frozen) forms, one per period and scope. */
export interface FrozenReports {
  /** Stores the form unless one is already frozen under `key`; returns the one that is frozen. */
  freeze(key: string, report: TthcForm, frozenAt: string): Promise<{ created: boolean; frozenAt: string; report: TthcForm }>;
  get(key: string): Promise<{ frozenAt: string; report: TthcForm } | undefined>;
}

/** Per agency, the change counters by month ("YYYY-MM") of the business time changed. */
export interface AgencyChanges {
  agencyCode: string;
  /** The levels of the dossiers it decided (its own, and a transferred dossier's receipt level). */
  levels: Level[];
  months: Record<string, number>;
}

/** A period's tally of one agency, with the change count it was computed at. */
export interface StoredTally {
  stamp: number;
  lines: TallyLine[];
}

/** Stored per-period tallies and the change counters that tell when one is stale. */
export interface TallyStore {
  /** Every agency's change counters, and the changes of records waiting for their receipt. */
  changeCounters(): Promise<{ agencies: AgencyChanges[]; awaitingReceipt: number }>;
  /** The period's stored tallies, by agency code. */
  readPeriod(periodKey: string): Promise<Map<string, StoredTally>>;
  /** Replaces the period's stored tallies. */
  writePeriod(periodKey: string, tallies: ReadonlyMap<string, StoredTally>): Promise<void>;
  readAwaitingReceipt(): Promise<{ stamp: number; count: number } | undefined>;
  writeAwaitingReceipt(value: { stamp: number; count: number }): Promise<void>;
}
