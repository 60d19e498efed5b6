import type { AdministrativeUnit, Agency } from "./agency.js";
import { parseCsv } from "./csv.js";
import { cellText } from "./csv-values.js";
import { RowChecker } from "./fields.js";
import { AGENCY_FIELDS, UNIT_FIELDS, crossCheckParents, crossCheckVersions, validateAgency, validateUnit } from "./registry-validation.js";
import { failure, success, type ImportError, type ImportResult, type RowOf } from "./result.js";

type Validate<T> = (record: unknown, checker: RowChecker) => T | undefined;

interface RowFormat<T> {
  kind: string;
  fields: readonly string[];
  requiredColumns: readonly string[];
  validate: Validate<T>;
  crossCheck: (rows: RowOf<T>[]) => ImportError[];
}

const UNITS: RowFormat<AdministrativeUnit> = {
  kind: "unit",
  fields: UNIT_FIELDS,
  requiredColumns: ["code", "name", "level", "parentCode", "validFrom", "validTo"],
  validate: validateUnit,
  crossCheck: (rows) => [...crossCheckVersions(rows, "unit"), ...crossCheckParents(rows)],
};

const AGENCIES: RowFormat<Agency> = {
  kind: "agency",
  fields: AGENCY_FIELDS,
  requiredColumns: ["code", "name", "level", "unitCode", "validFrom", "validTo"],
  validate: validateAgency,
  crossCheck: (rows) => crossCheckVersions(rows, "agency"),
};

/** Administrative units from CSV: code,name,level,parentCode,validFrom,validTo[,successorCode]. */
export function parseUnitsCsv(text: string): ImportResult<AdministrativeUnit[]> {
  return values(parseRowsCsv(text, UNITS));
}

export function parseUnitsJson(text: string): ImportResult<AdministrativeUnit[]> {
  return values(parseRowsJson(text, UNITS));
}

/** Agencies from CSV: code,name,level,unitCode,validFrom,validTo[,successorCode]. */
export function parseAgenciesCsv(text: string): ImportResult<Agency[]> {
  return values(parseRowsCsv(text, AGENCIES));
}

export function parseAgenciesJson(text: string): ImportResult<Agency[]> {
  return values(parseRowsJson(text, AGENCIES));
}

export function parseUnitRowsCsv(text: string): ImportResult<RowOf<AdministrativeUnit>[]> {
  return parseRowsCsv(text, UNITS);
}

export function parseAgencyRowsCsv(text: string): ImportResult<RowOf<Agency>[]> {
  return parseRowsCsv(text, AGENCIES);
}

function values<T>(result: ImportResult<RowOf<T>[]>): ImportResult<T[]> {
  return result.ok ? success(result.value.map((row) => row.value)) : result;
}

function parseRowsJson<T>(text: string, format: RowFormat<T>): ImportResult<RowOf<T>[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return failure([{ row: 0, field: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!Array.isArray(data)) return failure([{ row: 0, field: "", message: `the file must hold a JSON array of ${format.kind} records` }]);
  return collect(
    data.map((record, index) => ({ row: index + 1, record })),
    format,
  );
}

function parseRowsCsv<T>(text: string, format: RowFormat<T>): ImportResult<RowOf<T>[]> {
  const parsed = parseCsv(text);
  if (!parsed.ok) return failure(parsed.errors);
  const [header, ...records] = parsed.records;
  if (header === undefined) return failure([{ row: 0, field: "", message: "the file has no header row" }]);
  const columns = header.cells.map((cell) => cell.trim());
  const headerErrors: ImportError[] = [];
  columns.forEach((column, index) => {
    if (!format.fields.includes(column)) {
      headerErrors.push({ row: header.line, field: column, message: `unknown column; expected ${format.fields.join(", ")}` });
    } else if (columns.indexOf(column) !== index) {
      headerErrors.push({ row: header.line, field: column, message: "column appears twice in the header" });
    }
  });
  for (const column of format.requiredColumns) {
    if (!columns.includes(column)) headerErrors.push({ row: header.line, field: column, message: "required column is missing from the header" });
  }
  if (headerErrors.length > 0) return failure(headerErrors);

  const errors: ImportError[] = [];
  const inputs: { row: number; record: Record<string, unknown> }[] = [];
  for (const record of records) {
    if (record.cells.length !== columns.length) {
      errors.push({ row: record.line, field: "", message: `has ${record.cells.length} cells but the header has ${columns.length} columns` });
      continue;
    }
    inputs.push({ row: record.line, record: Object.fromEntries(columns.map((column, index) => [column, cellText(record.cells[index])])) });
  }
  const result = collect(inputs, format);
  if (errors.length === 0) return result;
  return failure([...errors, ...(result.ok ? [] : result.errors)]);
}

function collect<T>(inputs: { row: number; record: unknown }[], format: RowFormat<T>): ImportResult<RowOf<T>[]> {
  const errors: ImportError[] = [];
  const rows: RowOf<T>[] = [];
  for (const { row, record } of inputs) {
    const checker = new RowChecker(row);
    const value = format.validate(record, checker);
    errors.push(...checker.errors);
    if (value !== undefined) rows.push({ row, value });
  }
  errors.push(...format.crossCheck(rows));
  return errors.length > 0 ? failure(errors.sort((a, b) => a.row - b.row)) : success(rows);
}
