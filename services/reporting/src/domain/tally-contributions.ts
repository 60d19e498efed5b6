/**
 * What one dossier's record adds to the kept tallies (see period-series.ts): per tally, the lines
 * it counts in. The tallies of a period are then the sum over every record, and a fold that changes
 * a record changes them by the difference of its contributions after and before: no tally is ever
 * computed by reading the records again.
 *
 * Tallies, by id, each line twice: under its agency, and under its group (`~<level>:<sector>`, every
 * agency's lines of that level and sector), which a query without an agency reads instead of
 * every agency's tallies:
 *   - `<label>|<owner>` ("2024-Q3|000.00.05.H04", "2024-Q3|~COMMUNE:HO_TICH"): the lines in that one period;
 *   - `<code>+|<owner>` ("Q+|000.00.05.H04", the carry): lines that count in every period of the
 *     series from some period on, keyed `<first period number>:<line>`, for dossiers still
 *     processing. A dossier open at its last fact stays in every later period as carried over
 *     and pending, overdue from the period its legal due time falls in; no event marks those periods,
 *     so they are kept as a range instead of one tally per period (+1 from the period after its
 *     last fact, and, if it turns overdue later, -1 of that line and +1 of the overdue one from that
 *     period on). Period n's lines are its own tally plus every carry entry numbered n or less;
 *   - AWAITING_RECEIPT: records still waiting for their receipt, under the line "".
 *
 * Only the periods ending at or after the earliest business time a fold changed are derived: a
 * fact at t changes no period that ended before t (classify.ts reads only facts up to the period's
 * end), so a late event of 2023 touches 2023's tallies and the carry, never 2026's.
 */
import { isComplete, type DossierFacts, type Level, type Receipt } from "./facts.js";
import type { WorkingCalendar } from "@onestop/calendar";
import { classifyForPeriod, legalDueAtMs } from "./classify.js";
import { firstIndexEndingFrom, periodIndexAt, periodLabel, periodOf, seriesCode, type PeriodSeries } from "./period-series.js";
import { encodeLine, tallyKeyOf } from "./tally.js";
import { dossierAt } from "./timeline.js";

export const AWAITING_RECEIPT = "~awaiting-receipt";

/** Tally id -> line key -> count. */
export type Contributions = Map<string, Map<string, number>>;

/** One change of one tally: add `count` (negative: remove) to the line. */
export type TallyDelta = [tallyId: string, line: string, count: number];

/** A tally's owner: an agency, or a group of every agency's lines of one level and sector. */
export const periodTallyId = (series: PeriodSeries, index: number, owner: string) => `${periodLabel(series, index)}|${owner}`;
export const carryTallyId = (series: PeriodSeries, owner: string) => `${seriesCode(series)}+|${owner}`;

/** The group owning every line of a level and sector, whatever the agency: what a query without an agency reads. */
export const groupOwner = (level: Level, sectorCode: string) => `~${level}:${sectorCode}`;

/** The level and sector of a group owner; undefined for an agency. */
export function groupOf(owner: string): { level: Level; sectorCode: string } | undefined {
  if (!owner.startsWith("~")) return undefined;
  const colon = owner.indexOf(":");
  return { level: owner.slice(1, colon) as Level, sectorCode: owner.slice(colon + 1) };
}
export const carryLine = (fromIndex: number, line: string) => `${fromIndex}:${line}`;

/** The owner (agency or group) a tally id belongs to; undefined for AWAITING_RECEIPT. */
export function ownerOfTally(tallyId: string): string | undefined {
  const bar = tallyId.indexOf("|");
  return bar < 0 ? undefined : tallyId.slice(bar + 1);
}

function add(contributions: Contributions, tallyId: string, line: string, count: number): void {
  let lines = contributions.get(tallyId);
  if (!lines) contributions.set(tallyId, (lines = new Map()));
  const total = (lines.get(line) ?? 0) + count;
  if (total === 0) lines.delete(line);
  else lines.set(line, total);
}

export interface ContributionOptions {
  series: readonly PeriodSeries[];
  calendar: WorkingCalendar;
  /** Only periods ending at or after this instant (the carry always); all of them when absent. */
  sinceMs?: number;
}

/** Line of the record in the series' period `index`, with its agency; undefined when the period does not hold it. */
function lineIn(facts: DossierFacts & { receipt: Receipt }, series: PeriodSeries, index: number, calendar: WorkingCalendar) {
  const classification = classifyForPeriod(facts, periodOf(series, index), calendar);
  if (!classification) return undefined;
  const owners = [classification.agencyCode, groupOwner(classification.receipt.level, classification.receipt.sectorCode)];
  return { owners, line: encodeLine(tallyKeyOf(classification)), notYetDue: classification.outcome.kind === "PENDING" && !classification.outcome.overdue };
}

export function contributionsOf(facts: DossierFacts, options: ContributionOptions): Contributions {
  const contributions: Contributions = new Map();
  if (!isComplete(facts)) {
    add(contributions, AWAITING_RECEIPT, "", 1);
    return contributions;
  }
  const receivedMs = Date.parse(facts.receipt.receivedAt);
  const lastFact = facts.events.at(-1);
  const lastMs = Math.max(receivedMs, lastFact ? Date.parse(lastFact.at) : receivedMs);
  for (const series of options.series) {
    const last = periodIndexAt(series, lastMs);
    const first = Math.max(periodIndexAt(series, receivedMs), options.sinceMs === undefined ? -Infinity : firstIndexEndingFrom(series, options.sinceMs));
    for (let index = first; index <= last; index++) {
      const found = lineIn(facts, series, index, options.calendar);
      if (found) for (const owner of found.owners) add(contributions, periodTallyId(series, index, owner), found.line, 1);
    }
    addCarry(contributions, facts, series, last + 1, options.calendar);
  }
  return contributions;
}

/** The carry of a record still processing after its last fact, from the period `from` on. */
function addCarry(contributions: Contributions, facts: DossierFacts & { receipt: Receipt }, series: PeriodSeries, from: number, calendar: WorkingCalendar): void {
  const after = lineIn(facts, series, from, calendar);
  if (!after) return; // it left processing
  const carry = (fromIndex: number, line: string, count: number) => {
    for (const owner of after.owners) add(contributions, carryTallyId(series, owner), carryLine(fromIndex, line), count);
  };
  carry(from, after.line, 1);
  if (!after.notYetDue) return; // already overdue, returned or inconsistent: the same in every later period
  const dueMs = legalDueAtMs(dossierAt(facts, Infinity), calendar);
  if (dueMs === null) return; // the clock is stopped: never overdue
  // Overdue at a period's end once the due time is before it: from the period holding the next instant.
  const overdueFrom = periodIndexAt(series, dueMs + 1);
  if (overdueFrom <= from) return;
  const overdue = lineIn(facts, series, overdueFrom, calendar)!;
  if (overdue.line === after.line) return;
  carry(overdueFrom, after.line, -1);
  carry(overdueFrom, overdue.line, 1);
}

/** What turns the tallies holding `before` into those holding `after`. */
export function tallyDeltas(after: Contributions, before: Contributions): TallyDelta[] {
  const deltas: TallyDelta[] = [];
  for (const [tallyId, lines] of after) {
    const old = before.get(tallyId);
    for (const [line, count] of lines) {
      const change = count - (old?.get(line) ?? 0);
      if (change !== 0) deltas.push([tallyId, line, change]);
    }
  }
  for (const [tallyId, lines] of before) {
    const now = after.get(tallyId);
    for (const [line, count] of lines) if (!now?.has(line)) deltas.push([tallyId, line, -count]);
  }
  return deltas;
}

/** Adds every record's contributions: the tallies from scratch (a rebuild, a check). */
export class ContributionSum {
  readonly tallies: Contributions = new Map();

  constructor(private readonly options: Omit<ContributionOptions, "sinceMs">) {}

  /** Adds the record's contributions; with `sign` -1, takes them away (a record replaced by another). */
  add(facts: DossierFacts, sign: 1 | -1 = 1): this {
    for (const [tallyId, lines] of contributionsOf(facts, this.options)) for (const [line, count] of lines) add(this.tallies, tallyId, line, sign * count);
    return this;
  }
}

/**
 * Period `index`'s lines of one agency from its stored tallies: the period's own plus the carry
 * entries that start at or before it. Zero sums are left out.
 */
export function periodLinesOf(own: ReadonlyMap<string, number> | undefined, carry: ReadonlyMap<string, number> | undefined, index: number): Map<string, number> {
  const lines = new Map(own);
  for (const [key, count] of carry ?? []) {
    const colon = key.indexOf(":");
    if (Number(key.slice(0, colon)) > index) continue;
    const line = key.slice(colon + 1);
    const total = (lines.get(line) ?? 0) + count;
    if (total === 0) lines.delete(line);
    else lines.set(line, total);
  }
  return lines;
}

/** Bump when a classification or a line's text changes: tallies kept by another version are derived again. */
export const TALLIES_VERSION = 2;

/** What kept tallies depend on besides the records: tallies stored with another fingerprint are derived again. */
export function talliesFingerprint(series: readonly PeriodSeries[]): string {
  return `tallies v${TALLIES_VERSION}; ${series.map((s) => `${s.months}m from day ${s.startDay}`).join(", ")}`;
}
