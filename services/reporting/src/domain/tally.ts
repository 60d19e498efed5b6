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
  /** The deciding agency the period credits (after transfers, see classify.ts), not always the receipt's. */
  agencyCode: string;
  /** The receipt's level (a transfer keeps it: the event does not carry the destination's). */
  level: Level;
  sectorCode: string;
  procedureCode: string;
  /** How this dossier came (the receipt's channel), whatever its entry in the period. */
  channel: Channel;
  /** The receipt's online mode. */
  onlineMode: OnlineMode;
  /** By the period's end: at least one non-zero fee line (the payment service's assessment, else the receipt's). */
  payable: boolean;
  entry: Entry;
  outcome: TallyOutcome;
  supplementRequested: boolean;
  resultByPost: boolean;
  /** By the period's end: paid online and not refunded. */
  paidOnline: boolean;
  /** By the period's end: at least one component digitised. */
  digitised: boolean;
  /** By the period's end: at least one document reused. */
  reused: boolean;
}

const LEVEL_CODES: Record<Level, string> = { PROVINCE: "P", DISTRICT: "D", COMMUNE: "C" };
const LEVELS_BY_CODE = new Map(Object.entries(LEVEL_CODES).map(([level, code]) => [code, level as Level]));

export interface TallyLine extends TallyKey {
  count: number;
}

export function tallyKeyOf(classification: PeriodClassification): TallyKey {
  const { receipt, outcome } = classification;
  return {
    agencyCode: classification.agencyCode,
    level: receipt.level,
    sectorCode: receipt.sectorCode,
    procedureCode: receipt.procedureCode,
    channel: receipt.channel,
    onlineMode: receipt.onlineMode,
    payable: classification.payable,
    entry: classification.entry,
    outcome:
      outcome.kind === "RESOLVED"
        ? { kind: "RESOLVED", legal: outcome.legal, indicator: outcome.indicator, approved: outcome.approved, electronicResult: outcome.electronicResult }
        : outcome.kind === "INCONSISTENT"
          ? { kind: "INCONSISTENT" }
          : outcome,
    supplementRequested: classification.supplementRequested,
    resultByPost: classification.resultByPost,
    paidOnline: classification.paidOnline,
    digitised: classification.digitised,
    reused: classification.reused,
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

/** The key's fields but the agency, as text; `|` and line breaks cannot occur in them (see encodeTally). */
function lineFields(key: TallyKey): string[] {
  return [
    LEVEL_CODES[key.level],
    key.sectorCode,
    key.procedureCode,
    key.channel,
    key.onlineMode,
    String(+key.payable),
    key.entry,
    outcomeSignature(key.outcome),
    String(+key.supplementRequested),
    String(+key.resultByPost),
    String(+key.paidOnline),
    String(+key.digitised),
    String(+key.reused),
  ];
}

const signature = (key: TallyKey) => `${key.agencyCode}|${lineFields(key).join("|")}`;

/** One line's key as text, the agency left out (a stored tally is one agency's); see decodeLine. */
export function encodeLine(key: TallyKey): string {
  const fields = lineFields(key);
  const bad = fields.find((field) => /[|\t\n]/.test(field));
  if (bad !== undefined) throw new TallyDecodeError(`cannot store "${bad}" in a tally: it contains "|", a tab or a line break`);
  return fields.join("|");
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

export class TallyDecodeError extends Error {
  override readonly name = "TallyDecodeError";
}

function decodeOutcome(text: string): TallyOutcome {
  const [kind, ...parts] = text.split(":");
  if (kind === "R" && parts.length === 4) return { kind: "RESOLVED", legal: parts[0] as Verdict, indicator: parts[1] as Verdict, approved: parts[2] === "1", electronicResult: parts[3] === "1" };
  if (kind === "P" && parts.length === 1) return { kind: "PENDING", overdue: parts[0] === "1" };
  if (kind === "X" && parts.length === 1) return { kind: "RETURNED", reason: parts[0] as EndKind };
  if (kind === "I" && parts.length === 0) return { kind: "INCONSISTENT" };
  throw new TallyDecodeError(`unknown outcome "${text}"`);
}

/** A line key as encodeLine wrote it, with the tally's agency; throws naming the agency when the text is not one. */
export function decodeLine(text: string, agencyCode: string): TallyKey {
  const fields = text.split("|");
  if (fields.length !== 13) throw new TallyDecodeError(`tally line of ${agencyCode} has ${fields.length} fields: "${text}"`);
  const [level, sectorCode, procedureCode, channel, onlineMode, payable, entry, outcome, supplementRequested, resultByPost, paid, digitised, reused] = fields as [string, ...string[]];
  const decodedLevel = LEVELS_BY_CODE.get(level);
  if (!decodedLevel) throw new TallyDecodeError(`tally line of ${agencyCode} has an unknown level "${level}"`);
  return {
    agencyCode,
    level: decodedLevel,
    sectorCode: sectorCode!,
    procedureCode: procedureCode!,
    channel: channel as Channel,
    onlineMode: onlineMode as OnlineMode,
    payable: payable === "1",
    entry: entry as Entry,
    outcome: decodeOutcome(outcome!),
    supplementRequested: supplementRequested === "1",
    resultByPost: resultByPost === "1",
    paidOnline: paid === "1",
    digitised: digitised === "1",
    reused: reused === "1",
  };
}
