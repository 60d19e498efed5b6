import { defaultCalendar } from "@onestop/calendar";
import { describe, expect, it } from "vitest";
import { deadlineView } from "../src/domain/deadlines.js";
import type { Dossier } from "../src/domain/dossier.js";
import type { LifecycleEvent, ReceivedEvent } from "../src/domain/events.js";
import { decide, evolve, LifecycleRuleError, start } from "../src/domain/lifecycle.js";

/** Marital status certificate at a commune: 3 working days. */
function received(receivedAt: string, originalDueAt: string): ReceivedEvent {
  return {
    eventId: "r0",
    type: "RECEIVED",
    at: receivedAt,
    dossier: {
      code: "000.00.51.H06-250929-0001",
      procedureCode: "1.004873",
      sectorCode: "HO_TICH",
      agencyCode: "000.00.51.H06",
      level: "COMMUNE",
      receivingUnitCode: "000.00.51.H06",
      channel: "ONLINE",
      onlineMode: "FULL",
      receivedAt,
      applicant: { idNumber: "024090001234", fullName: "Nguyễn Thị Hoa" },
      components: [],
      fees: [{ code: "LP_XAC_NHAN_TTHN", amount: 3000 }],
      timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: false },
      originalDueAt,
    },
  };
}

/** given(events) -> when(event) -> the dossier after it, or the rule it breaks. */
function given(first: ReceivedEvent, ...events: LifecycleEvent[]) {
  const dossier = events.reduce<Dossier>((state, event) => {
    const decision = decide(state, event, defaultCalendar);
    return decision.kind === "apply" ? evolve(state, event) : state;
  }, start(first));
  return {
    dossier,
    when(event: LifecycleEvent) {
      const decision = decide(dossier, event, defaultCalendar);
      return decision.kind === "apply" ? { dossier: evolve(dossier, event), duplicate: false } : { dossier, duplicate: true };
    },
    whenRefused(event: LifecycleEvent): string {
      try {
        decide(dossier, event, defaultCalendar);
      } catch (error) {
        if (error instanceof LifecycleRuleError) return error.rule;
        throw error;
      }
      throw new Error(`${event.type} was accepted`);
    },
  };
}

const mondayReceipt = received("2025-09-29T10:00:00+07:00", "2025-10-02T23:59:59.999+07:00");

describe("the dossier lifecycle (Decree 118/2025, received from 1/7/2025)", () => {
  it("stops the legal clock while a supplement is awaited and restarts it from zero on return", () => {
    const requested = given(mondayReceipt).when({ eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-09-30T09:00:00+07:00" });
    expect(requested.dossier.status).toBe("SUPPLEMENT_REQUESTED");
    expect(deadlineView(requested.dossier, defaultCalendar)).toMatchObject({ clockStatus: "AWAITING_SUPPLEMENT", dueAt: null });

    // Returned Wed 1/10 at 14:00: three new working days Thu 2, Fri 3, Mon 6/10.
    const returned = given(mondayReceipt, { eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-09-30T09:00:00+07:00" }).when({
      eventId: "s2",
      type: "SUPPLEMENT_RECEIVED",
      at: "2025-10-01T14:00:00+07:00",
    });
    expect(returned.dossier.status).toBe("PROCESSING");
    expect(deadlineView(returned.dossier, defaultCalendar).dueAt).toMatch(/^2025-10-06T/);
  });

  it("moves the due date by the days an opinion request kept the dossier paused", () => {
    // Paused Tue 30/9 09:00, resumed Wed 1/10 16:00: Wed 1/10 does not count, so the three
    // working days are Tue 30/9, Thu 2/10 and Fri 3/10.
    const { dossier } = given(mondayReceipt, { eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "OPINION_REQUEST" }).when({
      eventId: "p2",
      type: "RESUMED",
      at: "2025-10-01T16:00:00+07:00",
    });
    expect(dossier.pauses).toEqual([{ reason: "OPINION_REQUEST", from: "2025-09-30T09:00:00+07:00", to: "2025-10-01T16:00:00+07:00" }]);
    expect(deadlineView(dossier, defaultCalendar).dueAt).toMatch(/^2025-10-03T/);
  });

  it("closes the one open pause on RESUMED: after a first pause ended, the next resume ends the second and the first keeps its end", () => {
    // Opinion pause Tue 30/9 09:00-11:00 (same day: costs nothing); financial obligation from Wed 1/10 09:00,
    // resumed Fri 3/10 09:00: Thu 2 and Fri 3/10 are not counted, so the three working days are
    // Tue 30/9, Wed 1/10 and Mon 6/10.
    const { dossier } = given(
      mondayReceipt,
      { eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "OPINION_REQUEST" },
      { eventId: "p2", type: "RESUMED", at: "2025-09-30T11:00:00+07:00" },
      { eventId: "p3", type: "PAUSED", at: "2025-10-01T09:00:00+07:00", reason: "FINANCIAL_OBLIGATION" },
    ).when({ eventId: "p4", type: "RESUMED", at: "2025-10-03T09:00:00+07:00" });
    expect(dossier.status).toBe("PROCESSING");
    expect(dossier.pauses).toEqual([
      { reason: "OPINION_REQUEST", from: "2025-09-30T09:00:00+07:00", to: "2025-09-30T11:00:00+07:00" },
      { reason: "FINANCIAL_OBLIGATION", from: "2025-10-01T09:00:00+07:00", to: "2025-10-03T09:00:00+07:00" },
    ]);
    expect(deadlineView(dossier, defaultCalendar)).toMatchObject({ clockStatus: "RUNNING", dueAt: expect.stringMatching(/^2025-10-06T/) });
  });

  it("refuses a second pause while one is open, and a resume when none is", () => {
    const paused = given(mondayReceipt, { eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "OPINION_REQUEST" });
    expect(paused.whenRefused({ eventId: "p2", type: "PAUSED", at: "2025-09-30T10:00:00+07:00", reason: "FINANCIAL_OBLIGATION" })).toBe("PAUSED_NOT_ALLOWED_WHEN_PAUSED");
    expect(given(mondayReceipt).whenRefused({ eventId: "r1", type: "RESUMED", at: "2025-09-30T10:00:00+07:00" })).toBe("RESUMED_NOT_ALLOWED_WHEN_PROCESSING");
  });

  it("gives the legal and the indicator verdicts from the same facts", () => {
    // Resolved Thu 2/10 16:00 after a one-hour pause on 30/9: on the due day for both views.
    const { dossier } = given(
      mondayReceipt,
      { eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "FINANCIAL_OBLIGATION" },
      { eventId: "p2", type: "RESUMED", at: "2025-09-30T10:00:00+07:00" },
    ).when({ eventId: "d1", type: "RESOLVED", at: "2025-10-02T16:00:00+07:00", outcome: "APPROVED" });
    const { verdicts } = deadlineView(dossier, defaultCalendar);
    expect(verdicts?.legal.verdict).toBe("ON_TIME");
    expect(verdicts?.indicator.verdict).toBe("ON_TIME");
  });

  it("counts a second supplement request as late for the indicator, not for the law", () => {
    const { dossier } = given(
      mondayReceipt,
      { eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-09-29T15:00:00+07:00" },
      { eventId: "s2", type: "SUPPLEMENT_RECEIVED", at: "2025-09-30T09:00:00+07:00" },
      { eventId: "s3", type: "SUPPLEMENT_REQUESTED", at: "2025-09-30T15:00:00+07:00" },
      { eventId: "s4", type: "SUPPLEMENT_RECEIVED", at: "2025-10-01T09:00:00+07:00" },
    ).when({ eventId: "d1", type: "RESOLVED", at: "2025-10-02T10:00:00+07:00", outcome: "APPROVED" });
    const { verdicts } = deadlineView(dossier, defaultCalendar);
    // Legal clock restarted on Wed 1/10: due Mon 6/10, resolved Thu 2/10: early.
    expect(verdicts?.legal.verdict).toBe("EARLY");
    expect(verdicts?.indicator).toMatchObject({ verdict: "OVERDUE", reason: "MORE_THAN_ONE_SUPPLEMENT_REQUEST" });
  });

  it("refuses a supplement request for a resolved dossier", () => {
    const resolved = given(mondayReceipt, { eventId: "d1", type: "RESOLVED", at: "2025-10-01T09:00:00+07:00", outcome: "APPROVED" });
    expect(resolved.whenRefused({ eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-10-01T10:00:00+07:00" })).toBe("SUPPLEMENT_REQUESTED_NOT_ALLOWED_WHEN_RESOLVED");
    expect(resolved.whenRefused({ eventId: "w1", type: "WITHDRAWN", at: "2025-10-01T10:00:00+07:00" })).toBe("WITHDRAWN_NOT_ALLOWED_WHEN_RESOLVED");
  });

  it("allows one extension after an apology, and refuses a second", () => {
    const extended = given(mondayReceipt).when({ eventId: "x1", type: "DEADLINE_EXTENDED", at: "2025-09-30T09:00:00+07:00", newDueDate: "2025-10-08" });
    expect(deadlineView(extended.dossier, defaultCalendar).dueAt).toMatch(/^2025-10-08T/);
    const again = given(mondayReceipt, { eventId: "x1", type: "DEADLINE_EXTENDED", at: "2025-09-30T09:00:00+07:00", newDueDate: "2025-10-08" });
    expect(again.whenRefused({ eventId: "x2", type: "DEADLINE_EXTENDED", at: "2025-10-01T09:00:00+07:00", newDueDate: "2025-10-10" })).toBe("ONE_EXTENSION");
  });

  it("refuses an apology sent on the due day itself (it must come at least a day before)", () => {
    expect(given(mondayReceipt).whenRefused({ eventId: "x1", type: "DEADLINE_EXTENDED", at: "2025-10-02T09:00:00+07:00", newDueDate: "2025-10-08" })).toBe("LATE_APOLOGY");
  });

  it("closes a dossier whose supplement never came only after the 15 days of Decree 118", () => {
    const awaiting = given(mondayReceipt, { eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-09-30T09:00:00+07:00" });
    expect(awaiting.whenRefused({ eventId: "c1", type: "CLOSED", at: "2025-10-10T09:00:00+07:00" })).toBe("SUPPLEMENT_PERIOD_NOT_OVER");
    // 15 days counted from the day after the request (1/10) end with 15/10; on 16/10 it may be closed.
    expect(awaiting.when({ eventId: "c1", type: "CLOSED", at: "2025-10-16T09:00:00+07:00" }).dossier).toMatchObject({
      status: "CLOSED",
      endedAt: "2025-10-16T09:00:00+07:00",
    });
  });

  it("has no second effect for an event id it has already applied", () => {
    const paused = given(mondayReceipt, { eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "OPINION_REQUEST" });
    const replay = paused.when({ eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "OPINION_REQUEST" });
    expect(replay.duplicate).toBe(true);
    expect(replay.dossier.timeline).toHaveLength(2);
  });

  it("refuses an event earlier than the last one recorded", () => {
    const paused = given(mondayReceipt, { eventId: "p1", type: "PAUSED", at: "2025-09-30T09:00:00+07:00", reason: "OPINION_REQUEST" });
    expect(paused.whenRefused({ eventId: "p2", type: "RESUMED", at: "2025-09-30T08:00:00+07:00" })).toBe("EVENTS_IN_ORDER");
  });

  it("moves the dossier to the receiving agency on transfer, never to the agency it is with", () => {
    const moved = given(mondayReceipt).when({ eventId: "t1", type: "TRANSFERRED", at: "2025-09-30T09:00:00+07:00", toAgencyCode: "000.00.03.H06" });
    expect(moved.dossier.agencyCode).toBe("000.00.03.H06");
    expect(moved.dossier.transfers).toEqual([{ fromAgencyCode: "000.00.51.H06", toAgencyCode: "000.00.03.H06", at: "2025-09-30T09:00:00+07:00" }]);
    expect(given(mondayReceipt).whenRefused({ eventId: "t1", type: "TRANSFERRED", at: "2025-09-30T09:00:00+07:00", toAgencyCode: "000.00.51.H06" })).toBe("TRANSFER_TO_ANOTHER_AGENCY");
  });

  it("takes one evaluation, after the decision", () => {
    const returned = given(
      mondayReceipt,
      { eventId: "d1", type: "RESOLVED", at: "2025-10-01T09:00:00+07:00", outcome: "APPROVED" },
      { eventId: "d2", type: "RESULT_RETURNED", at: "2025-10-01T10:00:00+07:00", channel: "POSTAL", electronic: false },
      { eventId: "e1", type: "EVALUATED", at: "2025-10-01T11:00:00+07:00", rating: 4 },
    );
    expect(returned.dossier).toMatchObject({ status: "RESULT_RETURNED", rating: 4, resultReturn: { channel: "POSTAL", electronic: false } });
    expect(returned.whenRefused({ eventId: "e2", type: "EVALUATED", at: "2025-10-01T12:00:00+07:00", rating: 1 })).toBe("ONE_EVALUATION");
    expect(given(mondayReceipt).whenRefused({ eventId: "e1", type: "EVALUATED", at: "2025-10-01T11:00:00+07:00", rating: 4 })).toBe("EVALUATED_NOT_ALLOWED_WHEN_PROCESSING");
  });
});

describe("the lifecycle for a dossier received under Decree 61/2018 (before 1/7/2025)", () => {
  it("may close a dossier awaiting a supplement without the 15-day wait", () => {
    // Received Mon 2/6/2025 (3 working days: Tue 3, Wed 4, Thu 5/6).
    const june = received("2025-06-02T09:00:00+07:00", "2025-06-05T23:59:59.999+07:00");
    const awaiting = given(june, { eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-06-03T09:00:00+07:00" });
    expect(deadlineView(awaiting.dossier, defaultCalendar).ruleSet).toBe("DECREE_61_2018");
    expect(awaiting.when({ eventId: "c1", type: "CLOSED", at: "2025-06-05T09:00:00+07:00" }).dossier.status).toBe("CLOSED");
  });
});
