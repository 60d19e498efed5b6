/**
 * Vietnamese formats for user-facing renderings only (JSON keeps plain numbers and ISO dates):
 * thousands grouped with dots and decimals after a comma (59.790; 99,3%), dates day/month/year,
 * times on the 24-hour clock in Vietnam's time (UTC+7).
 */
const integer = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 0, useGrouping: true });

export function formatCount(value: number): string {
  return integer.format(value);
}

/** A fraction as a percentage with up to `digits` decimals: 0.993 -> "99,3%". */
export function formatPercent(fraction: number | null, digits = 2): string {
  if (fraction === null) return "—";
  const format = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return `${format.format(fraction * 100)}%`;
}

export function formatPoints(points: number | null, digits = 2): string {
  if (points === null) return "—";
  return new Intl.NumberFormat("vi-VN", { maximumFractionDigits: digits }).format(points);
}

const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const two = (n: number) => String(n).padStart(2, "0");

/** The instant's wall clock in Vietnam, whatever the machine's time zone. */
function vietnamParts(instant: string | number | Date) {
  const local = new Date(new Date(instant).getTime() + VIETNAM_OFFSET_MS);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hours: local.getUTCHours(), minutes: local.getUTCMinutes() };
}

/** "2026-12-02" or an instant -> "02/12/2026" (an instant's day in Vietnam). */
export function formatDate(value: string | number | Date): string {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [year, month, day] = value.split("-");
    return `${day}/${month}/${year}`;
  }
  const { year, month, day } = vietnamParts(value);
  return `${two(day)}/${two(month)}/${year}`;
}

/** An instant -> "14:05 02/12/2026", in Vietnam's time. */
export function formatDateTime(value: string | number | Date): string {
  const { hours, minutes } = vietnamParts(value);
  return `${two(hours)}:${two(minutes)} ${formatDate(value)}`;
}

/** "ngày 02 tháng 12 năm 2026", as official letters write a date. */
export function formatLongDate(value: string | number | Date): string {
  const [day, month, year] = formatDate(value).split("/");
  return `ngày ${day} tháng ${month} năm ${year}`;
}

/** "2024-Q3" -> "Quý III/2024". */
export function formatQuarter(period: string): string {
  const match = /^(\d{4})-Q([1-4])$/.exec(period);
  if (!match) return period;
  return `Quý ${["I", "II", "III", "IV"][Number(match[2]) - 1]}/${match[1]}`;
}
