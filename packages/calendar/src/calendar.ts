import { addDays, dayOfWeek, localDate, yearOf, type LocalDate } from "./dates.js";
import { computedDaysOff, HOLIDAY_NAMES, isWeekend, nextFreeWeekday } from "./default-holidays.js";
import type { NonWorkingDay, OfficialSchedule } from "./schedule.js";
import { OFFICIAL_SCHEDULES } from "./schedules/index.js";

export interface WorkingCalendarOptions {
  /** Official schedules; each replaces the computed default for its year. Defaults to the bundled ones (2024–2026). */
  schedules?: readonly OfficialSchedule[];
  /**
   * First year in which 24/11 "Ngày Văn hóa Việt Nam" is a holiday in computed years. Off when
   * absent; years with an official schedule follow the schedule's own `vietnameseCultureDay`.
   */
  vietnameseCultureDayFromYear?: number;
}

export type YearSource = "official" | "computed";

interface YearTable {
  /** Non-working days other than ordinary weekends. */
  daysOff: Map<LocalDate, NonWorkingDay>;
  workingWeekendDays: Set<LocalDate>;
}

/**
 * Civil servants' working days in Vietnam: Monday to Friday, minus public holidays, compensatory
 * and swapped days, plus Saturdays worked in a swap. Dates are plain "YYYY-MM-DD" local dates.
 */
export class WorkingCalendar {
  private readonly schedules: ReadonlyMap<number, OfficialSchedule>;
  private readonly cultureDayFrom: number | undefined;
  private readonly years = new Map<number, YearTable>();

  constructor(options: WorkingCalendarOptions = {}) {
    const schedules = options.schedules ?? OFFICIAL_SCHEDULES;
    this.schedules = new Map(schedules.map((schedule) => [schedule.year, schedule]));
    if (this.schedules.size !== schedules.length) throw new Error("two schedules for the same year");
    this.cultureDayFrom = options.vietnameseCultureDayFromYear;
  }

  /** Whether a year follows a published schedule or the computed default. */
  sourceOf(year: number): YearSource {
    return this.schedules.has(year) ? "official" : "computed";
  }

  /** Why `date` is not a working day, or undefined when it is one. */
  nonWorkingDay(date: LocalDate): NonWorkingDay | undefined {
    const table = this.yearTable(yearOf(date));
    const dayOff = table.daysOff.get(date);
    if (dayOff) return dayOff;
    if (!isWeekend(date) || table.workingWeekendDays.has(date)) return undefined;
    return { date, kind: "weekend", reason: dayOfWeek(date) === 6 ? "Thứ Bảy" : "Chủ nhật" };
  }

  isWorkingDay(date: LocalDate): boolean {
    return this.nonWorkingDay(date) === undefined;
  }

  /**
   * Every non-working day of a year in date order, ordinary weekends included (kind "weekend") so
   * that the list is complete; filter on `kind` to keep only holidays, compensatory and swapped days.
   */
  nonWorkingDays(year: number): NonWorkingDay[] {
    const days: NonWorkingDay[] = [];
    for (let date = localDate(year, 1, 1); yearOf(date) === year; date = addDays(date, 1)) {
      const day = this.nonWorkingDay(date);
      if (day) days.push(day);
    }
    return days;
  }

  /** The first working day strictly after `date`. */
  nextWorkingDay(date: LocalDate): LocalDate {
    let day = addDays(date, 1);
    while (!this.isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }

  /** `date` itself when it is a working day, otherwise the next working day. */
  workingDayOnOrAfter(date: LocalDate): LocalDate {
    return this.isWorkingDay(date) ? date : this.nextWorkingDay(date);
  }

  /**
   * The `count`-th working day after `date`, the day itself not counted (it is the day of the
   * event, Civil Code 2015 art. 147). `count` 0 gives `workingDayOnOrAfter(date)`.
   */
  addWorkingDays(date: LocalDate, count: number): LocalDate {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`working days must be a whole number ≥ 0, got ${count}`);
    if (count === 0) return this.workingDayOnOrAfter(date);
    let day = date;
    for (let left = count; left > 0; left--) day = this.nextWorkingDay(day);
    return day;
  }

  /** Working days in (from, to]: how many working days after `from` up to and including `to`. */
  workingDaysBetween(from: LocalDate, to: LocalDate): number {
    let count = 0;
    for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) if (this.isWorkingDay(day)) count++;
    return count;
  }

  private yearTable(year: number): YearTable {
    let table = this.years.get(year);
    if (!table) {
      table = this.buildYear(year);
      this.years.set(year, table);
    }
    return table;
  }

  private buildYear(year: number): YearTable {
    const schedule = this.schedules.get(year);
    if (!schedule) {
      const withCultureDay = this.cultureDayFrom !== undefined && year >= this.cultureDayFrom;
      const daysOff = computedDaysOff(year, withCultureDay);
      return { daysOff: new Map(daysOff.map((day) => [day.date, day])), workingWeekendDays: new Set() };
    }
    const daysOff = new Map<LocalDate, NonWorkingDay>(schedule.daysOff.map((day) => [day.date, day]));
    if (schedule.vietnameseCultureDay) addCultureDay(year, daysOff);
    return { daysOff, workingWeekendDays: new Set(schedule.workingWeekendDays.map((day) => day.date)) };
  }
}

/** 24/11 as a holiday, with its day in lieu when it falls on a weekend (treated like art. 112(1) days). */
function addCultureDay(year: number, daysOff: Map<LocalDate, NonWorkingDay>): void {
  const date = localDate(year, 11, 24);
  if (daysOff.has(date)) return;
  daysOff.set(date, { date, kind: "holiday", reason: HOLIDAY_NAMES.cultureDay });
  if (isWeekend(date)) {
    const inLieu = nextFreeWeekday(date, new Set(daysOff.keys()));
    daysOff.set(inLieu, { date: inLieu, kind: "compensatory", reason: `Nghỉ bù ${HOLIDAY_NAMES.cultureDay}` });
  }
}

/** A calendar built from the bundled official schedules, shared so its per-year tables are built once. */
export const defaultCalendar = new WorkingCalendar();
