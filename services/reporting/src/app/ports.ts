import type { DossierFacts, FactEvent, Period, ReportScope, TallyLine, TthcForm } from "../domain/index.js";

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
   * Complete records of the scope received by `toMs` and not finished before `fromMs` (with the
   * scope's agency: those it decided at some time, the receipt's agency or a transfer's destination).
   */
  candidates(fromMs: number, toMs: number, scope: ReportScope): Promise<DossierFacts[]>;
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

/** The kept tallies (see tally-contributions.ts), as the reports read them. */
export interface TallyReader {
  /** The period's lines in the scope when its tallies are kept; undefined for any other period. */
  periodLines(period: Period, scope: ReportScope): Promise<TallyLine[] | undefined>;
  /** Records still waiting for their receipt. */
  awaitingReceipt(): Promise<number>;
}
