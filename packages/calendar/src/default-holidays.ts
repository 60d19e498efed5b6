/**
 * The computed default for a year without an official schedule: Labour Code 2019 (Bộ luật Lao
 * động 45/2019/QH14) art. 112(1) holidays with art. 111(3) compensatory days. Art. 112(3) leaves
 * the exact five Tết days and the second National Day day to the Prime Minister, so here they
 * follow the most frequent official choice; a published schedule always replaces this.
 */
import { addDays, dayOfWeek, localDate, type LocalDate } from "./dates.js";
import { lunarToSolar } from "./lunar.js";
import type { NonWorkingDay } from "./schedule.js";

export const HOLIDAY_NAMES = {
  newYear: "Tết Dương lịch",
  tet: "Tết Nguyên đán",
  hungKings: "Giỗ Tổ Hùng Vương",
  victoryDay: "Ngày Chiến thắng",
  labourDay: "Ngày Quốc tế Lao động",
  nationalDay: "Quốc khánh",
  cultureDay: "Ngày Văn hóa Việt Nam",
} as const;

export function isWeekend(date: LocalDate): boolean {
  const weekday = dayOfWeek(date);
  return weekday === 0 || weekday === 6;
}

/**
 * Five Tết days: the two days before mùng 1 and mùng 1 to mùng 3. That was the official choice in
 * 2020, 2021, 2023, 2024 and 2025; 2022 and 2026 took one day before and four after instead.
 */
function tetDays(year: number): LocalDate[] {
  const firstDay = lunarToSolar({ day: 1, month: 1, year, leap: false });
  return [-2, -1, 0, 1, 2].map((offset) => addDays(firstDay, offset));
}

/**
 * The day next to 2 September: the 3rd when the 2nd is a Monday or a Thursday (so the holiday
 * does not leave a single working day before a weekend), otherwise the 1st.
 */
function nationalDayPair(year: number): LocalDate[] {
  const nationalDay = localDate(year, 9, 2);
  const weekday = dayOfWeek(nationalDay);
  const adjacent = weekday === 1 || weekday === 4 ? localDate(year, 9, 3) : localDate(year, 9, 1);
  return [nationalDay, adjacent];
}

/** Holidays of a year, including those on a weekend, then their compensatory days; sorted by date. */
export function computedDaysOff(year: number, withCultureDay: boolean): NonWorkingDay[] {
  const holiday = (date: LocalDate, reason: string): NonWorkingDay => ({ date, kind: "holiday", reason });
  const holidays: NonWorkingDay[] = [
    holiday(localDate(year, 1, 1), HOLIDAY_NAMES.newYear),
    ...tetDays(year).map((date) => holiday(date, HOLIDAY_NAMES.tet)),
    holiday(lunarToSolar({ day: 10, month: 3, year, leap: false }), HOLIDAY_NAMES.hungKings),
    holiday(localDate(year, 4, 30), HOLIDAY_NAMES.victoryDay),
    holiday(localDate(year, 5, 1), HOLIDAY_NAMES.labourDay),
    ...nationalDayPair(year).map((date) => holiday(date, HOLIDAY_NAMES.nationalDay)),
    ...(withCultureDay ? [holiday(localDate(year, 11, 24), HOLIDAY_NAMES.cultureDay)] : []),
  ].sort((a, b) => a.date.localeCompare(b.date));
  return withCompensatoryDays(holidays);
}

/** The first weekday after `date` that is not in `taken` (art. 111(3)'s "next working day"). */
export function nextFreeWeekday(date: LocalDate, taken: ReadonlySet<LocalDate>): LocalDate {
  let day = addDays(date, 1);
  while (isWeekend(day) || taken.has(day)) day = addDays(day, 1);
  return day;
}

/**
 * Art. 111(3): a holiday on a weekly rest day is taken on the next working day. Holidays are
 * processed in date order, so a run of them (Tết over a weekend) pushes its days in lieu past
 * the end of the run.
 */
export function withCompensatoryDays(holidays: NonWorkingDay[]): NonWorkingDay[] {
  const taken = new Set(holidays.map((day) => day.date));
  const compensatory: NonWorkingDay[] = [];
  for (const day of holidays) {
    if (!isWeekend(day.date)) continue;
    const inLieu = nextFreeWeekday(day.date, taken);
    taken.add(inLieu);
    compensatory.push({ date: inLieu, kind: "compensatory", reason: `Nghỉ bù ${day.reason}` });
  }
  return [...holidays, ...compensatory].sort((a, b) => a.date.localeCompare(b.date));
}
