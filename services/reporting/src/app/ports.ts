import type { DossierFacts, FactEvent, ReportScope, TthcForm } from "../domain/index.js";

/** Per-dossier facts, one record per dossier. */
export interface FactsStore {
  /** Folds one event into its dossier's record; true when it changed the record. */
  apply(dossierCode: string, event: FactEvent): Promise<boolean>;
  /** Complete records of the scope received by `toMs` and not finished before `fromMs`. */
  candidates(fromMs: number, toMs: number, scope: ReportScope): Promise<DossierFacts[]>;
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
