/**
 * What a record adds to the kept tallies, worked out by hand from the form's rules (seed 000: a
 * dossier is counted in every period it is part of; carried over into a period while still
 * pending; pending overdue once its due time is before the period's end), and the sum of every
 * record's contributions against the report computed from the records at query time.
 */
import { describe, expect, it } from "vitest";
import { defaultCalendar } from "@onestop/calendar";
import {
  AWAITING_RECEIPT,
  carryTallyId,
  ContributionSum,
  contributionsOf,
  decodeLine,
  dossiersOfPeriod,
  encodeLine,
  keptPeriod,
  parseSeries,
  periodIndexAt,
  periodLabel,
  periodLinesOf,
  periodOf,
  periodTallyId,
  tallyDeltas,
  Tally,
  type Entry,
  type TallyKey,
  type TallyLine,
  type TallyOutcome,
} from "../src/domain/index.js";
import * as e from "./domain/events.js";
import { InMemoryFacts } from "./domain/projection.js";
import { StreamGenerator } from "./golden/generator.js";
import { seedProcedures } from "./golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "./golden/targets.js";

const COMMUNE = "000.01.31.H04";
const OTHER = "000.02.31.H04";
const QUARTERS = parseSeries("3", 1);
const MONTHS = parseSeries("1", 1);
const ALL = parseSeries("1,3,6,12", 1);
const at = (iso: string) => Date.parse(iso);

/** A commune's marital status dossier online, no fee: the line's fixed attributes. */
function key(entry: Entry, outcome: TallyOutcome, agencyCode = COMMUNE): TallyKey {
  return {
    agencyCode,
    level: "COMMUNE",
    sectorCode: "HO_TICH",
    procedureCode: "1.004873",
    channel: "ONLINE",
    onlineMode: "FULL",
    payable: false,
    entry,
    outcome,
    supplementRequested: false,
    resultByPost: false,
    paidOnline: false,
    digitised: false,
    reused: false,
  };
}

const received = (code: string, receivedAt: string, dueDate: string, workingDays: number) =>
  e.received({ code, procedureCode: "1.004873", sectorCode: "HO_TICH", agencyCode: COMMUNE, channel: "ONLINE", receivedAt, dueDate, workingDays });
const factsOf = (...events: ReturnType<typeof received>[]) => new InMemoryFacts().given(...events).all()[0]!;
/** The commune level's marital status lines of every agency. */
const GROUP = "~COMMUNE:HO_TICH";
/** Each tally, by the part of its id before the owner, under the commune and under its group. */
const underBothOwners = (byPrefix: Record<string, Record<string, number>>) =>
  Object.fromEntries(
    Object.entries(byPrefix).flatMap(([prefix, lines]) => [
      [`${prefix}|${COMMUNE}`, lines],
      [`${prefix}|${GROUP}`, lines],
    ]),
  );
const asObject = (contributions: Map<string, Map<string, number>>) => Object.fromEntries([...contributions].map(([id, lines]) => [id, Object.fromEntries(lines)]));

describe("period series", () => {
  it("numbers calendar and 15th-cut periods so that consecutive numbers are consecutive periods", () => {
    const q3 = periodIndexAt(QUARTERS[0]!, at("2024-08-15T12:00:00+07:00"));
    expect(periodOf(QUARTERS[0]!, q3)).toEqual({ from: "2024-07-01", to: "2024-09-30" });
    expect(periodOf(QUARTERS[0]!, q3 + 1)).toEqual({ from: "2024-10-01", to: "2024-12-31" });
    expect(periodLabel(QUARTERS[0]!, q3)).toBe("2024-Q3");
    // The primer's regime: Q1 runs 15/12 to 14/3; 15/12/2023 is already 2024's first quarter.
    const cut = parseSeries("3,12", 15);
    const q1 = periodIndexAt(cut[0]!, at("2023-12-15T00:00:00+07:00"));
    expect(periodOf(cut[0]!, q1)).toEqual({ from: "2023-12-15", to: "2024-03-14" });
    expect(periodLabel(cut[0]!, q1)).toBe("2024-Q1");
    expect(periodIndexAt(cut[0]!, at("2023-12-14T23:59:00+07:00"))).toBe(q1 - 1);
    expect(periodOf(cut[1]!, periodIndexAt(cut[1]!, at("2024-06-01T00:00:00+07:00")))).toEqual({ from: "2023-12-15", to: "2024-12-14" });
    // Midnight in Hà Nội is 17:00 UTC the day before.
    expect(periodLabel(MONTHS[0]!, periodIndexAt(MONTHS[0]!, at("2024-07-31T17:30:00Z")))).toBe("2024-08");
  });

  it("tells a kept period from any other", () => {
    expect(keptPeriod(ALL, { from: "2024-07-01", to: "2024-09-30" })?.series.months).toBe(3);
    expect(keptPeriod(ALL, { from: "2024-01-01", to: "2024-06-30" })?.series.months).toBe(6);
    expect(keptPeriod(ALL, { from: "2024-02-01", to: "2024-02-29" })?.series.months).toBe(1);
    expect(keptPeriod(ALL, { from: "2023-12-15", to: "2024-06-30" })).toBeUndefined();
    expect(() => parseSeries("3,4", 1)).toThrow(/"4" is not a period length/);
  });
});

describe("a record's contributions", () => {
  it("given a dossier received 8/7/2024 and due 11/7 still open, then Q3 counts it new and overdue, and every later quarter carries it over overdue", () => {
    const facts = factsOf(received("A", "2024-07-08T10:00:00+07:00", "2024-07-11", 3));
    const q4 = periodIndexAt(QUARTERS[0]!, at("2024-10-01T00:00:00+07:00"));
    const overdue: TallyOutcome = { kind: "PENDING", overdue: true };
    const lines = {
      "2024-Q3": { [encodeLine(key("ONLINE", overdue))]: 1 },
      "Q+": { [`${q4}:${encodeLine(key("CARRIED_OVER", overdue))}`]: 1 },
    };
    expect(asObject(contributionsOf(facts, { series: QUARTERS, calendar: defaultCalendar }))).toEqual(underBothOwners(lines));
    // 2025-Q2, no event in it: the carry alone.
    const carry = contributionsOf(facts, { series: QUARTERS, calendar: defaultCalendar }).get(`Q+|${COMMUNE}`);
    expect([...periodLinesOf(undefined, carry, q4 + 2)]).toEqual([[encodeLine(key("CARRIED_OVER", overdue)), 1]]);
  });

  it("given a dossier received 25/9/2024 with 35 working days (due 13/11), then October carries it not yet due and November on overdue", () => {
    // 26, 27, 30/9 (3), 23 working days of October (26), 1, 4-8, 11-13/11 (35): due Wed 13/11.
    const facts = factsOf(received("B", "2024-09-25T10:00:00+07:00", "2024-11-13", 35));
    const october = periodIndexAt(MONTHS[0]!, at("2024-10-10T00:00:00+07:00"));
    const notYetDue = encodeLine(key("CARRIED_OVER", { kind: "PENDING", overdue: false }));
    const overdue = encodeLine(key("CARRIED_OVER", { kind: "PENDING", overdue: true }));
    expect(asObject(contributionsOf(facts, { series: MONTHS, calendar: defaultCalendar }))).toEqual(
      underBothOwners({
        "2024-09": { [encodeLine(key("ONLINE", { kind: "PENDING", overdue: false }))]: 1 },
        "M+": { [`${october}:${notYetDue}`]: 1, [`${october + 1}:${notYetDue}`]: -1, [`${october + 1}:${overdue}`]: 1 },
      }),
    );
    const carry = contributionsOf(facts, { series: MONTHS, calendar: defaultCalendar }).get(`M+|${COMMUNE}`);
    expect([...periodLinesOf(undefined, carry, october)]).toEqual([[notYetDue, 1]]);
    expect([...periodLinesOf(undefined, carry, october + 1)]).toEqual([[overdue, 1]]);
    expect([...periodLinesOf(undefined, carry, october + 5)]).toEqual([[overdue, 1]]);
  });

  it("given a dossier of January 2023 resolved, when a late result-by-post fact arrives, then only January 2023's month, quarter, half-year and year change", () => {
    const life = [received("C", "2023-01-03T09:00:00+07:00", "2023-01-06", 3), e.resolved("C", "2023-01-05T09:00:00+07:00")];
    const before = new InMemoryFacts().given(...life).all()[0]!;
    const late = e.resultReturned("C", "2023-01-06T09:00:00+07:00", "POSTAL", false);
    const after = new InMemoryFacts().given(...life, late).all()[0]!;
    const options = { series: ALL, calendar: defaultCalendar, sinceMs: at("2023-01-06T09:00:00+07:00") };
    const deltas = tallyDeltas(contributionsOf(after, options), contributionsOf(before, options));
    const early: TallyOutcome = { kind: "RESOLVED", legal: "EARLY", indicator: "EARLY", approved: true, electronicResult: false };
    const byPost = encodeLine({ ...key("ONLINE", early), resultByPost: true });
    const plain = encodeLine(key("ONLINE", early));
    const ids = ["2023-01", "2023-Q1", "2023-H1", "2023"].flatMap((label) => [`${label}|${COMMUNE}`, `${label}|${GROUP}`]);
    expect(deltas.sort()).toEqual(
      ids
        .flatMap((id) => [
          [id, byPost, 1],
          [id, plain, -1],
        ])
        .sort(),
    );
    // Derived in full, the record also counts nowhere after January 2023 (resolved: no carry).
    expect([...contributionsOf(after, { series: ALL, calendar: defaultCalendar }).keys()].sort()).toEqual(ids.sort());
  });

  it("given a dossier transferred to another agency and resolved there, then it is the destination's line", () => {
    const facts = new InMemoryFacts()
      .given(received("D", "2024-07-08T10:00:00+07:00", "2024-07-11", 3), e.transferred("D", "2024-07-09T09:00:00+07:00", COMMUNE, OTHER), e.resolved("D", "2024-07-10T09:00:00+07:00"))
      .all()[0]!;
    const early: TallyOutcome = { kind: "RESOLVED", legal: "EARLY", indicator: "EARLY", approved: true, electronicResult: false };
    expect(asObject(contributionsOf(facts, { series: QUARTERS, calendar: defaultCalendar }))).toEqual({
      [`2024-Q3|${OTHER}`]: { [encodeLine(key("ONLINE", early, OTHER))]: 1 },
      [`2024-Q3|${GROUP}`]: { [encodeLine(key("ONLINE", early, OTHER))]: 1 },
    });
  });

  it("given a record still waiting for its receipt, then it counts only as awaiting", () => {
    const facts = new InMemoryFacts().given(e.resolved("E", "2024-07-10T09:00:00+07:00")).all()[0]!;
    expect(asObject(contributionsOf(facts, { series: ALL, calendar: defaultCalendar }))).toEqual({ [AWAITING_RECEIPT]: { "": 1 } });
  });
});

const sortedLines = (lines: TallyLine[]) => lines.map((line) => `${line.agencyCode}|${encodeLine(line)}|${line.count}`).sort();

describe("kept tallies against the records", () => {
  it("given a generated half-year of 3 levels, then every kept month, quarter, half-year and year equals the report computed from the records", () => {
    const { procedures } = seedProcedures();
    const generator = new StreamGenerator({ seed: 77, period: { from: "2023-12-15", to: "2024-06-30" }, targets: scaleTargets(SEED_002_TARGETS, 0.004), procedures, calendar: defaultCalendar });
    const facts = new InMemoryFacts();
    for (const dossier of generator.dossiers()) facts.given(...dossier.events);
    const records = facts.all();
    expect(records.length).toBeGreaterThan(1_000);
    const sum = new ContributionSum({ series: ALL, calendar: defaultCalendar });
    for (const record of records) sum.add(record);
    const periods = [
      ...["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07"].map((month) => ({ series: ALL[0]!, at: `${month}-10T00:00:00+07:00` })),
      ...["2023-11-10", "2024-02-10", "2024-05-10", "2024-08-10", "2025-02-10"].map((day) => ({ series: ALL[1]!, at: `${day}T00:00:00+07:00` })),
      { series: ALL[2]!, at: "2024-03-01T00:00:00+07:00" },
      { series: ALL[3]!, at: "2024-03-01T00:00:00+07:00" },
      { series: ALL[3]!, at: "2023-03-01T00:00:00+07:00" },
    ];
    for (const { series, at: instant } of periods) {
      const index = periodIndexAt(series, at(instant));
      const period = periodOf(series, index);
      const expected = dossiersOfPeriod(records, period, {}, defaultCalendar).lines;
      const owners = new Set([...sum.tallies.keys()].map((id) => id.split("|")[1]).filter((owner): owner is string => owner !== undefined));
      const byAgency = new Tally();
      const byGroup = new Tally();
      for (const owner of owners) {
        const lines = periodLinesOf(sum.tallies.get(periodTallyId(series, index, owner)), sum.tallies.get(carryTallyId(series, owner)), index);
        for (const [text, count] of lines) {
          if (owner.startsWith("~")) byGroup.add({ ...decodeLine(text, ""), agencyCode: "" }, count);
          else byAgency.add(decodeLine(text, owner), count);
        }
      }
      const kept = byAgency;
      const withoutAgency = (lines: TallyLine[]) => new Tally().addLines(lines.map((line) => ({ ...line, agencyCode: "" }))).lines();
      // The groups hold the same lines as the agencies, without the agency.
      expect(sortedLines(byGroup.lines()), `groups ${period.from} to ${period.to}`).toEqual(sortedLines(withoutAgency(expected)));
      expect(sortedLines(kept.lines()), `${period.from} to ${period.to}`).toEqual(sortedLines(expected));
    }
  });
});
