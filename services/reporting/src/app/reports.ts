import { formatInstant, type WorkingCalendar } from "@onestop/calendar";
import {
  boundsOf,
  DEFAULT_TARGETS,
  dossiersOfPeriod,
  indicators766,
  quarterlyForm,
  restatement,
  tthcForm,
  type CellChange,
  type IndicatorTargets,
  type Indicators766,
  type Period,
  type PeriodDossiers,
  type ProcedureInfo,
  type QuarterlyForm,
  type ReportScope,
  type SectorName,
  type TthcForm,
} from "../domain/index.js";
import type { FactsStore, FrozenReports, LagProbe, TallyReader } from "./ports.js";

/** Every report answer says how fresh it is: when it was computed and how many events were not yet folded in. */
export interface Freshness {
  asOf: string;
  lagEvents: number;
}

export interface ReportDeps {
  store: FactsStore;
  tallies: TallyReader;
  frozen: FrozenReports;
  lag: LagProbe;
  calendar: WorkingCalendar;
  sectors: readonly SectorName[];
  procedures: readonly ProcedureInfo[];
  targets?: IndicatorTargets;
  now?: () => Date;
}

export interface FrozenState {
  frozenAt: string;
  /** Cells that differ from the frozen form; empty when nothing moved. */
  changes: CellChange[];
}

export function frozenKey(period: Period, scope: ReportScope): string {
  return ["tthc", period.from, period.to, scope.level ?? "*", scope.agencyCode ?? "*", scope.sectorCode ?? "*"].join("|");
}

/**
 * The report queries: the period's tally folded into the form. A kept period's tally is read as
 * it stands (kept current by every fold); any other period is computed from its records.
 */
export class ReportQueries {
  constructor(private readonly deps: ReportDeps) {}

  private async periodDossiers(period: Period, scope: ReportScope): Promise<{ input: PeriodDossiers; freshness: Freshness }> {
    // Lag is read before the tallies: a report never claims to be fresher than it is.
    const lagEvents = await this.deps.lag.pendingEvents();
    const asOf = formatInstant(this.deps.now?.() ?? new Date());
    const [kept, awaitingReceipt] = await Promise.all([this.deps.tallies.periodLines(period, scope), this.deps.tallies.awaitingReceipt()]);
    const lines = kept ?? (await this.computedLines(period, scope));
    return { input: { period, scope, lines, awaitingReceipt }, freshness: { asOf, lagEvents } };
  }

  /** A period whose tallies are not kept: every record it may hold is read and classified. */
  private async computedLines(period: Period, scope: ReportScope) {
    const { fromMs, toMs } = boundsOf(period);
    return dossiersOfPeriod(await this.deps.store.candidates(fromMs, toMs, scope), period, scope, this.deps.calendar).lines;
  }

  /** The form now and, when it was frozen (published), every cell that moved since: the restatement. */
  async tthc(period: Period, scope: ReportScope): Promise<Freshness & { report: TthcForm; frozen: FrozenState | null }> {
    const [{ input, freshness }, frozen] = await Promise.all([this.periodDossiers(period, scope), this.deps.frozen.get(frozenKey(period, scope))]);
    const report = tthcForm(input, this.deps.sectors);
    return { ...freshness, report, frozen: frozen ? { frozenAt: frozen.frozenAt, changes: restatement(frozen.report, report) } : null };
  }

  /** Freezes the form as published; a second freeze of the same period and scope keeps the first. */
  async freezeTthc(period: Period, scope: ReportScope): Promise<Freshness & { created: boolean; frozenAt: string; report: TthcForm }> {
    const { input, freshness } = await this.periodDossiers(period, scope);
    const frozen = await this.deps.frozen.freeze(frozenKey(period, scope), tthcForm(input, this.deps.sectors), freshness.asOf);
    return { ...freshness, ...frozen };
  }

  async quarterly(period: Period, scope: ReportScope): Promise<Freshness & { period: Period; scope: ReportScope; report: QuarterlyForm }> {
    const { input, freshness } = await this.periodDossiers(period, scope);
    return { ...freshness, period, scope, report: quarterlyForm(input, this.deps.procedures) };
  }

  async indicators(period: Period, scope: ReportScope): Promise<Freshness & { period: Period; scope: ReportScope; report: Indicators766 }> {
    const { input, freshness } = await this.periodDossiers(period, scope);
    return { ...freshness, period, scope, report: indicators766(input, this.deps.procedures, this.deps.targets ?? DEFAULT_TARGETS) };
  }
}
