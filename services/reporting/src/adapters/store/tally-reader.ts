/**
 * Reads a kept period's lines: per owner (the scope's agency, or without one the groups of its
 * level and sector), its tally of the period and its carry of the period's series
 * (tally-contributions.ts), all in one `_id: {$in}` query of the active collection's tallies. No
 * record is read.
 */
import {
  AWAITING_RECEIPT,
  carryTallyId,
  decodeLine,
  groupOf,
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
    // With an agency, its own tallies; without, the groups of the scope's level and sector.
    const owners = scope.agencyCode
      ? [scope.agencyCode]
      : (await tallies.owners()).filter((owner) => {
          const group = groupOf(owner);
          return group !== undefined && (!scope.level || group.level === scope.level) && (!scope.sectorCode || group.sectorCode === scope.sectorCode);
        });
    const ids = owners.flatMap((owner) => [periodTallyId(kept.series, kept.index, owner), carryTallyId(kept.series, owner)]);
    const stored = await tallies.read(ids);
    // Owners share most line texts: each is decoded once per query, and its level and sector checked once.
    const decoded = new Map<string, TallyKey | null>();
    const lines: TallyLine[] = [];
    for (const owner of owners) {
      // A group's lines are every agency's: they are read without one (no report groups by agency).
      const agencyCode = groupOf(owner) ? "" : owner;
      const own = stored.get(periodTallyId(kept.series, kept.index, owner));
      const carry = stored.get(carryTallyId(kept.series, owner));
      // One owner's lines are distinct texts, and no two owners share a line: no merging needed.
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
