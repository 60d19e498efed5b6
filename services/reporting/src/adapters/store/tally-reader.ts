/**
 * Reads a kept period's lines: per agency of the scope, its tally of the period and its carry of
 * the period's series (tally-contributions.ts), all in one `_id: {$in}` query of the active
 * collection's tallies. No record is read.
 */
import {
  AWAITING_RECEIPT,
  carryTallyId,
  decodeLine,
  inScope,
  keptPeriod,
  periodLinesOf,
  periodTallyId,
  Tally,
  type Period,
  type PeriodSeries,
  type ReportScope,
  type TallyLine,
} from "../../domain/index.js";
import type { TallyReader } from "../../app/ports.js";
import type { KeptTallies } from "./kept-tallies.js";

export class MongoTallyReader implements TallyReader {
  constructor(
    /** The active collection's tallies, asked on every call: a rebuild's switch changes them. */
    private readonly tallies: () => KeptTallies,
    private readonly series: readonly PeriodSeries[],
  ) {}

  async periodLines(period: Period, scope: ReportScope): Promise<TallyLine[] | undefined> {
    const kept = keptPeriod(this.series, period);
    if (!kept) return undefined;
    const tallies = this.tallies();
    const agencies = scope.agencyCode ? [scope.agencyCode] : await tallies.agencies();
    const ids = agencies.flatMap((agency) => [periodTallyId(kept.series, kept.index, agency), carryTallyId(kept.series, agency)]);
    const stored = await tallies.read(ids);
    const tally = new Tally();
    for (const agencyCode of agencies) {
      const lines = periodLinesOf(stored.get(periodTallyId(kept.series, kept.index, agencyCode)), stored.get(carryTallyId(kept.series, agencyCode)), kept.index);
      for (const [text, count] of lines) {
        const key = decodeLine(text, agencyCode);
        if (inScope(key, scope)) tally.add(key, count);
      }
    }
    return tally.lines();
  }

  async awaitingReceipt(): Promise<number> {
    return (await this.tallies().read([AWAITING_RECEIPT])).get(AWAITING_RECEIPT)?.get("") ?? 0;
  }
}
