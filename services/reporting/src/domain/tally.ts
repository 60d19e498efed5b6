/**
 * A period's dossiers reduced to what the reports read: each dossier's classification keeps only
 * discrete attributes (procedure, sector, agency, channel, entry, outcome…), so dossiers with the
 * same attributes collapse into one line with a count. Every report is a fold over these lines.
 * Tallies add up: a tally of agencies A and B is the merge of their tallies, which is what lets
 * per-agency tallies be stored and summed at query time.
 */
import type { Entry, PeriodClassification } from "./classify.js";
import type { Channel, Level, OnlineMode } from "./facts.js";
import type { EndKind } from "./timeline.js";
import type { Verdict } from "@onestop/calendar";

export type TallyOutcome =
  | { kind: "RESOLVED"; legal: Verdict; indicator: Verdict; approved: boolean; electronicResult: boolean }
  | { kind: "PENDING"; overdue: boolean }
  | { kind: "RETURNED"; reason: EndKind }
  /** The reason stays on the classification: reports only count these. */
  | { kind: "INCONSISTENT" };

/** One dossier in one period, as the reports see it. */
export interface TallyKey {
  agencyCode: string;
  level: Level;
  sectorCode: string;
  procedureCode: string;
  /** How this dossier came (the receipt's channel), whatever its entry in the period. */
  channel: Channel;
  /** The receipt's online mode. */
  onlineMode: OnlineMode;
  /** At least one non-zero fee line. */
  payable: boolean;
  entry: Entry;
  outcome: TallyOutcome;
  supplementRequested: boolean;
  resultByPost: boolean;
}

export interface TallyLine extends TallyKey {
  count: number;
}

export function tallyKeyOf(classification: PeriodClassification): TallyKey {
  const { receipt, outcome } = classification;
  return {
    agencyCode: receipt.agencyCode,
    level: receipt.level,
    sectorCode: receipt.sectorCode,
    procedureCode: receipt.procedureCode,
    channel: receipt.channel,
    onlineMode: receipt.onlineMode,
    payable: receipt.feeAmounts.some((amount) => amount > 0),
    entry: classification.entry,
    outcome:
      outcome.kind === "RESOLVED"
        ? { kind: "RESOLVED", legal: outcome.legal, indicator: outcome.indicator, approved: outcome.approved, electronicResult: outcome.electronicResult }
        : outcome.kind === "INCONSISTENT"
          ? { kind: "INCONSISTENT" }
          : outcome,
    supplementRequested: classification.supplementRequested,
    resultByPost: classification.resultByPost,
  };
}

function outcomeSignature(outcome: TallyOutcome): string {
  switch (outcome.kind) {
    case "RESOLVED":
      return `R:${outcome.legal}:${outcome.indicator}:${+outcome.approved}:${+outcome.electronicResult}`;
    case "PENDING":
      return `P:${+outcome.overdue}`;
    case "RETURNED":
      return `X:${outcome.reason}`;
    case "INCONSISTENT":
      return "I";
  }
}

function signature(key: TallyKey): string {
  return [
    key.agencyCode,
    key.level,
    key.sectorCode,
    key.procedureCode,
    key.channel,
    key.onlineMode,
    +key.payable,
    key.entry,
    outcomeSignature(key.outcome),
    +key.supplementRequested,
    +key.resultByPost,
  ].join("|");
}

/** Lines grouped by their key; the order of lines follows first appearance. */
export class Tally {
  private readonly bySignature = new Map<string, TallyLine>();

  add(key: TallyKey, count = 1): this {
    const id = signature(key);
    const line = this.bySignature.get(id);
    if (line) line.count += count;
    else this.bySignature.set(id, { ...key, count });
    return this;
  }

  addLines(lines: Iterable<TallyLine>): this {
    for (const { count, ...key } of lines) this.add(key, count);
    return this;
  }

  lines(): TallyLine[] {
    return [...this.bySignature.values()].map((line) => ({ ...line }));
  }
}

/** Sum of the lines' counts, optionally of those a predicate keeps. */
export function countOf<L extends TallyLine>(lines: readonly L[], keep: (line: L) => boolean = () => true): number {
  let total = 0;
  for (const line of lines) if (keep(line)) total += line.count;
  return total;
}
