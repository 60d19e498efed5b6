/**
 * Which dossiers a report covers: by the deciding agency the period credits (the receipt's, or a
 * transfer's destination: see classify.ts), and by the receipt's level and sector.
 */
import type { WorkingCalendar } from "@onestop/calendar";
import { isComplete, type DossierFacts, type Level, type Receipt } from "./facts.js";
import { classifyForPeriod } from "./classify.js";
import { agenciesOf } from "./timeline.js";
import type { Period } from "./period.js";
import { Tally, tallyKeyOf, type TallyLine } from "./tally.js";

export interface ReportScope {
  level?: Level;
  agencyCode?: string;
  sectorCode?: string;
}

export function inScope(dossier: { level: Level; agencyCode: string; sectorCode: string }, scope: ReportScope): boolean {
  return (
    (scope.level === undefined || dossier.level === scope.level) &&
    (scope.agencyCode === undefined || dossier.agencyCode === scope.agencyCode) &&
    (scope.sectorCode === undefined || dossier.sectorCode === scope.sectorCode)
  );
}

/** A period's dossiers of a scope, tallied: what every report is folded from. */
export interface PeriodDossiers {
  period: Period;
  scope: ReportScope;
  lines: TallyLine[];
  /** Records still waiting for their receipt (a later event arrived first): not counted anywhere. */
  awaitingReceipt: number;
}

/** The receipt's level and sector are the scope's, and the scope's agency, if any, decided the dossier at some time. */
function mayBeInScope(facts: DossierFacts & { receipt: Receipt }, scope: ReportScope): boolean {
  const { level, sectorCode } = facts.receipt;
  return (
    (scope.level === undefined || level === scope.level) &&
    (scope.sectorCode === undefined || sectorCode === scope.sectorCode) &&
    (scope.agencyCode === undefined || agenciesOf(facts).includes(scope.agencyCode))
  );
}

/** Classifies every dossier of the scope for the period and tallies the classifications. */
export function tallyOfPeriod(all: Iterable<DossierFacts>, period: Period, scope: ReportScope, calendar: WorkingCalendar): { tally: Tally; awaitingReceipt: number } {
  const tally = new Tally();
  let awaitingReceipt = 0;
  for (const facts of all) {
    if (!isComplete(facts)) {
      awaitingReceipt += 1;
      continue;
    }
    if (!mayBeInScope(facts, scope)) continue;
    const classification = classifyForPeriod(facts, period, calendar);
    if (classification && (scope.agencyCode === undefined || classification.agencyCode === scope.agencyCode)) tally.add(tallyKeyOf(classification));
  }
  return { tally, awaitingReceipt };
}

export function dossiersOfPeriod(all: Iterable<DossierFacts>, period: Period, scope: ReportScope, calendar: WorkingCalendar): PeriodDossiers {
  const { tally, awaitingReceipt } = tallyOfPeriod(all, period, scope, calendar);
  return { period, scope, lines: tally.lines(), awaitingReceipt };
}
