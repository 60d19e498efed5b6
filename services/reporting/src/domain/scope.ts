/** Which dossiers a report covers, by the receipt's deciding agency, level and sector. */
import type { WorkingCalendar } from "@onestop/calendar";
import { isComplete, type DossierFacts, type Level, type Receipt } from "./facts.js";
import { classifyForPeriod, type PeriodClassification } from "./classify.js";
import type { Period } from "./period.js";

export interface ReportScope {
  level?: Level;
  agencyCode?: string;
  sectorCode?: string;
}

export function inScope(receipt: Receipt, scope: ReportScope): boolean {
  return (
    (scope.level === undefined || receipt.level === scope.level) &&
    (scope.agencyCode === undefined || receipt.agencyCode === scope.agencyCode) &&
    (scope.sectorCode === undefined || receipt.sectorCode === scope.sectorCode)
  );
}

export interface PeriodDossiers {
  period: Period;
  scope: ReportScope;
  dossiers: PeriodClassification[];
  /** Records still waiting for their receipt (a later event arrived first): not counted anywhere. */
  awaitingReceipt: number;
}

/** Classifies every dossier of the scope for the period: the one pass all reports are folded from. */
export function dossiersOfPeriod(
  all: Iterable<DossierFacts>,
  period: Period,
  scope: ReportScope,
  calendar: WorkingCalendar,
): PeriodDossiers {
  const dossiers: PeriodClassification[] = [];
  let awaitingReceipt = 0;
  for (const facts of all) {
    if (!isComplete(facts)) {
      awaitingReceipt += 1;
      continue;
    }
    if (!inScope(facts.receipt, scope)) continue;
    const classification = classifyForPeriod(facts, period, calendar);
    if (classification) dossiers.push(classification);
  }
  return { period, scope, dossiers, awaitingReceipt };
}
