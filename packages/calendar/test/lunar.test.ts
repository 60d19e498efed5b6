import { describe, expect, it } from "vitest";
import { lunarToSolar, NoSuchLunarDateError, solarToLunar } from "../src/index.js";

const tet = (year: number, timeZone?: number) => lunarToSolar({ day: 1, month: 1, year, leap: false }, timeZone);

describe("Vietnamese lunar calendar (UTC+7)", () => {
  it("given the official notices, when computing Tết, then mùng 1 falls on the dates they print", () => {
    // 5015/TB-LĐTBXH: 10/02/2024 is mùng 1 Giáp Thìn; 6150/TB-BLĐTBXH: 29/01/2025 Ất Tỵ; 9441/TB-BNV: 17/02/2026 Bính Ngọ.
    expect(tet(2024)).toBe("2024-02-10");
    expect(tet(2025)).toBe("2025-01-29");
    expect(tet(2026)).toBe("2026-02-17");
  });

  it("given 1985 and 2007, when computing Tết for UTC+7 and UTC+8, then Vietnam and China differ", () => {
    // Tết Ất Sửu 1985: Vietnam 21/01, China 20/02 — the months around the 1984 winter solstice fall differently, a month apart.
    expect(tet(1985)).toBe("1985-01-21");
    expect(tet(1985, 8)).toBe("1985-02-20");
    // Tết Đinh Hợi 2007: the new moon (16:14 UTC) fell late on the 17th at UTC+7 but after midnight at UTC+8.
    expect(tet(2007)).toBe("2007-02-17");
    expect(tet(2007, 8)).toBe("2007-02-18");
  });

  it("given the Hùng Kings' day (10/3 lunar), when converting, then it matches the published day", () => {
    // 18/4/2024 (Thursday), 07/4/2025 (Monday), 26/4/2026 (Sunday) as the press and notices give them.
    expect(lunarToSolar({ day: 10, month: 3, year: 2024, leap: false })).toBe("2024-04-18");
    expect(lunarToSolar({ day: 10, month: 3, year: 2025, leap: false })).toBe("2025-04-07");
    expect(lunarToSolar({ day: 10, month: 3, year: 2026, leap: false })).toBe("2026-04-26");
  });

  it("given solar dates printed beside lunar ones in the notices, when converting to lunar, then both agree", () => {
    // 6150/TB-BLĐTBXH: 25/01/2025 = 26 tháng Chạp Giáp Thìn; 9441/TB-BNV: 14/02/2026 = 27 Chạp Ất Tỵ, 22/02/2026 = mùng 6 Bính Ngọ.
    expect(solarToLunar("2025-01-25")).toEqual({ day: 26, month: 12, year: 2024, leap: false });
    expect(solarToLunar("2026-02-14")).toEqual({ day: 27, month: 12, year: 2025, leap: false });
    expect(solarToLunar("2026-02-22")).toEqual({ day: 6, month: 1, year: 2026, leap: false });
  });

  it("given a year with a leap month, when converting, then the leap month is flagged and round-trips", () => {
    // Quý Mão 2023 had a leap second month (tháng 2 nhuận) beginning on 22/03/2023.
    expect(solarToLunar("2023-03-22")).toEqual({ day: 1, month: 2, year: 2023, leap: true });
    expect(lunarToSolar({ day: 1, month: 2, year: 2023, leap: true })).toBe("2023-03-22");
  });

  it("given a lunar date that does not exist, when converting, then it is refused", () => {
    // 2024 (Giáp Thìn) has no leap month; month 12 of Giáp Thìn has 29 days (28/01/2025 is its last day).
    expect(() => lunarToSolar({ day: 1, month: 5, year: 2024, leap: true })).toThrow(NoSuchLunarDateError);
    expect(() => lunarToSolar({ day: 30, month: 12, year: 2024, leap: false })).toThrow(NoSuchLunarDateError);
    expect(solarToLunar("2025-01-28")).toEqual({ day: 29, month: 12, year: 2024, leap: false });
  });
});
