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
  type Period,
  type PeriodSeries,
  type ReportScope,
  type TallyKey,
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
    // Agencies share most line texts: each is decoded once per query, and its level and sector checked once.
    const decoded = new Map<string, TallyKey | null>();
    const lines: TallyLine[] = [];
    for (const agencyCode of agencies) {
      const own = stored.get(periodTallyId(kept.series, kept.index, agencyCode));
      const carry = stored.get(carryTallyId(kept.series, agencyCode));
      // One agency's lines are distinct texts, and no two agencies share a line: no merging needed.
      for (const [text, count] of periodLinesOf(own, carry, kept.index)) {
        let key = decoded.get(text);
        if (key === undefined) {
          const line = decodeLine(text, agencyCode);
          decoded.set(text, (key = inScope(line, { ...scope, agencyCode: undefined }) ? line : null));
        }
        if (key) lines.push({ ...key, agencyCode, count });
      }
    }
    return lines;
  }

  async awaitingReceipt(): Promise<number> {
    return (await this.tallies().read([AWAITING_RECEIPT])).get(AWAITING_RECEIPT)?.get("") ?? 0;
  }
}
