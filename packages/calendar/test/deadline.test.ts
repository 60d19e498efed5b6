import { describe, expect, it } from "vitest";
import { computeDueAt, DeadlineError, InvalidDateError, ruleSetFor, supplementRequestDeadline, type DossierClock, type TimeLimit } from "../src/index.js";

const workingDays = (amount: number): TimeLimit => ({ amount, unit: "WORKING_DAYS" });
const days = (amount: number): TimeLimit => ({ amount, unit: "DAYS" });
const sameDay: TimeLimit = { amount: 0, unit: "WORKING_DAYS", sameDay: true };
const dueDateOf = (clock: DossierClock) => computeDueAt(clock).dueDate;

describe("working days across official breaks", () => {
  it("given receipt on Thursday 23/01/2025 and 3 working days, when computing, then due Tuesday 04/02/2025 at the end of the day", () => {
    // Fri 24/01 (1); 25/01–02/02 Tết break; Mon 03/02 (2); Tue 04/02 (3).
    expect(computeDueAt({ receivedAt: "2025-01-23T10:00:00+07:00", timeLimit: workingDays(3) })).toEqual({
      ruleSet: "DECREE_61_2018",
      status: "RUNNING",
      clockStartedAt: "2025-01-23T10:00:00+07:00",
      dueDate: "2025-02-04",
      dueAt: "2025-02-04T23:59:59.999+07:00",
    });
  });

  it("given receipt on Friday 13/02/2026 and 5 working days, when computing, then due Friday 27/02/2026", () => {
    // 14/02–22/02 Tết break; Mon 23 (1), Tue 24 (2), Wed 25 (3), Thu 26 (4), Fri 27 (5).
    expect(dueDateOf({ receivedAt: "2026-02-13T16:30:00+07:00", timeLimit: workingDays(5) })).toBe("2026-02-27");
  });

  it("given receipt on Friday 25/04/2025 and 2 working days, when computing, then the swapped Saturday counts and it is due Monday 28/04", () => {
    // Sat 26/04 worked in exchange for 02/05 (1); Sun 27/04 off; Mon 28/04 (2).
    expect(dueDateOf({ receivedAt: "2025-04-25T09:00:00+07:00", timeLimit: workingDays(2) })).toBe("2025-04-28");
  });

  it("given receipt on Tuesday 29/04/2025 and 1 working day, when computing, then due Monday 05/05/2025", () => {
    // 30/04, 01/05 holidays, 02/05 swapped, 03–04/05 weekend; Mon 05/05 (1).
    expect(dueDateOf({ receivedAt: "2025-04-29T10:00:00+07:00", timeLimit: workingDays(1) })).toBe("2025-05-05");
  });

  it("given receipt on Friday 29/08/2025 and 1 working day, when computing, then due Wednesday 03/09/2025", () => {
    // 30–31/08 weekend, 01/09 and 02/09 Quốc khánh; Wed 03/09 (1).
    expect(dueDateOf({ receivedAt: "2025-08-29T14:00:00+07:00", timeLimit: workingDays(1) })).toBe("2025-09-03");
  });

  it("given receipt on Friday 24/04/2026 with the Hùng Kings' day on Sunday 26/04, when computing 1 and 3 working days, then due 28/04 and 04/05", () => {
    // Sat 25, Sun 26 (Giỗ Tổ), Mon 27 (in lieu); Tue 28 (1), Wed 29 (2); Thu 30/04, Fri 01/05 holidays, 02–03/05 weekend; Mon 04/05 (3).
    expect(dueDateOf({ receivedAt: "2026-04-24T08:00:00+07:00", timeLimit: workingDays(1) })).toBe("2026-04-28");
    expect(dueDateOf({ receivedAt: "2026-04-24T08:00:00+07:00", timeLimit: workingDays(3) })).toBe("2026-05-04");
  });

  it("given receipt on Wednesday 31/12/2025 and 1 working day, when computing, then due Monday 05/01/2026", () => {
    // 01/01 holiday, 02/01 swapped for Sat 10/01, 03–04/01 weekend; Mon 05/01 (1).
    expect(dueDateOf({ receivedAt: "2025-12-31T10:00:00+07:00", timeLimit: workingDays(1) })).toBe("2026-01-05");
  });
});

describe("days (Civil Code 2015 art. 147–148) versus working days", () => {
  it("given receipt on Monday 20/01/2025 and 10 days, when the 10th day is a Tết day, then the period ends on Monday 03/02/2025", () => {
    // Day 1 is 21/01; day 10 is Thu 30/01 (Tết); 31/01 Tết, 01–02/02 weekend; next working day Mon 03/02.
    expect(dueDateOf({ receivedAt: "2025-01-20T09:00:00+07:00", timeLimit: days(10) })).toBe("2025-02-03");
  });

  it("given the same receipt and 10 working days, when computing, then due Monday 10/02/2025", () => {
    // 21, 22, 23, 24/01 (4); Tết break; 03–07/02 (9); 08–09 weekend; Mon 10/02 (10).
    expect(dueDateOf({ receivedAt: "2025-01-20T09:00:00+07:00", timeLimit: workingDays(10) })).toBe("2025-02-10");
  });

  it("given receipt on Tuesday 04/03/2025 and 15 days, when the last day is a working day, then it is due that day, Wednesday 19/03", () => {
    expect(dueDateOf({ receivedAt: "2025-03-04T11:00:00+07:00", timeLimit: days(15) })).toBe("2025-03-19");
  });

  it("given receipt on Monday 29/12/2025 and 3 days, when the 3rd day is 01/01/2026, then it ends on Monday 05/01/2026", () => {
    // 30/12 (1), 31/12 (2), 01/01 (3) is a holiday; 02/01 swapped, 03–04/01 weekend; next working day 05/01.
    expect(dueDateOf({ receivedAt: "2025-12-29T09:00:00+07:00", timeLimit: days(3) })).toBe("2026-01-05");
  });
});

describe("same-day procedures and the 15:00 cut-off", () => {
  it("given receipt at 14:59 or exactly 15:00 on Monday 03/03/2025, when computing, then due the same day", () => {
    expect(dueDateOf({ receivedAt: "2025-03-03T14:59:00+07:00", timeLimit: sameDay })).toBe("2025-03-03");
    expect(dueDateOf({ receivedAt: "2025-03-03T15:00:00+07:00", timeLimit: sameDay })).toBe("2025-03-03");
  });

  it("given receipt at 15:01 on Monday 03/03/2025, when computing, then due the next working day, Tuesday 04/03", () => {
    expect(dueDateOf({ receivedAt: "2025-03-03T15:01:00+07:00", timeLimit: sameDay })).toBe("2025-03-04");
  });

  it("given the same instants written in UTC or as a Date, when computing, then Vietnam's 15:00 still decides", () => {
    // 07:59Z is 14:59 in Hà Nội; 08:01Z is 15:01.
    expect(dueDateOf({ receivedAt: "2025-03-03T07:59:00Z", timeLimit: sameDay })).toBe("2025-03-03");
    expect(dueDateOf({ receivedAt: new Date(Date.UTC(2025, 2, 3, 8, 1)), timeLimit: sameDay })).toBe("2025-03-04");
  });

  it("given receipt on Friday 24/01/2025 at 15:30, when computing, then due after Tết on Monday 03/02/2025", () => {
    expect(dueDateOf({ receivedAt: "2025-01-24T15:30:00+07:00", timeLimit: sameDay })).toBe("2025-02-03");
  });

  it("given receipt on Friday 13/02/2026 at 15:30, when computing, then due after Tết on Monday 23/02/2026", () => {
    expect(dueDateOf({ receivedAt: "2026-02-13T15:30:00+07:00", timeLimit: sameDay })).toBe("2026-02-23");
  });

  it("given receipt on the worked Saturday 26/04/2025 at 10:00, when computing, then due that Saturday", () => {
    expect(dueDateOf({ receivedAt: "2025-04-26T10:00:00+07:00", timeLimit: sameDay })).toBe("2025-04-26");
  });

  it("given online receipt on an ordinary Saturday 08/03/2025 at 09:00, when computing, then due Monday 10/03", () => {
    expect(dueDateOf({ receivedAt: "2025-03-08T09:00:00+07:00", timeLimit: sameDay })).toBe("2025-03-10");
  });
});

describe("supplement requests: the legal clock restarts from zero", () => {
  const received = "2025-03-03T09:00:00+07:00"; // Monday; 5 working days would end Monday 10/03

  it("given a supplement requested 05/03 and returned Monday 10/03, when computing 5 working days, then due Monday 17/03", () => {
    // Restart on 10/03: 11, 12, 13, 14 (4), 15–16 weekend, Mon 17 (5).
    const deadline = computeDueAt({
      receivedAt: received,
      timeLimit: workingDays(5),
      supplements: [{ requestedAt: "2025-03-05T10:00:00+07:00", returnedAt: "2025-03-10T09:00:00+07:00" }],
    });
    expect(deadline).toMatchObject({ status: "RUNNING", clockStartedAt: "2025-03-10T09:00:00+07:00", dueDate: "2025-03-17" });
  });

  it("given a supplement still awaited under Decree 61/2018, when computing, then the clock is stopped with no closing date", () => {
    const deadline = computeDueAt({ receivedAt: received, timeLimit: workingDays(5), supplements: [{ requestedAt: "2025-03-05T10:00:00+07:00" }] });
    expect(deadline).toEqual({
      ruleSet: "DECREE_61_2018",
      status: "AWAITING_SUPPLEMENT",
      clockStartedAt: "2025-03-03T09:00:00+07:00",
      dueDate: null,
      dueAt: null,
    });
  });

  it("given a supplement requested Thursday 03/07/2025 under Decree 118, when awaited, then the dossier closes after Friday 18/07", () => {
    // 15 days from the day after the request: 04/07 (1) … 18/07 (15), a working day.
    const deadline = computeDueAt({
      receivedAt: "2025-07-01T09:00:00+07:00",
      timeLimit: workingDays(10),
      supplements: [{ requestedAt: "2025-07-03T10:00:00+07:00" }],
    });
    expect(deadline).toMatchObject({ ruleSet: "DECREE_118_2025", status: "AWAITING_SUPPLEMENT", supplementExpiresAt: "2025-07-18T23:59:59.999+07:00" });
  });

  it("given a supplement requested Friday 15/08/2025 under Decree 118, when the 15th day is Saturday 30/08, then it closes after Wednesday 03/09", () => {
    // 16/08 (1) … 30/08 (15) is a Saturday; 31/08 Sunday, 01–02/09 Quốc khánh; next working day 03/09 (art. 148(2)).
    const deadline = computeDueAt({
      receivedAt: "2025-08-13T09:00:00+07:00",
      timeLimit: workingDays(10),
      supplements: [{ requestedAt: "2025-08-15T10:00:00+07:00" }],
    });
    expect(deadline.supplementExpiresAt).toBe("2025-09-03T23:59:59.999+07:00");
  });

  it("given receipt on Monday 03/03/2025, when asking for the supplement request deadline, then it is the end of Thursday 06/03", () => {
    // Within 3 working days of receipt: 04 (1), 05 (2), 06 (3).
    expect(supplementRequestDeadline(received)).toBe("2025-03-06T23:59:59.999+07:00");
  });
});

describe("the rule set follows the receipt date", () => {
  it("given receipt at 23:59 on 30/06/2025 in Hà Nội, when choosing rules, then Decree 61/2018 applies", () => {
    expect(ruleSetFor("2025-06-30T23:59:00+07:00").id).toBe("DECREE_61_2018");
  });

  it("given receipt at 17:30 UTC on 30/06/2025 (00:30 on 01/07 in Hà Nội), when choosing rules, then Decree 118/2025 applies", () => {
    expect(ruleSetFor("2025-06-30T17:30:00Z").id).toBe("DECREE_118_2025");
  });
});

describe("pauses extend the deadline by the days they cover", () => {
  const received = "2025-03-03T09:00:00+07:00"; // Monday; 5 working days would end Monday 10/03

  it("given an opinion request from Tuesday 04/03 14:00 to Thursday 06/03 11:00, when computing 5 working days, then due Wednesday 12/03", () => {
    // Covered days: 05 and 06/03. Count: 04 (1), 07 (2), 10 (3), 11 (4), 12 (5).
    const deadline = computeDueAt({
      receivedAt: received,
      timeLimit: workingDays(5),
      pauses: [{ reason: "OPINION_REQUEST", from: "2025-03-04T14:00:00+07:00", to: "2025-03-06T11:00:00+07:00" }],
    });
    expect(deadline.dueDate).toBe("2025-03-12");
  });

  it("given a pause from Friday 07/03 16:00 to Monday 10/03 08:00, when computing 5 working days, then only Monday is lost and it is due Tuesday 11/03", () => {
    // Covered days 08, 09, 10/03, of which only 10/03 is a working day. Count: 04–07 (4), 11 (5).
    const deadline = computeDueAt({
      receivedAt: received,
      timeLimit: workingDays(5),
      pauses: [{ reason: "OPINION_REQUEST", from: "2025-03-07T16:00:00+07:00", to: "2025-03-10T08:00:00+07:00" }],
    });
    expect(deadline.dueDate).toBe("2025-03-11");
  });

  it("given a financial-obligation pause from 05/03 to 08/03 and 10 days, when computing, then the period ends on Sunday 16/03 and so on Monday 17/03", () => {
    // Without the pause: day 10 = Thu 13/03. Covered days 06, 07, 08/03 → day 10 = Sun 16/03 → next working day 17/03.
    const deadline = computeDueAt({
      receivedAt: received,
      timeLimit: days(10),
      pauses: [{ reason: "FINANCIAL_OBLIGATION", from: "2025-03-05T09:00:00+07:00", to: "2025-03-08T09:00:00+07:00" }],
    });
    expect(deadline.dueDate).toBe("2025-03-17");
  });

  it("given a pause still open, when computing, then the clock is stopped", () => {
    const deadline = computeDueAt({
      receivedAt: received,
      timeLimit: workingDays(5),
      pauses: [{ reason: "FINANCIAL_OBLIGATION", from: "2025-03-05T09:00:00+07:00" }],
    });
    expect(deadline).toMatchObject({ status: "PAUSED", dueDate: null, dueAt: null });
  });
});

describe("one extension after an apology", () => {
  const base: DossierClock = { receivedAt: "2025-03-03T09:00:00+07:00", timeLimit: workingDays(5) }; // due Monday 10/03

  it("given an apology on Friday 07/03 moving the date to Friday 14/03, when computing, then due 14/03 and the old date is kept", () => {
    const deadline = computeDueAt({ ...base, extensions: [{ apologySentAt: "2025-03-07T10:00:00+07:00", newDueDate: "2025-03-14" }] });
    expect(deadline).toMatchObject({ dueDate: "2025-03-14", dueAt: "2025-03-14T23:59:59.999+07:00", extendedFrom: "2025-03-10" });
  });

  it("given a second extension, when computing, then it is an error", () => {
    const extensions = [
      { apologySentAt: "2025-03-07T10:00:00+07:00", newDueDate: "2025-03-14" },
      { apologySentAt: "2025-03-12T10:00:00+07:00", newDueDate: "2025-03-20" },
    ];
    expect(() => computeDueAt({ ...base, extensions })).toThrow(expect.objectContaining({ code: "TOO_MANY_EXTENSIONS" }));
  });

  it("given an apology sent on the due day itself, when computing, then it is an error (at least one day before)", () => {
    const extensions = [{ apologySentAt: "2025-03-10T08:00:00+07:00", newDueDate: "2025-03-14" }];
    expect(() => computeDueAt({ ...base, extensions })).toThrow(expect.objectContaining({ code: "LATE_APOLOGY" }));
  });

  it("given a new date on Saturday 15/03, when computing, then it is an error", () => {
    const extensions = [{ apologySentAt: "2025-03-07T10:00:00+07:00", newDueDate: "2025-03-15" }];
    expect(() => computeDueAt({ ...base, extensions })).toThrow(expect.objectContaining({ code: "INVALID_EXTENSION_DATE" }));
  });
});

describe("input checks", () => {
  it("given an instant without an offset, when computing, then it is refused rather than read in the machine's zone", () => {
    expect(() => computeDueAt({ receivedAt: "2025-03-03T09:00:00", timeLimit: workingDays(1) })).toThrow(InvalidDateError);
  });

  it("given a supplement returned before it was requested, when computing, then it is refused", () => {
    const supplements = [{ requestedAt: "2025-03-05T10:00:00+07:00", returnedAt: "2025-03-04T10:00:00+07:00" }];
    expect(() => computeDueAt({ receivedAt: "2025-03-03T09:00:00+07:00", timeLimit: workingDays(5), supplements })).toThrow(DeadlineError);
  });

  it("given a same-day limit with an amount, or a zero amount without same-day, when computing, then it is refused", () => {
    const receivedAt = "2025-03-03T09:00:00+07:00";
    expect(() => computeDueAt({ receivedAt, timeLimit: { amount: 1, unit: "WORKING_DAYS", sameDay: true } })).toThrow(expect.objectContaining({ code: "INVALID_TIME_LIMIT" }));
    expect(() => computeDueAt({ receivedAt, timeLimit: workingDays(0) })).toThrow(expect.objectContaining({ code: "INVALID_TIME_LIMIT" }));
  });
});
