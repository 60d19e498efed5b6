/**
 * The Vietnamese lunisolar calendar, after Hồ Ngọc Đức's published algorithm ("Âm lịch Việt Nam",
 * new moons and solar terms from Jean Meeus' "Astronomical Algorithms"), computed for the
 * meridian of UTC+7. The Chinese calendar uses UTC+8; the two differ whenever a new moon or a
 * major solar term falls between 16:00 and 17:00 UTC, e.g. Tết 1985 (VN 21/1, CN 20/2) and
 * Tết 2007 (VN 17/2, CN 18/2). Accurate for 1800–2199.
 */
import { fromDayNumber, toDayNumber, type LocalDate } from "./dates.js";

export const VIETNAM_TIME_ZONE = 7;

export interface LunarDate {
  day: number;
  month: number;
  /** The Gregorian year in which the lunar year begins (Tết Ất Tỵ → 2025). */
  year: number;
  /** True for an intercalary month (tháng nhuận). */
  leap: boolean;
}

/** Julian day number of 1970-01-01, to move between our day numbers and Meeus' JD. */
const JD_OF_EPOCH = 2440588;
const SYNODIC_MONTH = 29.530588853;
/** JD of the new moon of 1900-01-01 13:52 UTC, Meeus' k = 0. */
const NEW_MOON_EPOCH = 2415021.076998695;
const RAD = Math.PI / 180;

function julianDay(date: LocalDate): number {
  return toDayNumber(date) + JD_OF_EPOCH;
}

/** Julian day (fractional, UT) of the k-th new moon after 1900-01-01. */
function newMoon(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  let jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * T2 - 0.000000155 * T3;
  jd += 0.00033 * Math.sin((166.56 + 132.87 * T - 0.009173 * T2) * RAD);
  const M = 359.2242 + 29.10535608 * k - 0.0000333 * T2 - 0.00000347 * T3; // Sun's mean anomaly
  const Mpr = 306.0253 + 385.81691806 * k + 0.0107306 * T2 + 0.00001236 * T3; // Moon's mean anomaly
  const F = 21.2964 + 390.67050646 * k - 0.0016528 * T2 - 0.00000239 * T3; // Moon's argument of latitude
  let c1 = (0.1734 - 0.000393 * T) * Math.sin(M * RAD) + 0.0021 * Math.sin(2 * RAD * M);
  c1 = c1 - 0.4068 * Math.sin(Mpr * RAD) + 0.0161 * Math.sin(RAD * 2 * Mpr);
  c1 = c1 - 0.0004 * Math.sin(RAD * 3 * Mpr);
  c1 = c1 + 0.0104 * Math.sin(RAD * 2 * F) - 0.0051 * Math.sin(RAD * (M + Mpr));
  c1 = c1 - 0.0074 * Math.sin(RAD * (M - Mpr)) + 0.0004 * Math.sin(RAD * (2 * F + M));
  c1 = c1 - 0.0004 * Math.sin(RAD * (2 * F - M)) - 0.0006 * Math.sin(RAD * (2 * F + Mpr));
  c1 = c1 + 0.001 * Math.sin(RAD * (2 * F - Mpr)) + 0.0005 * Math.sin(RAD * (2 * Mpr + M));
  const deltaT = T < -11 ? 0.001 + 0.000839 * T + 0.0002261 * T2 - 0.00000845 * T3 - 0.000000081 * T * T3 : -0.000278 + 0.000265 * T + 0.000262 * T2;
  return jd + c1 - deltaT;
}

/** Sun's apparent longitude in radians, in [0, 2π), at Julian day `jd`. */
function sunLongitude(jd: number): number {
  const T = (jd - 2451545.0) / 36525;
  const T2 = T * T;
  const M = 357.5291 + 35999.0503 * T - 0.0001559 * T2 - 0.00000048 * T * T2;
  const L0 = 280.46645 + 36000.76983 * T + 0.0003032 * T2;
  let DL = (1.9146 - 0.004817 * T - 0.000014 * T2) * Math.sin(RAD * M);
  DL = DL + (0.019993 - 0.000101 * T) * Math.sin(RAD * 2 * M) + 0.00029 * Math.sin(RAD * 3 * M);
  const L = (L0 + DL) * RAD;
  return L - 2 * Math.PI * Math.floor(L / (2 * Math.PI));
}

/** The local day (JD number) on which the k-th new moon falls. */
function newMoonDay(k: number, timeZone: number): number {
  return Math.floor(newMoon(k) + 0.5 + timeZone / 24);
}

/** Which 30° sector (0..11) the Sun is in at local midnight starting day `dayNumber`. */
function sunSector(dayNumber: number, timeZone: number): number {
  return Math.floor((sunLongitude(dayNumber - 0.5 - timeZone / 24) / Math.PI) * 6);
}

/** Start day of lunar month 11 (the month holding the winter solstice) of Gregorian year `year`. */
function lunarMonth11(year: number, timeZone: number): number {
  const off = julianDay(`${String(year).padStart(4, "0")}-12-31`) - 2415021;
  const k = Math.floor(off / SYNODIC_MONTH);
  const start = newMoonDay(k, timeZone);
  return sunSector(start, timeZone) >= 9 ? newMoonDay(k - 1, timeZone) : start;
}

/** Offset, counted from month 11, of the leap month: the first month holding no major solar term. */
function leapMonthOffset(month11: number, timeZone: number): number {
  const k = Math.floor((month11 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5);
  let i = 1;
  let arc = sunSector(newMoonDay(k + i, timeZone), timeZone);
  let last: number;
  do {
    last = arc;
    i++;
    arc = sunSector(newMoonDay(k + i, timeZone), timeZone);
  } while (arc !== last && i < 14);
  return i - 1;
}

export function solarToLunar(date: LocalDate, timeZone = VIETNAM_TIME_ZONE): LunarDate {
  const dayNumber = julianDay(date);
  const gregorianYear = Number(date.slice(0, 4));
  const k = Math.floor((dayNumber - NEW_MOON_EPOCH) / SYNODIC_MONTH);
  let monthStart = newMoonDay(k + 1, timeZone);
  if (monthStart > dayNumber) monthStart = newMoonDay(k, timeZone);
  let a11 = lunarMonth11(gregorianYear, timeZone);
  let b11 = a11;
  let year: number;
  if (a11 >= monthStart) {
    year = gregorianYear;
    a11 = lunarMonth11(gregorianYear - 1, timeZone);
  } else {
    year = gregorianYear + 1;
    b11 = lunarMonth11(gregorianYear + 1, timeZone);
  }
  const day = dayNumber - monthStart + 1;
  const diff = Math.floor((monthStart - a11) / 29);
  let leap = false;
  let month = diff + 11;
  if (b11 - a11 > 365) {
    const leapDiff = leapMonthOffset(a11, timeZone);
    if (diff >= leapDiff) {
      month = diff + 10;
      leap = diff === leapDiff;
    }
  }
  if (month > 12) month -= 12;
  if (month >= 11 && diff < 4) year -= 1;
  return { day, month, year, leap };
}

export class NoSuchLunarDateError extends Error {
  override readonly name = "NoSuchLunarDateError";
}

export function lunarToSolar(lunar: LunarDate, timeZone = VIETNAM_TIME_ZONE): LocalDate {
  const { day, month, year, leap } = lunar;
  const [a11, b11] = month < 11 ? [lunarMonth11(year - 1, timeZone), lunarMonth11(year, timeZone)] : [lunarMonth11(year, timeZone), lunarMonth11(year + 1, timeZone)];
  const k = Math.floor(0.5 + (a11 - NEW_MOON_EPOCH) / SYNODIC_MONTH);
  let off = month - 11;
  if (off < 0) off += 12;
  if (b11 - a11 > 365) {
    const leapOff = leapMonthOffset(a11, timeZone);
    let leapMonth = leapOff - 2;
    if (leapMonth < 0) leapMonth += 12;
    if (leap && month !== leapMonth) throw new NoSuchLunarDateError(`month ${month} of ${year} is not a leap month`);
    if (leap || off >= leapOff) off += 1;
  } else if (leap) {
    throw new NoSuchLunarDateError(`lunar year ${year} has no leap month`);
  }
  const monthStart = newMoonDay(k + off, timeZone);
  const solar = fromDayNumber(monthStart + day - 1 - JD_OF_EPOCH);
  // The algorithm happily overflows day 30 of a 29-day month into the next month: refuse it.
  const back = solarToLunar(solar, timeZone);
  if (back.day !== day || back.month !== month || back.year !== year || back.leap !== leap) {
    throw new NoSuchLunarDateError(`no such lunar date: ${day}/${month}${leap ? " nhuận" : ""}/${year}`);
  }
  return solar;
}
