/**
 * Query parameters of the report endpoints, checked with every bad one named. Pure: returns the
 * parsed request or the list of field errors.
 */
import { addDays, localDateOf } from "@onestop/calendar";
import { parseQuarter, quarterPeriod, type Level, type Period, type ReportScope } from "../domain/index.js";

export interface FieldError {
  path: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export type Format = "json" | "xlsx";

export interface PeriodRequest {
  period: Period;
  scope: ReportScope;
  format: Format;
}

export interface QuarterRequest extends PeriodRequest {
  year: number;
  quarter: 1 | 2 | 3 | 4;
}

type Query = Record<string, unknown>;

const LEVELS: Level[] = ["PROVINCE", "DISTRICT", "COMMUNE"];
const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;
const SECTOR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const LOCAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MIN_DATE = "1900-01-01";
const MAX_DATE = "2199-12-31";

function isDate(text: string): boolean {
  if (!LOCAL_DATE.test(text)) return false;
  try {
    return addDays(text, 0) === text;
  } catch {
    return false;
  }
}

class Reader {
  readonly errors: FieldError[] = [];
  constructor(
    private readonly query: Query,
    private readonly allowed: string[],
  ) {
    for (const name of Object.keys(query)) {
      // A parameter without a name ("?=x") is named by where it is.
      if (!allowed.includes(name)) this.fail(name === "" ? "(query)" : name, `unknown parameter${name === "" ? " without a name" : ""}; allowed: ${allowed.join(", ")}`);
    }
  }

  fail(path: string, message: string): undefined {
    this.errors.push({ path, message });
    return undefined;
  }

  text(name: string): string | undefined {
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "") return this.fail(name, "must be given once, not empty");
    return value;
  }

  date(name: string): string | undefined {
    const value = this.text(name);
    if (value !== undefined && !isDate(value)) return this.fail(name, "must be a date YYYY-MM-DD");
    // Reports count working days around the period: beyond the calendar's years they cannot be computed.
    if (value !== undefined && (value < MIN_DATE || value > MAX_DATE)) return this.fail(name, `must be between ${MIN_DATE} and ${MAX_DATE}`);
    return value;
  }

  scope(names: Array<keyof ReportScope>): ReportScope {
    const scope: ReportScope = {};
    if (names.includes("level")) {
      const level = this.text("level");
      if (level !== undefined) {
        if ((LEVELS as string[]).includes(level)) scope.level = level as Level;
        else this.fail("level", `must be one of ${LEVELS.join(", ")}`);
      }
    }
    if (names.includes("agencyCode")) {
      const agency = this.text("agency");
      if (agency !== undefined) {
        if (AGENCY_CODE.test(agency)) scope.agencyCode = agency;
        else this.fail("agency", "must be an agency code like 000.00.05.H04");
      }
    }
    if (names.includes("sectorCode")) {
      const sector = this.text("sector");
      if (sector !== undefined) {
        if (SECTOR_CODE.test(sector)) scope.sectorCode = sector;
        else this.fail("sector", "must be a sector code like HO_TICH");
      }
    }
    return scope;
  }

  format(): Format {
    const format = this.text("format") ?? "json";
    if (format !== "json" && format !== "xlsx") this.fail("format", "must be json or xlsx");
    return format === "xlsx" ? "xlsx" : "json";
  }

  period(quarterStartDay: number, today: string): Period | undefined {
    const quarter = this.text("period");
    const from = this.date("from");
    const to = this.date("to");
    if (quarter !== undefined) {
      if (from !== undefined || to !== undefined) return this.fail("period", "give either period or from and to, not both");
      // Years past the calendar's last one are refused before the quarter's days are computed (which would throw).
      const year = Number(/^(\d{4})-/.exec(quarter)?.[1] ?? 0);
      const period = year >= 1900 && year <= 2199 ? parseQuarter(quarter, quarterStartDay) : undefined;
      if (!period) return this.fail("period", "must be a quarter like 2024-Q3");
      // As from and to: not in the future (9999-Q4 has no report, and its end is past the calendar's last day).
      if (period.from > today || period.from < MIN_DATE) return this.fail("period", "must be a quarter that has started, from 1900");
      return period;
    }
    if (from === undefined || to === undefined) {
      const required = this.allowed.includes("period") ? "required (or period)" : "required";
      if (this.query.from === undefined) this.fail("from", required);
      if (this.query.to === undefined) this.fail("to", required);
      return undefined;
    }
    if (from > to) return this.fail("to", "must not be before from");
    if (from > today) return this.fail("from", "must not be in the future");
    return { from, to };
  }

  result<T>(value: T): Parsed<T> {
    return this.errors.length ? { ok: false, errors: this.errors } : { ok: true, value };
  }
}

export interface ParseContext {
  /** The first day of a quarter's period in the month before it (1: calendar quarters). */
  quarterStartDay: number;
  now: Date;
}

export function parseTthcQuery(query: Query, context: ParseContext): Parsed<PeriodRequest> {
  const reader = new Reader(query, ["period", "from", "to", "level", "agency", "sector", "format"]);
  const period = reader.period(context.quarterStartDay, localDateOf(context.now));
  const scope = reader.scope(["level", "agencyCode", "sectorCode"]);
  const format = reader.format();
  return reader.result({ period: period!, scope, format });
}

/** `quarters: false` for callers whose request has no `period` (gRPC): from and to are then required. */
export function parseIndicatorsQuery(query: Query, context: ParseContext, { quarters = true } = {}): Parsed<PeriodRequest> {
  const reader = new Reader(query, [...(quarters ? ["period"] : []), "from", "to", "agency", "format"]);
  const period = reader.period(context.quarterStartDay, localDateOf(context.now));
  const scope = reader.scope(["agencyCode"]);
  const format = reader.format();
  return reader.result({ period: period!, scope, format });
}

export function parseQuarterlyQuery(query: Query, context: ParseContext): Parsed<QuarterRequest> {
  const reader = new Reader(query, ["year", "quarter", "level", "agency", "format"]);
  const yearText = reader.text("year");
  const quarterText = reader.text("quarter");
  let year: number | undefined;
  let quarter: 1 | 2 | 3 | 4 | undefined;
  if (yearText === undefined) reader.fail("year", "required");
  else if (!/^\d{4}$/.test(yearText) || Number(yearText) < 2000 || Number(yearText) > 2199) reader.fail("year", "must be a year like 2024");
  else year = Number(yearText);
  if (quarterText === undefined) reader.fail("quarter", "required");
  else if (!/^[1-4]$/.test(quarterText)) reader.fail("quarter", "must be 1, 2, 3 or 4");
  else quarter = Number(quarterText) as 1 | 2 | 3 | 4;
  const scope = reader.scope(["level", "agencyCode"]);
  const format = reader.format();
  const period = year !== undefined && quarter !== undefined ? quarterPeriod(year, quarter, context.quarterStartDay) : undefined;
  if (period && period.from > localDateOf(context.now)) reader.fail("year", "the quarter has not started yet");
  return reader.result({ period: period!, year: year!, quarter: quarter!, scope, format });
}

/** GET /v1/reports/delayed (and gRPC TraceDelayedDossiers): filters, the at-risk horizon and a page. */
export interface DelayedRequest {
  scope: ReportScope;
  procedureCode?: string;
  status?: "OVERDUE" | "AT_RISK";
  /** At risk: due within this many working days (0: due today). */
  withinDays: number;
  pageSize: number;
  /** Offset into the list (the page token). */
  offset: number;
}

const PROCEDURE_CODE = /^\d\.\d{6}$/;
export const DELAYED_PAGE_SIZE = { default: 100, max: 1000 };

export function parseDelayedQuery(query: Query): Parsed<DelayedRequest> {
  const reader = new Reader(query, ["agency", "level", "sector", "procedure", "status", "withinDays", "pageSize", "pageToken"]);
  const scope = reader.scope(["level", "agencyCode", "sectorCode"]);
  const procedureCode = reader.text("procedure");
  if (procedureCode !== undefined && !PROCEDURE_CODE.test(procedureCode)) reader.fail("procedure", "must be a procedure code like 1.001193");
  const status = reader.text("status");
  if (status !== undefined && status !== "OVERDUE" && status !== "AT_RISK") reader.fail("status", "must be OVERDUE or AT_RISK");
  const whole = (name: string, fallback: number, min: number, max: number): number => {
    const text = reader.text(name);
    if (text === undefined) return fallback;
    if (!/^\d{1,6}$/.test(text) || Number(text) < min || Number(text) > max) {
      reader.fail(name, `must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(text);
  };
  const withinDays = whole("withinDays", 2, 0, 30);
  const pageSize = whole("pageSize", DELAYED_PAGE_SIZE.default, 1, DELAYED_PAGE_SIZE.max);
  const offset = whole("pageToken", 0, 0, 999_999);
  return reader.result({
    scope,
    ...(procedureCode !== undefined ? { procedureCode } : {}),
    ...(status === "OVERDUE" || status === "AT_RISK" ? { status } : {}),
    withinDays,
    pageSize,
    offset,
  });
}
