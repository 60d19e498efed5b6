import { describe, expect, it } from "vitest";
import { agenciesHeld, agencyAt, computeDueAt, foldClock, foldClockEvents, LEAVES_PROCESSING, leftProcessingAt, startClock, type ClockEvent, type ClockState } from "../src/index.js";

// Received Monday 03/03/2025 09:00 by commune A, 5 working days: counting starts the next day,
// Tue 4, Wed 5, Thu 6, Fri 7, Mon 10/03 → due on receipt Monday 10/03/2025 (no holiday in March 2025).
const A = "000.00.51.H06";
const B = "000.00.03.H06";
const C = "000.00.05.H06";
const receipt = { receivedAt: "2025-03-03T09:00:00+07:00", timeLimit: { amount: 5, unit: "WORKING_DAYS" as const }, agencyCode: A };

/** given(events) → the clock; when(event) → the clock after it. */
function given(...events: ClockEvent[]) {
  const clock = foldClockEvents(startClock(receipt), events);
  return { clock, when: (event: ClockEvent) => foldClock(clock, event) };
}

const rules = (clock: ClockState) => clock.anomalies.map((anomaly) => anomaly.rule);

describe("supplement requests and returns", () => {
  it("given a request on Wed 05/03, when the completed dossier arrives Mon 10/03 09:00, then the legal clock restarts from that day", () => {
    const awaiting = given({ type: "SUPPLEMENT_REQUESTED", at: "2025-03-05T10:00:00+07:00" });
    expect(awaiting.clock.supplements).toEqual([{ requestedAt: "2025-03-05T10:00:00+07:00" }]);
    expect(computeDueAt(awaiting.clock).status).toBe("AWAITING_SUPPLEMENT");

    const returned = awaiting.when({ type: "SUPPLEMENT_RECEIVED", at: "2025-03-10T09:00:00+07:00" });
    expect(returned.supplements).toEqual([{ requestedAt: "2025-03-05T10:00:00+07:00", returnedAt: "2025-03-10T09:00:00+07:00" }]);
    // Restart on 10/03: Tue 11, Wed 12, Thu 13, Fri 14, Mon 17/03.
    expect(computeDueAt(returned)).toMatchObject({ status: "RUNNING", dueDate: "2025-03-17" });
    expect(returned.anomalies).toEqual([]);
  });

  it("given no open request, when a supplement is received, then that is an anomaly and the supplements stay as they were", () => {
    const { clock, when } = given({ type: "SUPPLEMENT_REQUESTED", at: "2025-03-04T10:00:00+07:00" }, { type: "SUPPLEMENT_RECEIVED", at: "2025-03-05T10:00:00+07:00" });
    const after = when({ type: "SUPPLEMENT_RECEIVED", at: "2025-03-06T10:00:00+07:00" });
    expect(rules(after)).toEqual(["SUPPLEMENT_RECEIVED_WITHOUT_REQUEST"]);
    expect(after.supplements).toEqual(clock.supplements);
  });
});

describe("pauses: RESUMED closes the one open pause", () => {
  it("given an opinion request Tue 04/03 09:00, when resumed Thu 06/03 14:00, then Wed 5 and Thu 6 are not counted and the due day is Wed 12/03", () => {
    const paused = given({ type: "PAUSED", at: "2025-03-04T09:00:00+07:00", reason: "OPINION_REQUEST" });
    expect(computeDueAt(paused.clock).status).toBe("PAUSED");
    const resumed = paused.when({ type: "RESUMED", at: "2025-03-06T14:00:00+07:00" });
    expect(resumed.pauses).toEqual([{ reason: "OPINION_REQUEST", from: "2025-03-04T09:00:00+07:00", to: "2025-03-06T14:00:00+07:00" }]);
    // Tue 4 (1), Wed 5 and Thu 6 paused, Fri 7 (2), Mon 10 (3), Tue 11 (4), Wed 12 (5).
    expect(computeDueAt(resumed)).toMatchObject({ status: "RUNNING", dueDate: "2025-03-12" });
  });

  it("given a closed opinion pause and an open financial one, when resumed, then the open one closes and the first keeps its end", () => {
    const { when } = given(
      { type: "PAUSED", at: "2025-03-04T09:00:00+07:00", reason: "OPINION_REQUEST" },
      { type: "RESUMED", at: "2025-03-04T15:00:00+07:00", reason: "OPINION_REQUEST" },
      { type: "PAUSED", at: "2025-03-05T09:00:00+07:00", reason: "FINANCIAL_OBLIGATION" },
    );
    const after = when({ type: "RESUMED", at: "2025-03-07T09:00:00+07:00", reason: "FINANCIAL_OBLIGATION" });
    expect(after.pauses).toEqual([
      { reason: "OPINION_REQUEST", from: "2025-03-04T09:00:00+07:00", to: "2025-03-04T15:00:00+07:00" },
      { reason: "FINANCIAL_OBLIGATION", from: "2025-03-05T09:00:00+07:00", to: "2025-03-07T09:00:00+07:00" },
    ]);
    // The first pause opens and closes on 4/3: it costs nothing. The second takes out Thu 6 and Fri 7:
    // Tue 4 (1), Wed 5 (2), Mon 10 (3), Tue 11 (4), Wed 12 (5).
    expect(computeDueAt(after).dueDate).toBe("2025-03-12");
    expect(after.anomalies).toEqual([]);
  });

  it("given an open pause, when another pause starts, then that is an anomaly: the second is not opened and RESUMED closes the first", () => {
    const { when } = given({ type: "PAUSED", at: "2025-03-04T09:00:00+07:00", reason: "OPINION_REQUEST" });
    const twice = when({ type: "PAUSED", at: "2025-03-05T09:00:00+07:00", reason: "FINANCIAL_OBLIGATION" });
    expect(rules(twice)).toEqual(["PAUSED_WHILE_PAUSED"]);
    expect(twice.pauses).toHaveLength(1);
    const resumed = foldClock(twice, { type: "RESUMED", at: "2025-03-06T09:00:00+07:00" });
    expect(resumed.pauses).toEqual([{ reason: "OPINION_REQUEST", from: "2025-03-04T09:00:00+07:00", to: "2025-03-06T09:00:00+07:00" }]);
    expect(computeDueAt(resumed).status).toBe("RUNNING");
  });

  it("given no open pause, when resumed, then that is an anomaly", () => {
    expect(rules(given().when({ type: "RESUMED", at: "2025-03-04T09:00:00+07:00" }))).toEqual(["RESUMED_WITHOUT_PAUSE"]);
  });

  it("given an open opinion pause, when a financial obligation is resumed, then the open pause closes all the same and the reason is an anomaly", () => {
    const after = given({ type: "PAUSED", at: "2025-03-04T09:00:00+07:00", reason: "OPINION_REQUEST" }).when({
      type: "RESUMED",
      at: "2025-03-05T09:00:00+07:00",
      reason: "FINANCIAL_OBLIGATION",
    });
    expect(after.pauses[0]?.to).toBe("2025-03-05T09:00:00+07:00");
    expect(rules(after)).toEqual(["RESUMED_ANOTHER_PAUSE"]);
  });

  it("given a supplement awaited, when a pause starts, then both waits are kept (a supplement wait is not a pause)", () => {
    const after = given({ type: "SUPPLEMENT_REQUESTED", at: "2025-03-04T09:00:00+07:00" }).when({
      type: "PAUSED",
      at: "2025-03-04T10:00:00+07:00",
      reason: "FINANCIAL_OBLIGATION",
    });
    expect(after.anomalies).toEqual([]);
    expect(after.pauses).toHaveLength(1);
    expect(after.supplements).toHaveLength(1);
  });
});

describe("the extension after an apology", () => {
  it("given an apology on Thu 06/03, when the due day moves to Fri 14/03, then the clock is due on 14/03, extended from 10/03", () => {
    const after = given().when({ type: "DEADLINE_EXTENDED", at: "2025-03-06T09:00:00+07:00", newDueDate: "2025-03-14" });
    expect(after.extensions).toEqual([{ apologySentAt: "2025-03-06T09:00:00+07:00", newDueDate: "2025-03-14" }]);
    expect(computeDueAt(after)).toMatchObject({ dueDate: "2025-03-14", extendedFrom: "2025-03-10" });
  });

  it("reads a new due instant as its day in Vietnam: 13/03 18:00 UTC is 14/03 01:00 in Hà Nội", () => {
    const after = given().when({ type: "DEADLINE_EXTENDED", at: "2025-03-06T09:00:00+07:00", newDueDate: "2025-03-13T18:00:00Z" });
    expect(after.extensions[0]?.newDueDate).toBe("2025-03-14");
  });
});

describe("the deciding agency and its transfers", () => {
  const t1 = "2025-03-04T09:00:00+07:00";
  const t2 = "2025-03-06T09:00:00+07:00";
  const twice = () => given({ type: "TRANSFERRED", at: t1, toAgencyCode: B, fromAgencyCode: A }, { type: "TRANSFERRED", at: t2, toAgencyCode: C });

  it("given A's dossier transferred to B on 04/03 and to C on 06/03, then C decides it now, and each agency held it in its time", () => {
    const { clock } = twice();
    expect(clock.agencyCode).toBe(C);
    expect(clock.transfers).toEqual([
      { fromAgencyCode: A, toAgencyCode: B, at: t1 },
      { fromAgencyCode: B, toAgencyCode: C, at: t2 },
    ]);
    expect(agencyAt(clock, "2025-03-04T08:59:59+07:00")).toBe(A);
    expect(agencyAt(clock, t1)).toBe(B);
    expect(agencyAt(clock, "2025-03-05T12:00:00+07:00")).toBe(B);
    expect(agencyAt(clock, Date.parse(t2))).toBe(C);
    expect(agenciesHeld(clock)).toEqual([A, B, C]);
    expect(agenciesHeld(startClock(receipt))).toEqual([A]);
    // A transfer does not touch the clock: still due 10/03.
    expect(computeDueAt(clock).dueDate).toBe("2025-03-10");
  });

  it("given the dossier with B, when transferred back to A, then A decides again and is listed once", () => {
    const back = given({ type: "TRANSFERRED", at: t1, toAgencyCode: B }).when({ type: "TRANSFERRED", at: t2, toAgencyCode: A });
    expect(back.agencyCode).toBe(A);
    expect(agenciesHeld(back)).toEqual([A, B]);
  });

  it("refuses to move a dossier to the agency holding it, and flags a transfer from another agency or without a destination", () => {
    const same = given().when({ type: "TRANSFERRED", at: t1, toAgencyCode: A });
    expect(rules(same)).toEqual(["TRANSFER_TO_ANOTHER_AGENCY"]);
    expect(same.transfers).toEqual([]);

    const wrongSource = given().when({ type: "TRANSFERRED", at: t1, toAgencyCode: C, fromAgencyCode: B });
    expect(rules(wrongSource)).toEqual(["TRANSFER_FROM_HOLDING_AGENCY"]);
    expect(wrongSource.transfers).toEqual([{ fromAgencyCode: A, toAgencyCode: C, at: t1 }]);

    const nowhere = given().when({ type: "TRANSFERRED", at: t1, toAgencyCode: "" });
    expect(rules(nowhere)).toEqual(["TRANSFER_WITHOUT_DESTINATION"]);
    expect(nowhere.agencyCode).toBe(A);
  });
});

describe("resolution and end", () => {
  it("keeps the first decision and the first end; the dossier left processing at the earlier of them", () => {
    const { clock } = given({ type: "RESOLVED", at: "2025-03-07T10:00:00+07:00", outcome: "APPROVED" }, { type: "RESOLVED", at: "2025-03-08T10:00:00+07:00", outcome: "REFUSED" });
    expect(clock.resolution).toEqual({ at: "2025-03-07T10:00:00+07:00", outcome: "APPROVED" });
    expect(leftProcessingAt(clock)).toBe("2025-03-07T10:00:00+07:00");

    const withdrawn = given({ type: "WITHDRAWN", at: "2025-03-05T10:00:00+07:00" }, { type: "CLOSED", at: "2025-03-06T10:00:00+07:00" }).clock;
    expect(withdrawn.end).toEqual({ at: "2025-03-05T10:00:00+07:00", kind: "WITHDRAWN" });
    expect(leftProcessingAt(foldClock(withdrawn, { type: "RESOLVED", at: "2025-03-07T10:00:00+07:00", outcome: "APPROVED" }))).toBe("2025-03-05T10:00:00+07:00");
    expect(leftProcessingAt(startClock(receipt))).toBeUndefined();
    expect([...LEAVES_PROCESSING].sort()).toEqual(["CLOSED", "REFUSED", "RESOLVED", "WITHDRAWN"]);
  });
});

describe("purity", () => {
  it("never changes the state it is given", () => {
    const deepFreeze = <T>(value: T): T => {
      if (value && typeof value === "object") {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
      }
      return value;
    };
    const { clock } = given(
      { type: "SUPPLEMENT_REQUESTED", at: "2025-03-04T09:00:00+07:00" },
      { type: "SUPPLEMENT_RECEIVED", at: "2025-03-04T10:00:00+07:00" },
      { type: "PAUSED", at: "2025-03-04T11:00:00+07:00", reason: "OPINION_REQUEST" },
    );
    const frozen = deepFreeze(structuredClone(clock));
    const events: ClockEvent[] = [
      { type: "RESUMED", at: "2025-03-05T09:00:00+07:00" },
      { type: "SUPPLEMENT_REQUESTED", at: "2025-03-05T10:00:00+07:00" },
      { type: "SUPPLEMENT_RECEIVED", at: "2025-03-05T11:00:00+07:00" },
      { type: "DEADLINE_EXTENDED", at: "2025-03-05T12:00:00+07:00", newDueDate: "2025-03-20" },
      { type: "TRANSFERRED", at: "2025-03-05T13:00:00+07:00", toAgencyCode: B },
      { type: "RESOLVED", at: "2025-03-06T09:00:00+07:00", outcome: "APPROVED" },
      { type: "PAUSED", at: "2025-03-06T10:00:00+07:00", reason: "OPINION_REQUEST" },
    ];
    for (const event of events) expect(() => foldClock(frozen, event)).not.toThrow();
    expect(frozen).toEqual(clock);
  });
});
