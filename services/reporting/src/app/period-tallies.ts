/**
 * A period's tally, served from stored per-agency tallies and recomputed from the facts only for
 * the agencies whose dossiers changed since (see ChangeCounters). A stored tally is exact when
 * its stamp, the sum of its agency's change counters up to the period's last month, is still the
 * current sum: every fold counts after its write, and the counters are read before the facts, so
 * a tally computed without a write carries a stamp that the write's count makes stale.
 */
import type { WorkingCalendar } from "@onestop/calendar";
import { boundsOf, inScope, Tally, tallyOfPeriod, type Period, type PeriodDossiers, type ReportScope, type TallyLine } from "../domain/index.js";
import type { AgencyChanges, FactsStore, StoredTally, TallyStore } from "./ports.js";

export interface TallyRefresh {
  agencies: number;
  /** Agencies whose stored tally was missing or stale, recomputed from the facts. */
  recomputed: number;
}

function stampOf(changes: AgencyChanges, lastMonth: string): number {
  let stamp = 0;
  for (const [month, count] of Object.entries(changes.months)) if (month <= lastMonth) stamp += count;
  return stamp;
}

const periodKey = (period: Period) => `${period.from}|${period.to}`;

export class PeriodTallies {
  constructor(
    private readonly facts: FactsStore,
    private readonly tallies: TallyStore,
    private readonly calendar: WorkingCalendar,
  ) {}

  async periodDossiers(period: Period, scope: ReportScope): Promise<{ input: PeriodDossiers; refresh: TallyRefresh }> {
    const counters = await this.tallies.changeCounters();
    const agencies = counters.agencies.filter((a) => (!scope.level || a.levels.includes(scope.level)) && (!scope.agencyCode || a.agencyCode === scope.agencyCode));
    const [{ lines, refresh }, awaitingReceipt] = await Promise.all([this.linesOf(period, scope, agencies), this.awaitingReceipt(counters.awaitingReceipt)]);
    return { input: { period, scope, lines, awaitingReceipt }, refresh };
  }

  private async linesOf(period: Period, scope: ReportScope, agencies: readonly AgencyChanges[]): Promise<{ lines: TallyLine[]; refresh: TallyRefresh }> {
    const lastMonth = period.to.slice(0, 7);
    const stamps = new Map(agencies.map((changes) => [changes.agencyCode, stampOf(changes, lastMonth)]));
    const stored = await this.tallies.readPeriod(periodKey(period));
    const stale = agencies.map((a) => a.agencyCode).filter((code) => stored.get(code)?.stamp !== stamps.get(code));
    if (stale.length > 0) {
      for (const [code, tally] of await this.recompute(period, stale, stamps)) stored.set(code, tally);
      await this.tallies.writePeriod(periodKey(period), stored);
    }
    const merged = new Tally();
    for (const { agencyCode } of agencies) merged.addLines(stored.get(agencyCode)!.lines.filter((line) => inScope(line, scope)));
    return { lines: merged.lines(), refresh: { agencies: agencies.length, recomputed: stale.length } };
  }

  private async recompute(period: Period, agencyCodes: readonly string[], stamps: ReadonlyMap<string, number>): Promise<Map<string, StoredTally>> {
    const { fromMs, toMs } = boundsOf(period);
    const records = await this.facts.candidates(fromMs, toMs, {}, agencyCodes);
    const byAgency = new Map(agencyCodes.map((code) => [code, new Tally()]));
    for (const line of tallyOfPeriod(records, period, {}, this.calendar).tally.lines()) {
      const { count, ...key } = line;
      byAgency.get(line.agencyCode)?.add(key, count);
    }
    return new Map([...byAgency].map(([code, tally]) => [code, { stamp: stamps.get(code)!, lines: tally.lines() }]));
  }

  private async awaitingReceipt(stamp: number): Promise<number> {
    const stored = await this.tallies.readAwaitingReceipt();
    if (stored?.stamp === stamp) return stored.count;
    const count = await this.facts.awaitingReceipt();
    await this.tallies.writeAwaitingReceipt({ stamp, count });
    return count;
  }
}
