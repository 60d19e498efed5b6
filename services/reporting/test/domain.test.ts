import { describe, expect, it } from "vitest";
import { defaultCalendar } from "@onestop/calendar";
import {
  classifyForPeriod,
  countOf,
  decodeLine,
  encodeLine,
  dossiersOfPeriod,
  emptyFacts,
  factFromEnvelope,
  foldEvent,
  formatCount,
  mergeFacts,
  formatPercent,
  indicators766,
  parseQuarter,
  quartersAround,
  quarterPeriod,
  quarterlyForm,
  restatement,
  tthcForm,
  type DossierFacts,
  type EnvelopeInput,
  type FactEvent,
  type Period,
  type ProcedureInfo,
  type TallyLine,
  Tally,
} from "../src/domain/index.js";
import * as e from "./domain/events.js";
import { InMemoryFacts } from "./domain/projection.js";

const Q3: Period = { from: "2024-07-01", to: "2024-09-30" };
const Q4: Period = { from: "2024-10-01", to: "2024-12-31" };
const SECTORS = [
  { code: "HO_TICH", name: "Hộ tịch" },
  { code: "CU_TRU", name: "Đăng ký, quản lý cư trú" },
];
const PROCEDURES: ProcedureInfo[] = [
  { code: "1.004873", sectorCode: "HO_TICH", onlineMode: "FULL", levels: ["COMMUNE"] },
  { code: "1.004884", sectorCode: "HO_TICH", onlineMode: "PARTIAL", levels: ["COMMUNE"] },
  { code: "1.004194", sectorCode: "CU_TRU", onlineMode: "FULL", levels: ["COMMUNE"] },
];

// Marital status certificate (1.004873, HO_TICH): 3 working days. Received Mon 8/7/2024: counting
// starts the next day, Tue 9, Wed 10, Thu 11/7 -> due day Thu 11/7/2024.
const hoTich3 = (code: string, channel: "ONLINE" | "IN_PERSON" | "POSTAL", receivedAt: string, dueDate: string) =>
  e.received({ code, procedureCode: "1.004873", sectorCode: "HO_TICH", channel, receivedAt, dueDate, workingDays: 3 });
// Residence (1.004194, CU_TRU): 3 working days.
const cuTru3 = (code: string, channel: "ONLINE" | "IN_PERSON" | "POSTAL", receivedAt: string, dueDate: string, fees?: number[]) =>
  e.received({ code, procedureCode: "1.004194", sectorCode: "CU_TRU", channel, receivedAt, dueDate, workingDays: 3, ...(fees ? { fees } : {}) });

/**
 * The Q3/2024 scenario, every cell worked out by hand:
 *  D1 online 8/7 10:00, due 11/7, resolved Wed 10/7           -> early
 *  D2 in person 8/7, due 11/7, resolved Thu 11/7 15:00         -> on time
 *  D3 by post 8/7, due 11/7, resolved Fri 12/7; result by post 15/7 -> overdue, (16)
 *  D4 online 8/7 10:00, due 11/7; supplement asked Tue 9/7 09:00, returned Fri 12/7 14:00;
 *     legal clock restarts 12/7: Mon 15, Tue 16, Wed 17 -> due 17/7; resolved Tue 16/7 10:00 -> legal early.
 *     Indicator: 3 d 5 h of supplement time off 16/7 10:00 gives Sat 13/7 05:00 > 11/7 -> overdue.
 *  D7 online Fri 28/6 09:00 (1.004884, 5 working days: Mon 1/7 .. Fri 5/7 -> due 5/7), still open on 1/7,
 *     resolved Thu 4/7 -> carried over, early
 *  D8 online 20/6, resolved 25/6: finished before Q3, not in it
 *  C5 online 15/7, withdrawn 16/7; C6 in person 15/7, refused 17/7 -> returned
 *  C9 online Mon 23/9, due Thu 26/9, not resolved by 30/9 -> pending overdue
 *  C10 online Fri 27/9, due Wed 2/10 (Mon 30/9, Tue 1/10, Wed 2/10), resolved 1/10 -> pending not yet due in Q3
 *  C11 online Mon 16/9, due 19/9, supplement asked 17/9 and not returned -> clock stopped: pending not yet due
 */
function q3Scenario(): EnvelopeInput[] {
  return [
    hoTich3("D1", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11"),
    e.resolved("D1", "2024-07-10T14:00:00+07:00"),
    e.resultReturned("D1", "2024-07-10T15:00:00+07:00", "ONLINE", true),
    hoTich3("D2", "IN_PERSON", "2024-07-08T09:00:00+07:00", "2024-07-11"),
    e.resolved("D2", "2024-07-11T15:00:00+07:00"),
    hoTich3("D3", "POSTAL", "2024-07-08T09:30:00+07:00", "2024-07-11"),
    e.resolved("D3", "2024-07-12T09:00:00+07:00"),
    e.resultReturned("D3", "2024-07-15T09:00:00+07:00", "POSTAL", false),
    hoTich3("D4", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11"),
    e.supplementRequested("D4", "2024-07-09T09:00:00+07:00"),
    e.supplementReceived("D4", "2024-07-12T14:00:00+07:00"),
    e.resolved("D4", "2024-07-16T10:00:00+07:00"),
    e.received({ code: "D7", procedureCode: "1.004884", sectorCode: "HO_TICH", channel: "ONLINE", receivedAt: "2024-06-28T09:00:00+07:00", dueDate: "2024-07-05", workingDays: 5 }),
    e.resolved("D7", "2024-07-04T10:00:00+07:00"),
    hoTich3("D8", "ONLINE", "2024-06-20T09:00:00+07:00", "2024-06-25"),
    e.resolved("D8", "2024-06-25T09:00:00+07:00"),
    cuTru3("C5", "ONLINE", "2024-07-15T09:00:00+07:00", "2024-07-18"),
    e.withdrawn("C5", "2024-07-16T09:00:00+07:00"),
    cuTru3("C6", "IN_PERSON", "2024-07-15T09:00:00+07:00", "2024-07-18"),
    e.refused("C6", "2024-07-17T09:00:00+07:00"),
    cuTru3("C9", "ONLINE", "2024-09-23T09:00:00+07:00", "2024-09-26"),
    cuTru3("C10", "ONLINE", "2024-09-27T09:00:00+07:00", "2024-10-02"),
    e.resolved("C10", "2024-10-01T09:00:00+07:00"),
    cuTru3("C11", "ONLINE", "2024-09-16T09:00:00+07:00", "2024-09-19"),
    e.supplementRequested("C11", "2024-09-17T09:00:00+07:00"),
  ];
}

const formOf = (facts: DossierFacts[], period: Period = Q3) => tthcForm(dossiersOfPeriod(facts, period, {}, defaultCalendar), SECTORS);

describe("the statistics form (seed 000), Q3/2024 scenario", () => {
  it("given the scenario's events, when the Q3 form is built, then every column is as worked out by hand", () => {
    const form = formOf(new InMemoryFacts().given(...q3Scenario()).all());

    // HO_TICH: D1, D2, D3, D4 new (online D1, D4; in person D2; post D3) + D7 carried over = 5.
    const hoTich = form.rows.find((row) => row.sectorCode === "HO_TICH")!;
    expect(hoTich).toMatchObject({
      no: 1,
      sectorName: "Hộ tịch",
      received: { total: 5, online: 2, carriedOver: 1, inPerson: 1, postal: 1 },
      // early D1, D4 (legal), D7; on time D2; overdue D3.
      resolved: { total: 5, onTimeOrEarly: 4, early: 3, onTime: 1, overdue: 1 },
      pending: { total: 0, notYetDue: 0, overdue: 0 },
      supplementRequested: 1, // D4
      returned: { total: 0 },
      resultsByPost: 1, // D3
    });
    // CU_TRU: C5, C9, C10, C11 online, C6 in person.
    const cuTru = form.rows.find((row) => row.sectorCode === "CU_TRU")!;
    expect(cuTru).toMatchObject({
      no: 2,
      received: { total: 5, online: 4, carriedOver: 0, inPerson: 1, postal: 0 },
      resolved: { total: 0 },
      pending: { total: 3, notYetDue: 2, overdue: 1 }, // C10, C11 not yet due; C9 overdue
      supplementRequested: 1, // C11
      returned: { total: 2, refused: 1, withdrawn: 1, closed: 0 },
      resultsByPost: 0,
    });
    expect(form.totals).toMatchObject({
      received: { total: 10, online: 6, carriedOver: 1, inPerson: 2, postal: 1 },
      resolved: { total: 5, onTimeOrEarly: 4, early: 3, onTime: 1, overdue: 1 },
      pending: { total: 3, notYetDue: 2, overdue: 1 },
      supplementRequested: 2,
      returned: { total: 2 },
      resultsByPost: 1,
    });
    expect(form.checks.every((check) => check.holds)).toBe(true);
    expect(form.checks.map((check) => check.rule)).toEqual(expect.arrayContaining(["(3)=(4)+(5)+(6)+(7)", "(8)=(9)+(10)", "(11)=(12)+(13)", "(3)=(8)+(11)+(15)"]));
  });

  it("given every event delivered twice, when the form is built, then nothing is counted twice", () => {
    const events = q3Scenario();
    const once = formOf(new InMemoryFacts().given(...events).all());
    const twice = formOf(new InMemoryFacts().given(...events, ...events.slice().reverse()).all());
    expect(twice).toEqual(once);
  });

  it("given the events in reverse order, when the form is built, then it equals the form of the ordered stream", () => {
    const events = q3Scenario();
    expect(formOf(new InMemoryFacts().given(...events.slice().reverse()).all())).toEqual(formOf(new InMemoryFacts().given(...events).all()));
  });

  it("given a decision before its receipt, then the record is held, and counted once the receipt arrives", () => {
    const receipt = hoTich3("R1", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11");
    const decision = e.resolved("R1", "2024-07-10T14:00:00+07:00");
    const facts = new InMemoryFacts().given(decision);
    const held = formOf(facts.all());
    expect(held.awaitingReceipt).toBe(1);
    expect(held.totals.received.total).toBe(0);

    facts.given(receipt);
    const complete = formOf(facts.all());
    expect(complete.awaitingReceipt).toBe(0);
    expect(complete.totals.received).toMatchObject({ total: 1, online: 1 });
    expect(complete.totals.resolved).toMatchObject({ total: 1, early: 1 }); // 10/7 before the due day 11/7
  });

  it("given a Q3 report made before a late decision arrived, when it arrives, then Q3 is corrected and Q4 loses the carry-over", () => {
    // C9: due Thu 26/9; the decision of Fri 27/9 reaches reporting only in October.
    const facts = new InMemoryFacts().given(cuTru3("C9", "ONLINE", "2024-09-23T09:00:00+07:00", "2024-09-26"));
    const frozenQ3 = formOf(facts.all());
    expect(frozenQ3.totals.pending).toEqual({ total: 1, notYetDue: 0, overdue: 1 });
    expect(formOf(facts.all(), Q4).totals.received).toMatchObject({ total: 1, carriedOver: 1 });

    facts.given(e.resolved("C9", "2024-09-27T10:00:00+07:00"));
    const correctedQ3 = formOf(facts.all());
    expect(correctedQ3.totals.pending.total).toBe(0);
    expect(correctedQ3.totals.resolved).toMatchObject({ total: 1, overdue: 1 }); // 27/9 after the due day 26/9
    expect(formOf(facts.all(), Q4).totals.received.total).toBe(0); // finished before Q4
  });

  it("given a dossier closed for an unanswered supplement, then it is returned (closed) in its period", () => {
    const facts = new InMemoryFacts().given(
      cuTru3("K1", "ONLINE", "2024-08-05T09:00:00+07:00", "2024-08-08"),
      e.supplementRequested("K1", "2024-08-06T09:00:00+07:00"),
      e.closed("K1", "2024-08-22T09:00:00+07:00"),
    );
    expect(formOf(facts.all()).totals.returned).toEqual({ total: 1, refused: 0, withdrawn: 0, closed: 1 });
  });

  it("given a supplement returned that was never requested, then the dossier is reported inconsistent and the check fails", () => {
    const facts = new InMemoryFacts().given(cuTru3("X1", "ONLINE", "2024-08-05T09:00:00+07:00", "2024-08-08"), e.supplementReceived("X1", "2024-08-07T09:00:00+07:00"));
    const form = formOf(facts.all());
    expect(form.totals.inconsistent).toBe(1);
    expect(form.checks.find((check) => check.rule === "(3)=(8)+(11)+(15)")).toMatchObject({ holds: false, failingRows: ["CU_TRU", "TOTAL"] });
  });

  it("filters by level, agency and sector on the receipt", () => {
    const facts = new InMemoryFacts().given(
      hoTich3("A1", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11"),
      e.received({
        code: "A2",
        procedureCode: "1.004194",
        sectorCode: "CU_TRU",
        agencyCode: "000.00.05.H04",
        level: "PROVINCE",
        channel: "ONLINE",
        receivedAt: "2024-07-08T10:00:00+07:00",
        dueDate: "2024-07-11",
        workingDays: 3,
      }),
    );
    const count = (scope: Parameters<typeof dossiersOfPeriod>[2]) => countOf(dossiersOfPeriod(facts.all(), Q3, scope, defaultCalendar).lines);
    expect(count({ level: "PROVINCE" })).toBe(1);
    expect(count({ agencyCode: "000.01.31.H04" })).toBe(1);
    expect(count({ sectorCode: "HO_TICH" })).toBe(1);
    expect(count({ level: "COMMUNE", sectorCode: "CU_TRU" })).toBe(0);
  });
});

describe("supplement restart (legal) versus pause (Decision 766)", () => {
  it("given D4, then the form counts it early and the indicator overdue", () => {
    const facts = new InMemoryFacts().given(...q3Scenario().filter((event) => event.subject === "D4")).all()[0]!;
    const classification = classifyForPeriod(facts as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> }, Q3, defaultCalendar);
    expect(classification?.outcome).toMatchObject({ kind: "RESOLVED", legal: "EARLY", indicator: "OVERDUE" });
  });

  it("given an opinion pause, then the legal due date moves by the paused days and the indicator subtracts the pause", () => {
    // Received Mon 5/8/2024 09:00, 3 working days: due Thu 8/8. Paused Tue 6/8 09:00, resumed Thu 8/8 09:00:
    // paused days are 7/8 and 8/8 (the days after the start up to the resume day), so counting
    // goes Tue 6, Fri 9, Mon 12/8 -> legal due Mon 12/8. Resolved Fri 9/8 10:00 -> legal early.
    // Indicator: 9/8 10:00 minus 2 days = Wed 7/8 10:00, before the receipt's due day 8/8 -> early.
    const facts = new InMemoryFacts()
      .given(
        cuTru3("P1", "ONLINE", "2024-08-05T09:00:00+07:00", "2024-08-08"),
        e.paused("P1", "2024-08-06T09:00:00+07:00"),
        e.resumed("P1", "2024-08-08T09:00:00+07:00"),
        e.resolved("P1", "2024-08-09T10:00:00+07:00"),
      )
      .all()[0]!;
    const classification = classifyForPeriod(facts as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> }, Q3, defaultCalendar);
    expect(classification?.outcome).toMatchObject({ kind: "RESOLVED", legal: "EARLY", indicator: "EARLY" });
  });
});

describe("quarterly form items and Decision 766", () => {
  const input = () => dossiersOfPeriod(new InMemoryFacts().given(...q3Scenario()).all(), Q3, {}, defaultCalendar);

  it("gives the on-time rate by the legal verdict and the online shares per service mode", () => {
    const form = quarterlyForm(input(), PROCEDURES);
    const commune = form.byLevel.find((level) => level.level === "COMMUNE")!.items;
    // Resolved D1, D2, D3, D4, D7; on time or early by the legal due date: all but D3 -> 4/5.
    expect(commune.onTime).toEqual({ numerator: 4, denominator: 5, rate: 0.8 });
    // Received in Q3 (carry-over D7 excluded), procedures offered fully online: D1-D4 and C5, C6, C9-C11 = 9;
    // online among them: D1, D4, C5, C9, C10, C11 = 6.
    expect(commune.onlineShareFullServices).toEqual({ numerator: 6, denominator: 9, rate: 6 / 9 });
    expect(commune.onlineSharePartialServices).toEqual({ numerator: 0, denominator: 0, rate: null });
    // Online services at commune level: 1.004873, 1.004884, 1.004194; online dossiers came for 1.004873 and 1.004194.
    expect(commune.servicesWithOnlineDossiers).toEqual({ numerator: 2, denominator: 3, rate: 2 / 3 });
    // No dossier of the scenario has a fee: nothing to divide by.
    expect(commune.onlinePayment).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(form.byLevel.find((level) => level.level === "PROVINCE")!.items.onTime.denominator).toBe(0);
  });

  it("excludes all-zero fee dossiers from the online payment denominator", () => {
    const facts = new InMemoryFacts().given(
      cuTru3("F1", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11", [0, 0]),
      cuTru3("F2", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11", [0, 15000]),
      cuTru3("F3", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11"),
    );
    const form = quarterlyForm(dossiersOfPeriod(facts.all(), Q3, {}, defaultCalendar), PROCEDURES);
    expect(form.total.onlinePayment).toEqual({ numerator: 0, denominator: 1, rate: 0 }); // only F2 owes something, unpaid
  });

  it("scores progress by the indicator verdict and marks what it cannot compute", () => {
    const result = indicators766(input(), PROCEDURES);
    const item = (code: string) => result.items.find((i) => i.code === code)!;
    // Indicator verdicts: D1 early, D2 on time, D3 overdue, D4 overdue (pause-aware), D7 early -> 3/5 = 60%,
    // below the 100% target: 0.6 x 20 / 1 = 12 points.
    expect(item("progress")).toMatchObject({ status: "COMPUTED", measure: { numerator: 3, denominator: 5 }, points: 12 });
    // 6 full-online dossiers of 9 eligible: 12 x (6/9) = 8 points.
    expect(item("onlineService").measure).toEqual({ numerator: 6, denominator: 9, rate: 6 / 9 });
    expect(item("onlineService").points).toBeCloseTo(8, 10);
    // Electronic result handed over: D1 only, of 5 approved -> 20%: 6 x 0.2 = 1.2 points.
    expect(item("electronicResults").measure).toEqual({ numerator: 1, denominator: 5, rate: 0.2 });
    expect(item("electronicResults").points).toBeCloseTo(1.2, 10);
    // 1 - overdue rate 40% = 60% < 90% target: 6 x 0.6 / 0.9 = 4 points, an upper bound (no complaint data).
    expect(item("dossierSatisfaction")).toMatchObject({ status: "PARTIAL" });
    expect(item("dossierSatisfaction").points).toBeCloseTo(4, 10);
    // No payment or digitisation event: computed, nothing earned (no fee: no rate at all).
    expect(item("dossiersPaidOnline")).toMatchObject({ status: "COMPUTED", measure: { numerator: 0, denominator: 0, rate: null }, points: null });
    expect(item("digitisedWithEResult")).toMatchObject({ status: "COMPUTED", measure: { numerator: 0, denominator: 5 }, points: 0 });
    // Received in Q3 (D7 carried over, D8 outside): D1-D4, C5, C6, C9-C11 = 9.
    expect(item("dataReuse")).toMatchObject({ status: "COMPUTED", measure: { numerator: 0, denominator: 9 }, points: 0 });
    expect(item("proceduresIntegrated")).toMatchObject({ status: "NOT_AVAILABLE" });
    expect(result.items.reduce((sum, i) => sum + i.maxPoints, 0)).toBe(100);
    expect(result.computedMaxPoints).toBe(38 + 6 + 4 + 2);
    expect(result.computedPoints).toBeCloseTo(12 + 8 + 1.2, 10);
  });
});

describe("facts and periods", () => {
  it("keeps one fact per event id and never mutates the record", () => {
    const receipt = e.fact(hoTich3("Z1", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11"));
    const first = foldEvent(emptyFacts("Z1"), receipt);
    expect(foldEvent(first, receipt)).toBe(first);
    const decision = e.fact(e.resolved("Z1", "2024-07-10T14:00:00+07:00"));
    const second = foldEvent(first, decision);
    expect(first.events).toHaveLength(0);
    expect(second.events).toHaveLength(1);
  });

  it("merges two records of a dossier as if all their events had been folded into one, the first receipt kept", () => {
    const receipt = e.fact(hoTich3("Z2", "ONLINE", "2024-07-08T10:00:00+07:00", "2024-07-11"));
    const otherReceipt = e.fact(hoTich3("Z2", "POSTAL", "2024-07-09T10:00:00+07:00", "2024-07-12"));
    const decision = e.fact(e.resolved("Z2", "2024-07-10T14:00:00+07:00"));
    const returned = e.fact(e.resultReturned("Z2", "2024-07-09T15:00:00+07:00", "ONLINE", true));
    const earlier = [decision, receipt].reduce(foldEvent, emptyFacts("Z2"));
    const later = [returned, decision, otherReceipt].reduce(foldEvent, emptyFacts("Z2"));
    const merged = mergeFacts(earlier, later);
    expect(merged).toEqual([receipt, decision, returned, decision, otherReceipt].reduce(foldEvent, emptyFacts("Z2")));
    expect(merged.receipt?.channel).toBe("ONLINE");
    expect(merged.events.map((event) => event.kind)).toEqual(["RESULT_RETURNED", "RESOLVED"]);
    expect(mergeFacts(merged, later)).toBe(merged);
    expect(mergeFacts(merged, emptyFacts("Z2"))).toBe(merged);
  });

  it("ignores event types reporting does not use and rejects malformed data", () => {
    expect(factFromEnvelope({ id: "x", type: "vn.onestop.payment.requested.v1", subject: "Z", time: "2024-07-01T00:00:00+07:00", data: {} })).toBeUndefined();
    expect(factFromEnvelope({ id: "x", type: "vn.onestop.intake.cmd.submit.v1", subject: "Z", time: "2024-07-01T00:00:00+07:00", data: {} })).toBeUndefined();
    expect(() => factFromEnvelope({ id: "x", type: "vn.onestop.dossier.received.v1", subject: "Z", time: "2024-07-01T00:00:00+07:00", data: { dossierCode: "Z" } })).toThrow(/procedureCode/);
  });

  it("cuts calendar quarters and the 15th-to-14th regime", () => {
    expect(parseQuarter("2024-Q3")).toEqual({ from: "2024-07-01", to: "2024-09-30" });
    expect(quarterPeriod(2024, 4)).toEqual({ from: "2024-10-01", to: "2024-12-31" });
    expect(quarterPeriod(2024, 1, 15)).toEqual({ from: "2023-12-15", to: "2024-03-14" });
    expect(parseQuarter("2024-Q5")).toBeUndefined();
  });

  it("formats numbers the Vietnamese way", () => {
    expect(formatCount(59790)).toBe("59.790");
    expect(formatCount(314849)).toBe("314.849");
    expect(formatPercent(0.993)).toBe("99,3%");
    expect(formatPercent(null)).toBe("—");
  });
});

describe("restatement of a frozen quarter", () => {
  it("given Q3 frozen with C9 pending overdue, when its late decision arrives, then exactly the moved cells are listed", () => {
    const facts = new InMemoryFacts().given(...q3Scenario());
    const frozen = formOf(facts.all());
    expect(restatement(frozen, formOf(facts.all()))).toEqual([]);

    facts.given(e.resolved("C9", "2024-09-27T10:00:00+07:00")); // due 26/9: overdue
    // CU_TRU and TOTAL: resolved (8) and overdue (10) +1; pending (11) and pending overdue (13) -1.
    const moved = (row: string) => [
      { row, column: "(8)", frozen: row === "TOTAL" ? 5 : 0, current: row === "TOTAL" ? 6 : 1 },
      { row, column: "(10)", frozen: row === "TOTAL" ? 1 : 0, current: row === "TOTAL" ? 2 : 1 },
      { row, column: "(11)", frozen: 3, current: 2 },
      { row, column: "(13)", frozen: 1, current: 0 },
    ];
    expect(restatement(frozen, formOf(facts.all()))).toEqual([...moved("CU_TRU"), ...moved("TOTAL")]);
  });
});

describe("quarters around a day", () => {
  it("gives the calendar quarter holding the day and the one before", () => {
    expect(quartersAround("2026-11-23")).toEqual([
      { from: "2026-10-01", to: "2026-12-31" },
      { from: "2026-07-01", to: "2026-09-30" },
    ]);
    expect(quartersAround("2026-01-01")).toEqual([
      { from: "2026-01-01", to: "2026-03-31" },
      { from: "2025-10-01", to: "2025-12-31" },
    ]);
  });

  it("follows the 15th-to-14th regime: 20/12/2026 is already in the first quarter of 2027", () => {
    expect(quartersAround("2026-12-20", 15)).toEqual([
      { from: "2026-12-15", to: "2027-03-14" },
      { from: "2026-09-15", to: "2026-12-14" },
    ]);
  });
});

describe("tallies", () => {
  it("given the Q3 scenario, when tallied and stored as text, then the lines read back give the same form", () => {
    const input = dossiersOfPeriod(new InMemoryFacts().given(...q3Scenario()).all(), Q3, {}, defaultCalendar);
    // Every kind of outcome is in the scenario: resolved, pending, returned.
    expect(new Set(input.lines.map((line) => line.outcome.kind))).toEqual(new Set(["RESOLVED", "PENDING", "RETURNED"]));
    const inconsistent: TallyLine = { ...input.lines[0]!, outcome: { kind: "INCONSISTENT" }, count: 2 };
    const flagged: TallyLine = { ...input.lines[0]!, paidOnline: true, digitised: true, reused: false, count: 3 };
    const lines = [...input.lines, inconsistent, flagged];
    const decoded = lines.map(({ count, ...key }) => ({ ...decodeLine(encodeLine(key), key.agencyCode), count }));
    expect(decoded).toEqual(lines);
    expect(tthcForm({ ...input, lines: decoded }, SECTORS)).toEqual(tthcForm({ ...input, lines }, SECTORS));
  });

  it("merges lines with the same classification and keeps their sum", () => {
    const input = dossiersOfPeriod(new InMemoryFacts().given(...q3Scenario()).all(), Q3, {}, defaultCalendar);
    const twice = new Tally().addLines(input.lines).addLines(input.lines).lines();
    expect(twice).toHaveLength(input.lines.length);
    expect(countOf(twice)).toBe(2 * countOf(input.lines));
  });

  it("refuses text it cannot read, naming the agency", () => {
    expect(() => decodeLine("C|HO_TICH|1.004873|ONLINE", "000.01.31.H04")).toThrow(/000\.01\.31\.H04 has 4 fields/);
    // Lines written before the payment and digitisation flags are never read as today's.
    expect(() => decodeLine("C|HO_TICH|1.004873|ONLINE|FULL|0|ONLINE|P:0|0|0", "000.01.31.H04")).toThrow(/has 10 fields/);
    expect(() => decodeLine("C|HO_TICH|1.004873|ONLINE|FULL|0|ONLINE|Z:1|0|0|0|0|0", "000.01.31.H04")).toThrow(/unknown outcome "Z:1"/);
  });
});

/**
 * Payment and digitisation events of Q3/2024, every figure worked out by hand. All CU_TRU (3 working
 * days), commune level; fee lines [0, 15.000] unless said otherwise.
 *  P1 online 8/7, paid 15.000 on the national platform 8/7, refunded 15.000 on 20/7 -> not paid online
 *  P2 in person 8/7, paid through another gateway 9/7                         -> paid online
 *  P3 in person 8/7, paid at the desk 8/7                                      -> not online
 *  P4 online 23/9, paid on the national platform 1/10 (after Q3)               -> not paid by Q3's end
 *  P5 online 8/7, fee lines all zero, nothing paid                             -> not payable
 *  P6 online 8/7, its payment (platform, 9/7) delivered before its receipt and twice -> paid online
 *  P7 online 8/7, paid 15.000 through a gateway 9/7, 5.000 refunded 12/7       -> still paid online
 * Payable received in Q3: P1, P2, P3, P4, P6, P7 = 6; paid online by 30/9: P2, P6, P7 = 3.
 */
function paymentScenario(): EnvelopeInput[] {
  const fee = [0, 15000];
  const p6Payment = e.paymentSucceeded("P6", "PAY-6", "NATIONAL_PLATFORM", 15000, "2024-07-09T08:00:00+07:00");
  return [
    cuTru3("P1", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", fee),
    e.paymentSucceeded("P1", "PAY-1", "NATIONAL_PLATFORM", 15000, "2024-07-08T10:00:00+07:00"),
    e.paymentRefunded("P1", "PAY-1", 15000, "2024-07-20T10:00:00+07:00"),
    cuTru3("P2", "IN_PERSON", "2024-07-08T09:00:00+07:00", "2024-07-11", fee),
    e.paymentSucceeded("P2", "PAY-2", "OTHER_GATEWAY", 15000, "2024-07-09T10:00:00+07:00"),
    cuTru3("P3", "IN_PERSON", "2024-07-08T09:00:00+07:00", "2024-07-11", fee),
    e.paymentSucceeded("P3", "PAY-3", "DESK", 15000, "2024-07-08T09:30:00+07:00"),
    cuTru3("P4", "ONLINE", "2024-09-23T09:00:00+07:00", "2024-09-26", fee),
    e.paymentSucceeded("P4", "PAY-4", "NATIONAL_PLATFORM", 15000, "2024-10-01T09:00:00+07:00"),
    cuTru3("P5", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", [0, 0]),
    p6Payment,
    cuTru3("P6", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", fee),
    p6Payment,
    cuTru3("P7", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", fee),
    e.paymentSucceeded("P7", "PAY-7", "OTHER_GATEWAY", 15000, "2024-07-09T10:00:00+07:00"),
    e.paymentRefunded("P7", "PAY-7", 5000, "2024-07-12T10:00:00+07:00"),
  ];
}

/**
 * Digitisation events of Q3/2024 (HO_TICH, 3 working days, received Mon 8/7 -> due 11/7):
 *  G1 component digitised 8/7, resolved 10/7, result issued electronically 10/7 (never "returned") -> digitised, e-result
 *  G2 component digitised 8/7, resolved 10/7, result returned on paper                  -> digitised, no e-result
 *  G3 resolved 10/7, electronic result returned online                                  -> e-result, not digitised
 *  G4 digitisation delivered before its receipt, document reused 8/7, resolved 11/7,
 *     result issued electronically on 2/10 (after Q3)                                   -> digitised, reused, no e-result by 30/9
 *  G5 received 15/7 (due 18/7), document reused 15/7, still open on 30/9                -> reused
 * Approved resolved: G1-G4 = 4; e-result: G1, G3 = 2; digitised with e-result: G1 = 1.
 * Received in Q3: G1-G5 = 5; with reuse: G4, G5 = 2.
 */
function digitisationScenario(): EnvelopeInput[] {
  return [
    hoTich3("G1", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11"),
    e.componentDigitised("G1", "2024-07-08T09:10:00+07:00"),
    e.resolved("G1", "2024-07-10T14:00:00+07:00"),
    e.resultIssued("G1", "2024-07-10T15:00:00+07:00"),
    hoTich3("G2", "IN_PERSON", "2024-07-08T09:00:00+07:00", "2024-07-11"),
    e.componentDigitised("G2", "2024-07-08T09:10:00+07:00"),
    e.resolved("G2", "2024-07-10T14:00:00+07:00"),
    e.resultReturned("G2", "2024-07-10T15:00:00+07:00", "IN_PERSON", false),
    hoTich3("G3", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11"),
    e.resolved("G3", "2024-07-10T14:00:00+07:00"),
    e.resultReturned("G3", "2024-07-10T15:00:00+07:00", "ONLINE", true),
    e.componentDigitised("G4", "2024-07-08T09:10:00+07:00"),
    hoTich3("G4", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11"),
    e.documentReused("G4", "2024-07-08T09:05:00+07:00"),
    e.resolved("G4", "2024-07-11T10:00:00+07:00"),
    e.resultIssued("G4", "2024-10-02T09:00:00+07:00"),
    hoTich3("G5", "ONLINE", "2024-07-15T09:00:00+07:00", "2024-07-18"),
    e.documentReused("G5", "2024-07-15T09:05:00+07:00"),
  ];
}

describe("payment and digitisation facts", () => {
  const q3 = (envelopes: EnvelopeInput[]) => dossiersOfPeriod(new InMemoryFacts().given(...envelopes).all(), Q3, {}, defaultCalendar);
  const flagsOf = (envelopes: EnvelopeInput[]) =>
    Object.fromEntries(
      new InMemoryFacts()
        .given(...envelopes)
        .all()
        .map((facts) => {
          const classification = classifyForPeriod(facts as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> }, Q3, defaultCalendar)!;
          const electronic = classification.outcome.kind === "RESOLVED" && classification.outcome.electronicResult;
          return [facts.dossierCode, { paidOnline: classification.paidOnline, digitised: classification.digitised, reused: classification.reused, electronic }];
        }),
    );

  it("given payments, refunds and a payment before its receipt, when Q3 is classified, then only unrefunded online payments by 30/9 count", () => {
    const flags = flagsOf(paymentScenario());
    expect(
      Object.entries(flags)
        .filter(([, f]) => f.paidOnline)
        .map(([code]) => code),
    ).toEqual(["P2", "P6", "P7"]);
    const form = quarterlyForm(q3(paymentScenario()), PROCEDURES);
    expect(form.total.onlinePayment).toEqual({ numerator: 3, denominator: 6, rate: 0.5 });
    expect(form.byLevel.find((level) => level.level === "COMMUNE")!.items.onlinePayment).toEqual({ numerator: 3, denominator: 6, rate: 0.5 });
    // Target not in our sources: 100%. 50% of 6 points = 3.
    const item = indicators766(q3(paymentScenario()), PROCEDURES).items.find((i) => i.code === "dossiersPaidOnline")!;
    expect(item).toMatchObject({ status: "COMPUTED", target: 1, measure: { numerator: 3, denominator: 6 }, points: 3 });
    expect(item.note).toContain("100%");
  });

  it("given P1's refund after Q3's end, when Q3 is classified, then P1 was paid online at 30/9", () => {
    const late = paymentScenario().map((event) =>
      event.type === "vn.onestop.payment.refunded.v1" && event.subject === "P1" ? e.paymentRefunded("P1", "PAY-1", 15000, "2024-10-05T10:00:00+07:00") : event,
    );
    expect(quarterlyForm(q3(late), PROCEDURES).total.onlinePayment).toEqual({ numerator: 4, denominator: 6, rate: 4 / 6 });
  });

  it("given digitised components, electronic results and reuse, when Decision 766 is computed, then the digitisation items are as worked out", () => {
    const flags = flagsOf(digitisationScenario());
    expect(flags).toEqual({
      G1: { paidOnline: false, digitised: true, reused: false, electronic: true },
      G2: { paidOnline: false, digitised: true, reused: false, electronic: false },
      G3: { paidOnline: false, digitised: false, reused: false, electronic: true },
      G4: { paidOnline: false, digitised: true, reused: true, electronic: false },
      G5: { paidOnline: false, digitised: false, reused: true, electronic: false },
    });
    const result = indicators766(q3(digitisationScenario()), PROCEDURES);
    const item = (code: string) => result.items.find((i) => i.code === code)!;
    // 2 of 4 approved with an electronic result (G1 issued, G3 returned): 6 x 0.5 = 3 points.
    expect(item("electronicResults")).toMatchObject({ measure: { numerator: 2, denominator: 4 }, points: 3 });
    // 1 of 4 digitised with an e-result: 25% < 80%: 4 x 0.25 / 0.8 = 1,25 points.
    expect(item("digitisedWithEResult")).toMatchObject({ status: "COMPUTED", target: 0.8, measure: { numerator: 1, denominator: 4, rate: 0.25 } });
    expect(item("digitisedWithEResult").points).toBeCloseTo(1.25, 10);
    // 2 of 5 received with reuse: 40% < 80%: 2 x 0.4 / 0.8 = 1 point.
    expect(item("dataReuse")).toMatchObject({ status: "COMPUTED", target: 0.8, measure: { numerator: 2, denominator: 5, rate: 0.4 } });
    expect(item("dataReuse").points).toBeCloseTo(1, 10);
    expect(item("eCertifiedCopies")).toMatchObject({ status: "NOT_AVAILABLE" });
  });

  it("given the same events in reverse order and each twice, when folded, then the records are the same", () => {
    const events = [...paymentScenario(), ...digitisationScenario()];
    const forward = new InMemoryFacts().given(...events);
    const backward = new InMemoryFacts().given(...[...events].reverse(), ...events);
    for (const [code, facts] of forward.byCode) expect(backward.byCode.get(code)).toEqual(facts);
    // P6's payment was delivered twice: one fact.
    expect(forward.byCode.get("P6")!.events.map((event) => event.kind)).toEqual(["PAID"]);
  });

  it("reads the contracts' fields and names the field of malformed data", () => {
    const paid = e.fact(e.paymentSucceeded("P9", "PAY-9", "NATIONAL_PLATFORM", 20000, "2024-07-09T10:00:00+07:00"));
    expect(paid).toMatchObject({ kind: "PAID", at: "2024-07-09T10:00:00+07:00", paymentId: "PAY-9", channel: "NATIONAL_PLATFORM", amount: 20000 });
    expect(e.fact(e.resultIssued("G9", "2024-07-10T15:00:00+07:00"))).toMatchObject({ kind: "RESULT_ISSUED_ELECTRONICALLY", at: "2024-07-10T15:00:00+07:00" });
    const envelope = (type: string, data: Record<string, unknown>): EnvelopeInput => ({ id: "m", type, subject: "P9", time: "2024-07-09T10:00:00+07:00", data });
    const succeeded = "vn.onestop.payment.succeeded.v1";
    expect(() => factFromEnvelope(envelope(succeeded, { channel: "PAYMENT_CHANNEL_DESK", amount: "1" }))).toThrow("data.paymentId is missing");
    expect(() => factFromEnvelope(envelope(succeeded, { paymentId: "X", channel: "PAYMENT_CHANNEL_CASH" }))).toThrow('data.channel has an unknown value "PAYMENT_CHANNEL_CASH"');
    expect(() => factFromEnvelope(envelope(succeeded, { paymentId: "X", channel: "PAYMENT_CHANNEL_DESK", amount: "-5" }))).toThrow("data.amount is not a non-negative amount");
    expect(() => factFromEnvelope(envelope("vn.onestop.payment.refunded.v1", { paymentId: "X", refundedAt: "20/7/2024" }))).toThrow("data.refundedAt is not a time with an offset");
    expect(() => factFromEnvelope(envelope("vn.onestop.digitisation.document_reused.v1", { reusedAt: "2024-07-08" }))).toThrow("data.reusedAt is not a time with an offset");
    // A zero amount is left out of proto3 JSON; the business time falls back to the envelope's.
    expect(factFromEnvelope(envelope("vn.onestop.payment.refunded.v1", { paymentId: "X" }))).toMatchObject({ kind: "REFUNDED", amount: 0, at: "2024-07-09T10:00:00+07:00" });
  });
});

/**
 * The "dossiers paid online" denominator leaves out only dossiers whose fee lines are all zero
 * (the primer's payment rules; seed 001: the rate was wrong because free dossiers were counted).
 * Intake's receipt lists every catalogue line, both alternatives of a birth registration included;
 * the payment service's assessment (FeesAssessed) says what the dossier owes. Q3/2024, by hand:
 *  A1 receipt [0, 8000] (on-time and late lines), assessed [0]: on time, free       -> out
 *  A2 receipt [0, 8000], assessed [8000]: late; paid online (gateway) 9/7           -> in, paid
 *  A3 receipt [20000], assessed [0]: exempt applicant (poor household)              -> out
 *  A4 receipt [20000], assessed [20000]; paid at the desk                           -> in, not paid online
 *  A5 receipt [0, 15000], no assessment (yet): the receipt decides                  -> in, unpaid
 *  A6 receipt [0, 8000] 30/9, assessed [0] only on 1/10: by 30/9 the receipt decides -> in, unpaid
 *  A7 receipt [0, 5000], assessed [0, 5000]: one zero line is not all zero; paid on the national platform -> in, paid
 *  A8 as A1, its assessment delivered before its receipt (another stream)           -> out
 * Denominator A2, A4, A5, A6, A7 = 5; numerator A2, A7 = 2: 40%, 6 × 0,4 = 2,4 points.
 * By the receipts alone it would be 2 of 8 (25%, 1,5 points).
 */
function assessmentScenario(): EnvelopeInput[] {
  return [
    cuTru3("A1", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", [0, 8000]),
    e.feesAssessed("A1", [0], "2024-07-08T09:00:01+07:00"),
    cuTru3("A2", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", [0, 8000]),
    e.feesAssessed("A2", [8000], "2024-07-08T09:00:01+07:00"),
    e.paymentSucceeded("A2", "PAY-A2", "OTHER_GATEWAY", 8000, "2024-07-09T10:00:00+07:00"),
    cuTru3("A3", "IN_PERSON", "2024-07-08T09:00:00+07:00", "2024-07-11", [20000]),
    e.feesAssessed("A3", [0], "2024-07-08T09:00:01+07:00"),
    cuTru3("A4", "IN_PERSON", "2024-07-08T09:00:00+07:00", "2024-07-11", [20000]),
    e.feesAssessed("A4", [20000], "2024-07-08T09:00:01+07:00"),
    e.paymentSucceeded("A4", "PAY-A4", "DESK", 20000, "2024-07-08T09:30:00+07:00"),
    cuTru3("A5", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", [0, 15000]),
    cuTru3("A6", "ONLINE", "2024-09-30T16:00:00+07:00", "2024-10-03", [0, 8000]),
    e.feesAssessed("A6", [0], "2024-10-01T08:00:00+07:00"),
    cuTru3("A7", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", [0, 5000]),
    e.feesAssessed("A7", [0, 5000], "2024-07-08T09:00:01+07:00"),
    e.paymentSucceeded("A7", "PAY-A7", "NATIONAL_PLATFORM", 5000, "2024-07-09T10:00:00+07:00"),
    e.feesAssessed("A8", [0], "2024-07-08T09:00:01+07:00"),
    cuTru3("A8", "ONLINE", "2024-07-08T09:00:00+07:00", "2024-07-11", [0, 8000]),
  ];
}

describe("the online-payment denominator: the payment service's assessment decides", () => {
  const q3 = (envelopes: EnvelopeInput[]) => dossiersOfPeriod(new InMemoryFacts().given(...envelopes).all(), Q3, {}, defaultCalendar);

  it("given receipts and their fee assessments, when Q3's quarterly form and Decision 766 are computed, then only all-zero dossiers are left out", () => {
    const lines = q3(assessmentScenario()).lines;
    expect(lines.filter((line) => line.payable).reduce((sum, line) => sum + line.count, 0)).toBe(5);
    expect(quarterlyForm(q3(assessmentScenario()), PROCEDURES).total.onlinePayment).toEqual({ numerator: 2, denominator: 5, rate: 0.4 });
    const item = indicators766(q3(assessmentScenario()), PROCEDURES).items.find((i) => i.code === "dossiersPaidOnline")!;
    expect(item).toMatchObject({ status: "COMPUTED", measure: { numerator: 2, denominator: 5 } });
    expect(item.points).toBeCloseTo(2.4, 10);
  });

  it("given the receipts alone (no assessment reached reporting), then the receipts' lines decide: 2 of 8", () => {
    const receiptsOnly = assessmentScenario().filter((event) => event.type !== "vn.onestop.payment.fees_assessed.v1");
    expect(quarterlyForm(q3(receiptsOnly), PROCEDURES).total.onlinePayment).toEqual({ numerator: 2, denominator: 8, rate: 0.25 });
  });

  it("given A6's assessment of 1/10, then Q4 sees it (A6 carried over is not in Q4's received dossiers) and a re-assessment replaces the first", () => {
    const facts = new InMemoryFacts().given(...assessmentScenario()).byCode.get("A6")!;
    const withReceipt = facts as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> };
    expect(classifyForPeriod(withReceipt, Q3, defaultCalendar)!.payable).toBe(true);
    expect(classifyForPeriod(withReceipt, Q4, defaultCalendar)!.payable).toBe(false);
    const reassessed = new InMemoryFacts().given(...assessmentScenario(), e.feesAssessed("A1", [8000], "2024-07-08T11:00:00+07:00")).byCode.get("A1")!;
    expect(classifyForPeriod(reassessed as typeof withReceipt, Q3, defaultCalendar)!.payable).toBe(true);
  });

  it("given the same events in reverse order and each twice, then the same figures", () => {
    const events = assessmentScenario();
    expect(quarterlyForm(q3([...[...events].reverse(), ...events]), PROCEDURES).total.onlinePayment).toEqual({ numerator: 2, denominator: 5, rate: 0.4 });
  });

  it("reads FeesAssessed as the payment service writes it (zero lines with amount 0, or left out as proto3 JSON does), and names a malformed field", () => {
    expect(e.fact(e.feesAssessed("A9", [0, 4000], "2024-07-08T09:00:01+07:00"))).toMatchObject({ kind: "FEES_ASSESSED", amounts: [0, 4000], at: "2024-07-08T09:00:01+07:00" });
    const envelope = (data: Record<string, unknown>): EnvelopeInput => ({ id: "m2", type: "vn.onestop.payment.fees_assessed.v1", subject: "A9", time: "2024-07-08T09:00:00+07:00", data });
    expect(factFromEnvelope(envelope({ lines: [{ code: "LP_KHAI_SINH_DUNG_HAN" }] }))).toMatchObject({ kind: "FEES_ASSESSED", amounts: [0], at: "2024-07-08T09:00:00+07:00" });
    expect(factFromEnvelope(envelope({}))).toMatchObject({ kind: "FEES_ASSESSED", amounts: [] });
    expect(() => factFromEnvelope(envelope({ lines: [{ code: "X", amount: 1.5 }] }))).toThrow("data.amount is not a non-negative amount");
    expect(() => factFromEnvelope(envelope({ lines: "none" }))).toThrow("data.lines is not a list of fee lines");
  });
});

describe("transfers: the period credits the deciding agency", () => {
  const A = "000.01.31.H04";
  const B = "000.02.31.H04";
  // Marital status certificate, 3 working days, received online.
  const receivedBy = (code: string, agencyCode: string, receivedAt: string, dueDate: string) =>
    e.received({ code, procedureCode: "1.004873", sectorCode: "HO_TICH", agencyCode, channel: "ONLINE", receivedAt, dueDate, workingDays: 3 });

  /**
   *  A1 received by A Mon 8/7/2024 10:00, due Thu 11/7 (Tue 9, Wed 10, Thu 11); resolved by A Thu 11/7 15:00 -> on time, A's.
   *  T1 received by A Mon 8/7 10:00, due 11/7; transferred to B Tue 9/7 09:00; resolved Wed 10/7 14:00 -> early, B's.
   *  T2 received by A Mon 23/9 09:00, due Thu 26/9 (Tue 24, Wed 25, Thu 26); transferred to B Tue 1/10 09:00;
   *     resolved Wed 2/10 10:00. Q3: A still held it on 30/9 -> A's, pending overdue. Q4: carried over, B's, overdue.
   */
  const scenario = () =>
    new InMemoryFacts().given(
      receivedBy("A1", A, "2024-07-08T10:00:00+07:00", "2024-07-11"),
      e.resolved("A1", "2024-07-11T15:00:00+07:00"),
      receivedBy("T1", A, "2024-07-08T10:00:00+07:00", "2024-07-11"),
      e.transferred("T1", "2024-07-09T09:00:00+07:00", A, B),
      e.resolved("T1", "2024-07-10T14:00:00+07:00"),
      receivedBy("T2", A, "2024-09-23T09:00:00+07:00", "2024-09-26"),
      e.transferred("T2", "2024-10-01T09:00:00+07:00", A, B),
      e.resolved("T2", "2024-10-02T10:00:00+07:00"),
    );
  const totals = (period: Period, scope: Parameters<typeof dossiersOfPeriod>[2]) => {
    const form = tthcForm(dossiersOfPeriod(scenario().all(), period, scope, defaultCalendar), SECTORS);
    expect(
      form.checks.every((check) => check.holds),
      JSON.stringify(form.checks),
    ).toBe(true);
    return form.totals;
  };

  it("given T1 received by A, transferred to B and resolved in Q3, when the Q3 form is built, then B's row has it received and resolved, A's does not", () => {
    expect(totals(Q3, { agencyCode: B })).toMatchObject({
      received: { total: 1, online: 1, carriedOver: 0 },
      resolved: { total: 1, early: 1, onTime: 0, overdue: 0 },
      pending: { total: 0 },
    });
    // A: its own A1 (on time) and T2, which it still held on 30/9, due 26/9: pending overdue.
    expect(totals(Q3, { agencyCode: A })).toMatchObject({
      received: { total: 2, online: 2 },
      resolved: { total: 1, early: 0, onTime: 1, overdue: 0 },
      pending: { total: 1, overdue: 1 },
    });
    // Each dossier once in the whole form.
    expect(totals(Q3, {})).toMatchObject({ received: { total: 3 }, resolved: { total: 2, early: 1, onTime: 1 }, pending: { total: 1, overdue: 1 } });
    const lines = dossiersOfPeriod(scenario().all(), Q3, {}, defaultCalendar).lines;
    expect(lines.filter((line) => line.agencyCode === B)).toMatchObject([{ outcome: { kind: "RESOLVED", legal: "EARLY" }, count: 1 }]);
  });

  it("given T2 transferred to B on 1/10 and resolved on 2/10, when the Q4 form is built, then it is B's carried-over dossier, resolved overdue, and not A's", () => {
    expect(totals(Q4, { agencyCode: B })).toMatchObject({
      received: { total: 1, online: 0, carriedOver: 1 },
      resolved: { total: 1, overdue: 1 },
      pending: { total: 0 },
    });
    expect(totals(Q4, { agencyCode: A }).received.total).toBe(0);
    const t2 = scenario().byCode.get("T2")! as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> };
    expect(classifyForPeriod(t2, Q3, defaultCalendar)?.agencyCode).toBe(A);
    expect(classifyForPeriod(t2, Q4, defaultCalendar)?.agencyCode).toBe(B);
  });

  it("keeps the transfer's destination in the facts record, and refuses a transfer without one", () => {
    expect(e.fact(e.transferred("T1", "2024-07-09T09:00:00+07:00", A, B))).toMatchObject({
      kind: "TRANSFERRED",
      at: "2024-07-09T09:00:00+07:00",
      fromAgencyCode: A,
      toAgencyCode: B,
    });
    const envelope: EnvelopeInput = { id: "t", type: "vn.onestop.dossier.transferred.v1", subject: "T1", time: "2024-07-09T09:00:00+07:00", data: { fromAgencyCode: A } };
    expect(() => factFromEnvelope(envelope)).toThrow("data.toAgencyCode is missing");
  });

  it("given a record folded before destinations were kept, then the dossier is inconsistent until a rebuild, never credited by guess", () => {
    const legacy = foldEvent(scenario().byCode.get("T1")!, { kind: "TRANSFERRED", eventId: "old-1", at: "2024-07-09T10:00:00+07:00" } as unknown as FactEvent);
    const classification = classifyForPeriod(legacy as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> }, Q3, defaultCalendar);
    expect(classification?.outcome).toMatchObject({ kind: "INCONSISTENT", reason: expect.stringContaining("without its destination") });
  });
});

describe("pauses: RESUMED closes the one open pause (the fold shared with intake)", () => {
  it("given an opinion pause and a later financial one, each resumed, then the legal due date moves by the second's days", () => {
    // Received Mon 5/8/2024 09:00, 3 working days, due Thu 8/8. Opinion pause Tue 6/8 09:00-11:00 (same
    // day: costs nothing); financial obligation Wed 7/8 09:00, resumed Fri 9/8 09:00: Thu 8 and Fri 9/8
    // are not counted, so Tue 6, Wed 7, Mon 12/8 -> legal due Mon 12/8; resolved Mon 12/8 10:00 -> on time.
    // Indicator: 12/8 10:00 minus 2 h and 48 h of pauses = Sat 10/8 08:00, after the receipt's due day 8/8 -> overdue.
    const facts = new InMemoryFacts()
      .given(
        cuTru3("P2", "ONLINE", "2024-08-05T09:00:00+07:00", "2024-08-08"),
        e.paused("P2", "2024-08-06T09:00:00+07:00", "OPINION_REQUEST"),
        e.resumed("P2", "2024-08-06T11:00:00+07:00", "OPINION_REQUEST"),
        e.paused("P2", "2024-08-07T09:00:00+07:00", "FINANCIAL_OBLIGATION"),
        e.resumed("P2", "2024-08-09T09:00:00+07:00", "FINANCIAL_OBLIGATION"),
        e.resolved("P2", "2024-08-12T10:00:00+07:00"),
      )
      .all()[0]! as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> };
    expect(classifyForPeriod(facts, Q3, defaultCalendar)?.outcome).toMatchObject({ kind: "RESOLVED", legal: "ON_TIME", indicator: "OVERDUE" });
  });

  it("given a pause started while another is open, then the dossier is inconsistent (intake refuses it), not guessed", () => {
    const facts = new InMemoryFacts()
      .given(
        cuTru3("P3", "ONLINE", "2024-08-05T09:00:00+07:00", "2024-08-08"),
        e.paused("P3", "2024-08-06T09:00:00+07:00", "OPINION_REQUEST"),
        e.paused("P3", "2024-08-07T09:00:00+07:00", "FINANCIAL_OBLIGATION"),
        e.resumed("P3", "2024-08-08T09:00:00+07:00", "FINANCIAL_OBLIGATION"),
      )
      .all()[0]! as DossierFacts & { receipt: NonNullable<DossierFacts["receipt"]> };
    expect(classifyForPeriod(facts, Q3, defaultCalendar)?.outcome).toMatchObject({ kind: "INCONSISTENT", reason: expect.stringContaining("still open") });
  });
});
