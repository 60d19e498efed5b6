import { describe, expect, it } from "vitest";
import { formatCount, formatDate, formatDateTime, formatLongDate, formatPercent, formatPoints, formatQuarter } from "../src/index.js";

describe("Vietnamese formats", () => {
  it("groups thousands with dots and writes decimals after a comma", () => {
    expect(formatCount(59790)).toBe("59.790");
    expect(formatCount(314849)).toBe("314.849");
    expect(formatPercent(0.993)).toBe("99,3%");
    expect(formatPercent(0.99364, 2)).toBe("99,36%");
    expect(formatPercent(null)).toBe("—");
    expect(formatPoints(18.5)).toBe("18,5");
  });

  it("writes dates day/month/year in Vietnam's time, whatever the instant's offset", () => {
    expect(formatDate("2026-12-02")).toBe("02/12/2026");
    expect(formatDate("2026-12-01T18:30:00Z")).toBe("02/12/2026"); // 01:30 on 2/12 in Vietnam
    expect(formatDateTime("2026-12-01T18:30:00Z")).toBe("01:30 02/12/2026");
    expect(formatDateTime("2024-10-04T23:59:59.999+07:00")).toBe("23:59 04/10/2024");
    expect(formatLongDate("2024-10-11")).toBe("ngày 11 tháng 10 năm 2024");
  });

  it("names quarters in Roman numerals", () => {
    expect(formatQuarter("2024-Q3")).toBe("Quý III/2024");
    expect(formatQuarter("2026-Q4")).toBe("Quý IV/2026");
  });
});
