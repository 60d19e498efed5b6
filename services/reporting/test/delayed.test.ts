/**
 * Delayed dossiers (domain/delayed.ts), given/when/then from worked examples on the working-day
 * calendar of October 2024 (no holidays; 5-6 and 12-13 are weekends). Each dossier: received
 * Tuesday 1 October 2024 at 09:00, 3 working days, so due Friday 4 October (end of the day).
 */
import { describe, expect, it } from "vitest";
import { defaultCalendar } from "@onestop/calendar";
import { judgeDelayed, openDossierOf, selectDelayed, type EnvelopeInput, type OpenDossier } from "../src/domain/index.js";
import * as e from "./domain/events.js";
import { InMemoryFacts } from "./domain/projection.js";

const A = "000.00.03.H06"; // Sở Tư pháp tỉnh Bắc Ninh
const B = "000.00.09.H06"; // Sở Xây dựng tỉnh Bắc Ninh
const at = (local: string) => `${local}+07:00`;
const ms = (local: string) => Date.parse(at(local));

function receipt(code: string, overrides: Partial<Parameters<typeof e.received>[0]> = {}): EnvelopeInput {
  return e.received({
    code,
    procedureCode: "3.000333",
    sectorCode: "LY_LICH_TU_PHAP",
    agencyCode: A,
    level: "PROVINCE",
    channel: "ONLINE",
    receivedAt: at("2024-10-01T09:00:00"),
    dueDate: "2024-10-04",
    workingDays: 3,
    ...overrides,
  });
}

const extended = (code: string, when: string, newDueDate: string): EnvelopeInput => ({
  id: `ext-${code}`,
  type: "vn.onestop.dossier.deadline_extended.v1",
  subject: code,
  time: when,
  data: { dossierCode: code, extendedAt: when, newDueAt: newDueDate, reason: "Chờ ý kiến cơ quan phối hợp" },
});

/** Given these events, the open dossier's summary (or undefined). */
function given(...events: EnvelopeInput[]): OpenDossier | undefined {
  const facts = new InMemoryFacts().given(...events).all();
  expect(facts).toHaveLength(1);
  return openDossierOf(facts[0]!, defaultCalendar);
}

describe("an open dossier's summary", () => {
  it("holds the receiving agency, the receipt's due instant and the state PROCESSING after a bare receipt", () => {
    expect(given(receipt("D1"))).toEqual({
      dossierCode: "D1",
      procedureCode: "3.000333",
      sectorCode: "LY_LICH_TU_PHAP",
      level: "PROVINCE",
      agencyCode: A,
      receivingAgencyCode: A,
      receivedAt: at("2024-10-01T09:00:00"),
      heldSince: at("2024-10-01T09:00:00"),
      state: "PROCESSING",
      stateSince: at("2024-10-01T09:00:00"),
      originalDueAt: at("2024-10-04T23:59:59.999"),
      dueAtMs: ms("2024-10-04T23:59:59.999"),
      extended: false,
      lastEventAt: at("2024-10-01T09:00:00"),
    });
  });

  it("has no due instant while the applicant's supplement is awaited (the clock is stopped)", () => {
    const summary = given(receipt("D1"), e.supplementRequested("D1", at("2024-10-02T10:00:00")));
    expect(summary).toMatchObject({ state: "AWAITING_SUPPLEMENT", stateSince: at("2024-10-02T10:00:00"), dueAtMs: null });
  });

  it("restarts the clock from zero when the supplement arrives: 3 working days after Monday 7 October is Thursday 10", () => {
    const summary = given(receipt("D1"), e.supplementRequested("D1", at("2024-10-02T10:00:00")), e.supplementReceived("D1", at("2024-10-07T08:30:00")));
    expect(summary).toMatchObject({ state: "PROCESSING", stateSince: at("2024-10-07T08:30:00"), dueAtMs: ms("2024-10-10T23:59:59.999") });
  });

  it("is PAUSED with no due instant while waiting for another agency's opinion", () => {
    expect(given(receipt("D1"), e.paused("D1", at("2024-10-02T14:00:00")))).toMatchObject({ state: "PAUSED", stateSince: at("2024-10-02T14:00:00"), dueAtMs: null });
  });

  it("is held by the transfer's destination from the transfer on", () => {
    const summary = given(receipt("D1"), e.transferred("D1", at("2024-10-02T11:00:00"), A, B));
    expect(summary).toMatchObject({ agencyCode: B, receivingAgencyCode: A, heldSince: at("2024-10-02T11:00:00"), stateSince: at("2024-10-02T11:00:00") });
  });

  it("takes the apology letter's new date as the due date", () => {
    const summary = given(receipt("D1"), extended("D1", at("2024-10-02T16:00:00"), "2024-10-11"));
    expect(summary).toMatchObject({ extended: true, dueAtMs: ms("2024-10-11T23:59:59.999"), originalDueAt: at("2024-10-04T23:59:59.999") });
  });

  it("is gone once the dossier is resolved, refused, withdrawn, or before its receipt is known", () => {
    expect(given(receipt("D1"), e.resolved("D1", at("2024-10-03T10:00:00")))).toBeUndefined();
    expect(given(receipt("D1"), e.refused("D1", at("2024-10-03T10:00:00")))).toBeUndefined();
    expect(given(receipt("D1"), e.withdrawn("D1", at("2024-10-03T10:00:00")))).toBeUndefined();
    expect(given(e.supplementRequested("D1", at("2024-10-02T10:00:00")))).toBeUndefined();
  });

  it("is the same whatever order the events came in, and a duplicate changes nothing", () => {
    const events = [receipt("D1"), e.supplementRequested("D1", at("2024-10-02T10:00:00")), e.supplementReceived("D1", at("2024-10-07T08:30:00"))];
    expect(given(...[...events].reverse())).toEqual(given(...events));
    expect(given(...events, events[1]!, events[0]!)).toEqual(given(...events));
  });
});

describe("overdue or at risk, judged at the time of the question", () => {
  const open = given(receipt("D1"))!;

  it("is overdue on Tuesday 8 October by 2 working days (Monday 7 and Tuesday 8)", () => {
    expect(judgeDelayed(open, ms("2024-10-08T10:00:00"), defaultCalendar)).toMatchObject({ status: "OVERDUE", overdueWorkingDays: 2, workingDaysLeft: 0, idleWorkingDays: 5 });
  });

  it("is overdue from the first instant after the due day, by 0 working days on Saturday 5", () => {
    expect(judgeDelayed(open, ms("2024-10-04T23:59:59.000"), defaultCalendar)?.status).toBe("AT_RISK");
    expect(judgeDelayed(open, ms("2024-10-05T00:00:00.001"), defaultCalendar)).toMatchObject({ status: "OVERDUE", overdueWorkingDays: 0 });
  });

  it("is at risk on Wednesday 2 with 2 working days left (Thursday 3, Friday 4), not with the horizon at 1", () => {
    expect(judgeDelayed(open, ms("2024-10-02T10:00:00"), defaultCalendar)).toMatchObject({ status: "AT_RISK", workingDaysLeft: 2 });
    expect(judgeDelayed(open, ms("2024-10-02T10:00:00"), defaultCalendar, 1)).toBeUndefined();
  });

  it("is neither on the day of receipt, with 3 working days left", () => {
    expect(judgeDelayed(open, ms("2024-10-01T10:00:00"), defaultCalendar)).toBeUndefined();
  });

  it("is never delayed while its clock is stopped, however late it is", () => {
    const waiting = given(receipt("D1"), e.supplementRequested("D1", at("2024-10-02T10:00:00")))!;
    expect(judgeDelayed(waiting, ms("2024-12-31T10:00:00"), defaultCalendar)).toBeUndefined();
  });

  it("is no longer overdue after an apology letter moved the date to Friday 11", () => {
    const moved = given(receipt("D1"), extended("D1", at("2024-10-02T16:00:00"), "2024-10-11"))!;
    expect(judgeDelayed(moved, ms("2024-10-08T10:00:00"), defaultCalendar)).toBeUndefined();
    expect(judgeDelayed(moved, ms("2024-10-09T10:00:00"), defaultCalendar)).toMatchObject({ status: "AT_RISK", workingDaysLeft: 2 });
  });
});

describe("the list", () => {
  const facts = new InMemoryFacts().given(
    receipt("LATE-1"),
    receipt("LATE-2", { receivedAt: at("2024-09-30T09:00:00"), dueDate: "2024-10-03" }),
    receipt("RISK-1", { receivedAt: at("2024-10-04T09:00:00"), dueDate: "2024-10-09" }),
    receipt("OTHER", { agencyCode: B, procedureCode: "1.011441", sectorCode: "XAY_DUNG", level: "PROVINCE" }),
    receipt("FINE", { receivedAt: at("2024-10-08T09:00:00"), dueDate: "2024-10-11" }),
    receipt("DONE", { receivedAt: at("2024-09-30T09:00:00"), dueDate: "2024-10-03" }),
    e.resolved("DONE", at("2024-10-02T09:00:00")),
  );
  const open = facts.all().flatMap((f) => openDossierOf(f, defaultCalendar) ?? []);
  const now = ms("2024-10-08T10:00:00");

  it("puts the overdue first, the longest overdue first, then those at risk, and leaves out the rest", () => {
    expect(selectDelayed(open, {}, now, defaultCalendar).map((d) => [d.dossierCode, d.status])).toEqual([
      ["LATE-2", "OVERDUE"],
      ["LATE-1", "OVERDUE"],
      ["OTHER", "OVERDUE"],
      ["RISK-1", "AT_RISK"],
    ]);
  });

  it("filters by agency, sector, procedure, level and status", () => {
    const codes = (filter: Parameters<typeof selectDelayed>[1]) => selectDelayed(open, filter, now, defaultCalendar).map((d) => d.dossierCode);
    expect(codes({ agencyCode: B })).toEqual(["OTHER"]);
    expect(codes({ sectorCode: "LY_LICH_TU_PHAP" })).toEqual(["LATE-2", "LATE-1", "RISK-1"]);
    expect(codes({ procedureCode: "1.011441" })).toEqual(["OTHER"]);
    expect(codes({ level: "COMMUNE" })).toEqual([]);
    expect(codes({ status: "AT_RISK" })).toEqual(["RISK-1"]);
    expect(codes({ agencyCode: A, status: "OVERDUE" })).toEqual(["LATE-2", "LATE-1"]);
  });
});
