const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written "YYYY-MM-DD". */
export function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 1900-1999
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function assertIsoDate(text: string, name = "date"): void {
  if (!isIsoDate(text)) throw new RangeError(`${name} must be a calendar date "YYYY-MM-DD", got "${text}"`);
}

/** The calendar day after `date` ("2025-06-30" -> "2025-07-01"). */
export function dayAfter(date: string): string {
  assertIsoDate(date);
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

/** Whether `date` lies in [validFrom, validTo]; both ends inclusive, a null end is open. ISO dates compare as strings. */
export function isWithin(date: string, validFrom: string, validTo: string | null): boolean {
  return validFrom <= date && (validTo === null || date <= validTo);
}
