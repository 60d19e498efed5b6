import { describe, expect, it } from "vitest";
import { dayOfWeek, defaultCalendar, InvalidScheduleError, OFFICIAL_SCHEDULES, parseSchedule, WorkingCalendar, type NonWorkingDay, type OfficialSchedule } from "../src/index.js";

const computedOnly = new WorkingCalendar({ schedules: [] });
const weekdaysOff = (calendar: WorkingCalendar, year: number) =>
  calendar
    .nonWorkingDays(year)
    .filter((day) => day.kind !== "weekend" && ![0, 6].includes(dayOfWeek(day.date)))
    .map((day) => day.date);
const schedule = (year: number): OfficialSchedule => {
  const found = OFFICIAL_SCHEDULES.find((s) => s.year === year);
  if (!found) throw new Error(`no schedule ${year}`);
  return found;
};

describe("official schedule 2025 (Thông báo 6150/TB-BLĐTBXH)", () => {
  it("given 2025, when listing holidays, compensatory and swapped days, then they are the notice's twelve weekdays", () => {
    const days = defaultCalendar.nonWorkingDays(2025).filter((day) => day.kind !== "weekend");
    expect(days).toEqual<NonWorkingDay[]>([
      { date: "2025-01-01", kind: "holiday", reason: "Tết Dương lịch" },
      // Tết: Monday 27/01 (28 Chạp) to Friday 31/01 (mùng 3), between two ordinary weekends.
      { date: "2025-01-27", kind: "holiday", reason: "Tết Nguyên đán" },
      { date: "2025-01-28", kind: "holiday", reason: "Tết Nguyên đán" },
      { date: "2025-01-29", kind: "holiday", reason: "Tết Nguyên đán" },
      { date: "2025-01-30", kind: "holiday", reason: "Tết Nguyên đán" },
      { date: "2025-01-31", kind: "holiday", reason: "Tết Nguyên đán" },
      { date: "2025-04-07", kind: "holiday", reason: "Giỗ Tổ Hùng Vương" },
      { date: "2025-04-30", kind: "holiday", reason: "Ngày Chiến thắng" },
      { date: "2025-05-01", kind: "holiday", reason: "Ngày Quốc tế Lao động" },
      // Friday 02/05 off in exchange for Saturday 26/04 worked.
      { date: "2025-05-02", kind: "swap", reason: "Nghỉ hoán đổi (làm bù thứ Bảy 26/4/2025)" },
      { date: "2025-09-01", kind: "holiday", reason: "Quốc khánh" },
      { date: "2025-09-02", kind: "holiday", reason: "Quốc khánh" },
    ]);
  });

  it("given 2025, when counting every non-working day, then it is 103 weekend days plus 12 weekdays", () => {
    // 2025 starts on a Wednesday: 52 Saturdays + 52 Sundays = 104, minus Saturday 26/04 worked = 103; plus 12 weekdays off.
    expect(defaultCalendar.nonWorkingDays(2025)).toHaveLength(115);
  });

  it("given the Tết 2025 break, when asking day by day, then 25/01 to 02/02 are off and the days around are worked", () => {
    expect(defaultCalendar.isWorkingDay("2025-01-24")).toBe(true); // Friday before
    expect(defaultCalendar.nonWorkingDay("2025-01-25")).toEqual({ date: "2025-01-25", kind: "weekend", reason: "Thứ Bảy" });
    expect(defaultCalendar.nonWorkingDay("2025-02-02")).toEqual({ date: "2025-02-02", kind: "weekend", reason: "Chủ nhật" });
    expect(defaultCalendar.isWorkingDay("2025-02-03")).toBe(true); // Monday after (mùng 6)
  });

  it("given the 30/4 swap, when asking about Saturday 26/04/2025, then it is a working day", () => {
    expect(defaultCalendar.isWorkingDay("2025-04-26")).toBe(true);
    expect(defaultCalendar.isWorkingDay("2025-05-02")).toBe(false);
  });
});

describe("official schedule 2026 (Thông báo 9441/TB-BNV, Công văn 12729/VPCP-KGVX)", () => {
  it("given 2026, when listing weekdays off, then they follow the notices and the Hùng Kings' day in lieu", () => {
    expect(weekdaysOff(defaultCalendar, 2026)).toEqual([
      "2026-01-01", // Thursday, Tết Dương lịch
      "2026-01-02", // Friday, swapped for Saturday 10/01
      "2026-02-16",
      "2026-02-17",
      "2026-02-18",
      "2026-02-19",
      "2026-02-20", // Tết: 29 Chạp to mùng 4
      "2026-04-27", // Monday, in lieu of the Hùng Kings' day on Sunday 26/04
      "2026-04-30",
      "2026-05-01", // Thursday and Friday, no swap
      "2026-08-31", // Monday, swapped for Saturday 22/08
      "2026-09-01",
      "2026-09-02", // Tuesday and Wednesday, Quốc khánh
    ]);
  });

  it("given the Tết 2026 break, when asking, then Saturday 14/02 to Sunday 22/02 are off (9 days) and 13/02 and 23/02 are worked", () => {
    const nineDays = ["2026-02-14", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22"];
    expect(nineDays.filter((day) => defaultCalendar.isWorkingDay(day))).toEqual([]);
    expect(defaultCalendar.isWorkingDay("2026-02-13")).toBe(true);
    expect(defaultCalendar.isWorkingDay("2026-02-23")).toBe(true);
  });

  it("given the Hùng Kings' day on Sunday 26/04/2026, when asking, then Monday 27/04 is its compensatory day", () => {
    expect(defaultCalendar.nonWorkingDay("2026-04-26")).toEqual({ date: "2026-04-26", kind: "holiday", reason: "Giỗ Tổ Hùng Vương" });
    expect(defaultCalendar.nonWorkingDay("2026-04-27")).toEqual({ date: "2026-04-27", kind: "compensatory", reason: "Nghỉ bù Giỗ Tổ Hùng Vương" });
  });

  it("given the swaps of 2026, when asking about Saturdays 10/01 and 22/08, then both are working days", () => {
    expect(defaultCalendar.isWorkingDay("2026-01-10")).toBe(true);
    expect(defaultCalendar.isWorkingDay("2026-08-22")).toBe(true);
  });

  it("given 2026, when counting every non-working day, then it is 102 weekend days plus 13 weekdays", () => {
    // 2026 starts on a Thursday: 104 weekend days, minus Saturdays 10/01 and 22/08 worked = 102; plus 13 weekdays off.
    expect(defaultCalendar.nonWorkingDays(2026)).toHaveLength(115);
  });
});

describe("official schedule 2024 (Thông báo 5015/TB-LĐTBXH, Công văn 2450/VPCP-KGVX)", () => {
  it("given Tết 2024 over a weekend, when listing 08/02 to 14/02, then two compensatory days follow the five Tết days", () => {
    // Tết days Thu 08 – Mon 12 include Saturday 10 and Sunday 11, taken back on Tuesday 13 and Wednesday 14.
    const days = defaultCalendar.nonWorkingDays(2024).filter((day) => day.date >= "2024-02-08" && day.date <= "2024-02-14");
    expect(days.map((day) => `${day.date} ${day.kind}`)).toEqual([
      "2024-02-08 holiday",
      "2024-02-09 holiday",
      "2024-02-10 holiday",
      "2024-02-11 holiday",
      "2024-02-12 holiday",
      "2024-02-13 compensatory",
      "2024-02-14 compensatory",
    ]);
  });
});

describe("official schedules override the computed default", () => {
  it("given each bundled year, when comparing with the Labour Code default, then only the Government's own choices differ", () => {
    const difference = (year: number) => {
      const official = weekdaysOff(defaultCalendar, year);
      const computed = weekdaysOff(computedOnly, year);
      return {
        offOnlyOfficially: official.filter((d) => !computed.includes(d)),
        offOnlyByDefault: computed.filter((d) => !official.includes(d)),
        saturdaysWorked: schedule(year).workingWeekendDays.map((d) => d.date),
      };
    };
    // The default already gets Tết, the Hùng Kings' day and 2/9 right in these years; the swaps are the Government's decision.
    expect(difference(2024)).toEqual({ offOnlyOfficially: ["2024-04-29"], offOnlyByDefault: [], saturdaysWorked: ["2024-05-04"] });
    expect(difference(2025)).toEqual({ offOnlyOfficially: ["2025-05-02"], offOnlyByDefault: [], saturdaysWorked: ["2025-04-26"] });
    expect(difference(2026)).toEqual({
      offOnlyOfficially: ["2026-01-02", "2026-08-31"],
      offOnlyByDefault: [],
      saturdaysWorked: ["2026-01-10", "2026-08-22"],
    });
  });

  it("given no schedule for 2025, when asking about 02/05 and 26/04, then the computed default knows no swap", () => {
    expect(computedOnly.isWorkingDay("2025-05-02")).toBe(true);
    expect(computedOnly.isWorkingDay("2025-04-26")).toBe(false);
    expect(computedOnly.sourceOf(2025)).toBe("computed");
    expect(defaultCalendar.sourceOf(2025)).toBe("official");
  });
});

describe("computed default (Labour Code 2019 art. 111(3), 112)", () => {
  it("given Tết 2027 on Saturday 06/02, when computing, then 04/02–08/02 are Tết and 09/02, 10/02 are in lieu", () => {
    // Default: two days before mùng 1 and mùng 1–3; Saturday 06 and Sunday 07 are taken back after Monday 08.
    const days = defaultCalendar.nonWorkingDays(2027).filter((day) => day.date >= "2027-02-04" && day.date <= "2027-02-10");
    expect(days.map((day) => `${day.date} ${day.reason}`)).toEqual([
      "2027-02-04 Tết Nguyên đán",
      "2027-02-05 Tết Nguyên đán",
      "2027-02-06 Tết Nguyên đán",
      "2027-02-07 Tết Nguyên đán",
      "2027-02-08 Tết Nguyên đán",
      "2027-02-09 Nghỉ bù Tết Nguyên đán",
      "2027-02-10 Nghỉ bù Tết Nguyên đán",
    ]);
    expect(defaultCalendar.sourceOf(2027)).toBe("computed");
  });

  it("given 01/05/2027 on a Saturday, when computing, then Monday 03/05 is its compensatory day", () => {
    expect(defaultCalendar.nonWorkingDay("2027-04-30")?.reason).toBe("Ngày Chiến thắng"); // Friday
    expect(defaultCalendar.nonWorkingDay("2027-05-03")).toEqual({ date: "2027-05-03", kind: "compensatory", reason: "Nghỉ bù Ngày Quốc tế Lao động" });
  });

  it("given 02/09/2027 on a Thursday, when computing, then the adjacent day is Friday 03/09", () => {
    expect(weekdaysOff(defaultCalendar, 2027).filter((day) => day.startsWith("2027-09"))).toEqual(["2027-09-02", "2027-09-03"]);
  });

  it("given 2023 (Hùng Kings' day Saturday 29/04, 30/04 Sunday), when computing, then 01/05 to 03/05 are off as the 2023 break was", () => {
    // 1/5 Monday is itself a holiday, so the days in lieu of 29/4 and 30/4 are Tuesday 2/5 and Wednesday 3/5.
    expect(weekdaysOff(computedOnly, 2023).filter((day) => day >= "2023-04-24" && day <= "2023-05-07")).toEqual(["2023-05-01", "2023-05-02", "2023-05-03"]);
  });
});

describe("Ngày Văn hóa Việt Nam (24/11), off unless enabled", () => {
  it("given the bundled 2026 schedule, when asking about Tuesday 24/11/2026, then it is a working day", () => {
    expect(defaultCalendar.isWorkingDay("2026-11-24")).toBe(true);
  });

  it("given a 2026 schedule that enables it, when asking, then 24/11/2026 is a holiday", () => {
    const calendar = new WorkingCalendar({ schedules: [{ ...schedule(2026), vietnameseCultureDay: true }] });
    expect(calendar.nonWorkingDay("2026-11-24")).toEqual({ date: "2026-11-24", kind: "holiday", reason: "Ngày Văn hóa Việt Nam" });
  });

  it("given computed years with the day enabled from 2024, when 24/11/2024 is a Sunday, then Monday 25/11 is in lieu and 2023 is unaffected", () => {
    const calendar = new WorkingCalendar({ schedules: [], vietnameseCultureDayFromYear: 2024 });
    expect(calendar.nonWorkingDay("2024-11-25")).toEqual({ date: "2024-11-25", kind: "compensatory", reason: "Nghỉ bù Ngày Văn hóa Việt Nam" });
    expect(calendar.isWorkingDay("2023-11-24")).toBe(true); // Friday, before the first year
  });
});

describe("moving between working days", () => {
  it("given Wednesday 31/12/2025, when asking for the next working day, then it is Monday 05/01/2026", () => {
    // 01/01 holiday, 02/01 swapped, 03–04/01 weekend.
    expect(defaultCalendar.nextWorkingDay("2025-12-31")).toBe("2026-01-05");
  });

  it("given Tuesday 31/12/2024, when adding one working day, then it is Thursday 02/01/2025", () => {
    expect(defaultCalendar.addWorkingDays("2024-12-31", 1)).toBe("2025-01-02");
  });

  it("given a Sunday, when adding zero working days, then it is the next Monday", () => {
    expect(defaultCalendar.addWorkingDays("2025-03-09", 0)).toBe("2025-03-10");
    expect(defaultCalendar.workingDayOnOrAfter("2025-03-10")).toBe("2025-03-10");
  });

  it("given Friday 24/01/2025 and Monday 03/02/2025, when counting working days between, then Tết leaves only 03/02", () => {
    expect(defaultCalendar.workingDaysBetween("2025-01-24", "2025-02-03")).toBe(1);
  });
});

describe("schedule data validation", () => {
  const raw = (patch: Record<string, unknown>) => ({ ...JSON.parse(JSON.stringify(schedule(2025))), ...patch });

  it("given a swapped day on a Saturday, when parsing, then it is refused", () => {
    const daysOff = [...schedule(2025).daysOff, { date: "2025-03-08", kind: "swap", reason: "x" }];
    expect(() => parseSchedule(raw({ daysOff }))).toThrow(InvalidScheduleError);
  });

  it("given a swap without its Saturday worked, when parsing, then it is refused", () => {
    expect(() => parseSchedule(raw({ workingWeekendDays: [] }))).toThrow(/1 swapped days off but 0 weekend days worked/);
  });

  it("given a date outside the schedule's year, when parsing, then it is refused", () => {
    const daysOff = [...schedule(2025).daysOff, { date: "2026-01-01", kind: "holiday", reason: "Tết Dương lịch" }];
    expect(() => parseSchedule(raw({ daysOff }))).toThrow(/outside the year/);
  });

  it("given a Monday listed as a Saturday worked, when parsing, then it is refused", () => {
    expect(() => parseSchedule(raw({ workingWeekendDays: [{ date: "2025-04-28", reason: "x" }] }))).toThrow(/not a Saturday or Sunday/);
  });

  it("given the bundled schedules, when reading their sources, then each year cites at least one document", () => {
    expect(OFFICIAL_SCHEDULES.map((s) => [s.year, s.sources.map((source) => source.document)])).toEqual([
      [2024, ["Công văn 8662/VPCP-KGVX", "Thông báo 5015/TB-LĐTBXH", "Công văn 2450/VPCP-KGVX"]],
      [2025, ["Công văn 8726/VPCP-KGVX", "Thông báo 6150/TB-BLĐTBXH"]],
      [2026, ["Công văn 12729/VPCP-KGVX", "Thông báo 9441/TB-BNV"]],
    ]);
  });
});
