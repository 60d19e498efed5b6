/** Reporting periods: inclusive local days, read as [start of `from`, end of `to`] in UTC+7. */
import { addDays, atLocalTime, endOfDayMs, localDate, type LocalDate } from "@onestop/calendar";

export interface Period {
  from: LocalDate;
  to: LocalDate;
}

export interface PeriodBounds {
  fromMs: number;
  toMs: number;
}

export function boundsOf(period: Period): PeriodBounds {
  return { fromMs: atLocalTime(period.from, 0), toMs: endOfDayMs(period.to) };
}

/**
 * A calendar quarter, or with `startDay` a quarter cut like some reporting regimes do: from the
 * `startDay`th of the month before the quarter to the day before it in the quarter's last month
 * (startDay 15: 15/12 to 14/3 for Q1).
 */
export function quarterPeriod(year: number, quarter: 1 | 2 | 3 | 4, startDay = 1): Period {
  const firstMonth = (quarter - 1) * 3 + 1;
  if (startDay === 1) {
    const nextQuarter = quarter === 4 ? localDate(year + 1, 1, 1) : localDate(year, firstMonth + 3, 1);
    return { from: localDate(year, firstMonth, 1), to: addDays(nextQuarter, -1) };
  }
  const from = firstMonth === 1 ? localDate(year - 1, 12, startDay) : localDate(year, firstMonth - 1, startDay);
  return { from, to: addDays(localDate(year, firstMonth + 2, startDay), -1) };
}

const QUARTER = /^(\d{4})-Q([1-4])$/;

/** "2024-Q3" to its period; undefined when the text is not a quarter. */
export function parseQuarter(text: string, startDay = 1): Period | undefined {
  const match = QUARTER.exec(text);
  if (!match) return undefined;
  return quarterPeriod(Number(match[1]), Number(match[2]) as 1 | 2 | 3 | 4, startDay);
}

/** The quarter holding `day` (with the configured start day), then the one before it. */
export function quartersAround(day: LocalDate, startDay = 1): [current: Period, previous: Period] {
  const year = Number(day.slice(0, 4));
  const all: Period[] = [];
  for (const y of [year - 1, year, year + 1]) for (const q of [1, 2, 3, 4] as const) all.push(quarterPeriod(y, q, startDay));
  const index = all.findIndex((period) => period.from <= day && day <= period.to);
  return [all[index]!, all[index - 1]!];
}
