import { describe, expect, it } from "vitest";
import { addWorkingHours, formatInstant, workingMsBetween, type OfficeSession } from "../src/index.js";

// Charges (lệ phí) reach the state budget within 8 working hours of payment; office sessions 08:00–12:00, 13:00–17:00.
const due = (paidAt: string, hours = 8, sessions?: OfficeSession[]) => formatInstant(addWorkingHours(paidAt, hours, undefined, sessions));

describe("8 working hours from a payment", () => {
  it("given a payment on Monday 3/3/2025 at 10:00, then 2 h before lunch, 4 h in the afternoon and 2 h on Tuesday: due Tuesday 10:00", () => {
    expect(due("2025-03-03T10:00:00+07:00")).toBe("2025-03-04T10:00:00+07:00");
  });

  it("given a payment on Friday 7/3/2025 at 16:00, then 1 h on Friday, the weekend skipped, 7 h on Monday: due Monday 10/3 16:00", () => {
    expect(due("2025-03-07T16:00:00+07:00")).toBe("2025-03-10T16:00:00+07:00");
  });

  it("given a payment during the lunch break (12:30), then counting starts at 13:00 and the period ends at Tuesday's 12:00", () => {
    expect(due("2025-03-03T12:30:00+07:00")).toBe("2025-03-04T12:00:00+07:00");
  });

  it("given a payment in the evening (20:00, after the office closed), then Tuesday's whole day: due Tuesday 17:00", () => {
    expect(due("2025-03-03T20:00:00+07:00")).toBe("2025-03-04T17:00:00+07:00");
  });

  it("given a payment paid online in UTC (03:00Z = 10:00 in Vietnam), then the same as 10:00+07:00", () => {
    expect(due("2025-03-03T03:00:00Z")).toBe("2025-03-04T10:00:00+07:00");
  });

  it("given a payment on Tuesday 29/4/2025 at 15:00, then 30/4, 1/5, the swapped 2/5 and the weekend are skipped: due Monday 5/5 15:00", () => {
    expect(due("2025-04-29T15:00:00+07:00")).toBe("2025-05-05T15:00:00+07:00");
  });

  it("given a payment on Friday 25/4/2025 after hours, then Saturday 26/4 is a worked Saturday (làm bù): due Saturday 17:00", () => {
    expect(due("2025-04-25T17:30:00+07:00")).toBe("2025-04-26T17:00:00+07:00");
  });

  it("given other office sessions (07:30–11:30, 13:30–17:30), then they are used", () => {
    const sessions = [
      { startMinute: 7 * 60 + 30, endMinute: 11 * 60 + 30 },
      { startMinute: 13 * 60 + 30, endMinute: 17 * 60 + 30 },
    ];
    expect(due("2025-03-03T11:00:00+07:00", 8, sessions)).toBe("2025-03-04T11:00:00+07:00");
  });

  it("given overlapping sessions or a non-positive period, then it refuses", () => {
    expect(() => due("2025-03-03T10:00:00+07:00", 0)).toThrow(RangeError);
    expect(() =>
      due("2025-03-03T10:00:00+07:00", 8, [
        { startMinute: 600, endMinute: 700 },
        { startMinute: 650, endMinute: 800 },
      ]),
    ).toThrow(RangeError);
  });
});

describe("working time between two instants", () => {
  it("given Friday 16:00 to Monday 10:00, then 1 h + 2 h = 3 h", () => {
    expect(workingMsBetween("2025-03-07T16:00:00+07:00", "2025-03-10T10:00:00+07:00")).toBe(3 * 3_600_000);
  });

  it("given the end before the start, then 0", () => {
    expect(workingMsBetween("2025-03-10T10:00:00+07:00", "2025-03-07T16:00:00+07:00")).toBe(0);
  });
});
