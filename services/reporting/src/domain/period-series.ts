/**
 * The reporting periods whose tallies are kept as dossiers change (see tally-contributions.ts):
 * months, quarters, half-years and years, all cut at the configured start day like quarterPeriod
 * (start day 15: the quarter 2024-Q1 runs 15/12/2023 to 14/3/2024, the month 2024-01 runs 15/12 to
 * 14/1). Periods of a series are numbered consecutively, so "every period after n" is a range.
 */
import { addDays, localDate, localDateOf, type LocalDate } from "@onestop/calendar";
import { boundsOf, type Period } from "./period.js";

export type SeriesMonths = 1 | 3 | 6 | 12;

export interface PeriodSeries {
  months: SeriesMonths;
  /** 1: calendar periods; otherwise the day of the month before each period on which it starts. */
  startDay: number;
}

const CODES: Record<SeriesMonths, string> = { 1: "M", 3: "Q", 6: "H", 12: "Y" };

/** The series' one-letter code: M, Q, H or Y. */
export const seriesCode = (series: PeriodSeries) => CODES[series.months];

/** Months counted from January of year 0; with a start day, its days on or after it belong to the next month. */
function monthNumber(day: LocalDate, startDay: number): number {
  const [year, month, dayOfMonth] = day.split("-").map(Number) as [number, number, number];
  return year * 12 + (month - 1) + (startDay > 1 && dayOfMonth >= startDay ? 1 : 0);
}

function firstDayOfMonthNumber(month: number, startDay: number): LocalDate {
  const year = Math.floor(month / 12);
  const monthOfYear = (month % 12) + 1;
  if (startDay === 1) return localDate(year, monthOfYear, 1);
  return monthOfYear === 1 ? localDate(year - 1, 12, startDay) : localDate(year, monthOfYear - 1, startDay);
}

/** The number of the series' period holding the instant (UTC+7 day). */
export function periodIndexAt(series: PeriodSeries, atMs: number): number {
  return Math.floor(monthNumber(localDateOf(atMs), series.startDay) / series.months);
}

export function periodOf(series: PeriodSeries, index: number): Period {
  const from = firstDayOfMonthNumber(index * series.months, series.startDay);
  const next = firstDayOfMonthNumber((index + 1) * series.months, series.startDay);
  return { from, to: addDays(next, -1) };
}

/** The period's label: "2024-07", "2024-Q3", "2024-H2" or "2024" (the year of its months, not of its first day). */
export function periodLabel(series: PeriodSeries, index: number): string {
  const month = index * series.months;
  const year = Math.floor(month / 12);
  const part = (month % 12) / series.months + 1;
  switch (series.months) {
    case 1:
      return `${year}-${String(part).padStart(2, "0")}`;
    case 3:
      return `${year}-Q${part}`;
    case 6:
      return `${year}-H${part}`;
    case 12:
      return String(year);
  }
}

/** The first period of the series that ends at or after the instant. */
export function firstIndexEndingFrom(series: PeriodSeries, atMs: number): number {
  const index = periodIndexAt(series, atMs);
  return boundsOf(periodOf(series, index)).toMs >= atMs ? index : index + 1;
}

/** The series and number of a period that is exactly one of the kept ones; undefined otherwise. */
export function keptPeriod(all: readonly PeriodSeries[], period: Period): { series: PeriodSeries; index: number } | undefined {
  for (const series of all) {
    const index = periodIndexAt(series, boundsOf(period).fromMs);
    const candidate = periodOf(series, index);
    if (candidate.from === period.from && candidate.to === period.to) return { series, index };
  }
  return undefined;
}

/** "1,3,6,12" to its series; throws naming the bad part. */
export function parseSeries(text: string, startDay: number): PeriodSeries[] {
  const parts = text.split(",").map((part) => part.trim());
  return parts.map((part) => {
    const months = Number(part);
    if (![1, 3, 6, 12].includes(months)) throw new Error(`"${part}" is not a period length in months: use 1, 3, 6 or 12`);
    return { months: months as SeriesMonths, startDay };
  });
}
