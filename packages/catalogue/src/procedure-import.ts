import { parseCsv } from "./csv.js";
import { cellFlag, cellList, cellNumber, cellText } from "./csv-values.js";
import { RowChecker } from "./fields.js";
import type { Procedure } from "./procedure.js";
import { crossCheckProcedures, validateProcedure } from "./procedure-validation.js";
import { failure, success, type ImportError, type ImportResult, type RowOf } from "./result.js";

/** Parses a JSON array of procedures; see README "procedures.json". Either every row is valid or nothing is returned. */
export function parseProceduresJson(text: string): ImportResult<Procedure[]> {
  return values(parseProcedureRowsJson(text));
}

/** Parses procedures from CSV, one row per procedure; see README "Procedures as CSV". */
export function parseProceduresCsv(text: string): ImportResult<Procedure[]> {
  return values(parseProcedureRowsCsv(text));
}

function values<T>(result: ImportResult<RowOf<T>[]>): ImportResult<T[]> {
  return result.ok ? success(result.value.map((row) => row.value)) : result;
}

export function parseProcedureRowsJson(text: string): ImportResult<RowOf<Procedure>[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return failure([{ row: 0, field: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!Array.isArray(data)) {
    return failure([{ row: 0, field: "", message: "the file must hold a JSON array of procedures" }]);
  }
  const errors: ImportError[] = [];
  const rows: RowOf<Procedure>[] = [];
  data.forEach((record, index) => {
    const checker = new RowChecker(index + 1);
    const procedure = validateProcedure(record, checker);
    errors.push(...checker.errors);
    if (procedure) rows.push({ row: index + 1, value: procedure });
  });
  errors.push(...crossCheckProcedures(rows));
  return errors.length > 0 ? failure(errors) : success(rows);
}

const FIXED_COLUMNS = [
  "code",
  "codeVerified",
  "name",
  "sectorCode",
  "sectorName",
  "levels",
  "timeLimitAmount",
  "timeLimitUnit",
  "sameDay",
  "onlineMode",
  "resultType",
  "bundleCode",
  "bundleStep",
  "feeExemptions",
  "note",
] as const;
const REQUIRED_COLUMNS = ["code", "name", "sectorCode", "sectorName", "levels", "timeLimitAmount", "timeLimitUnit", "onlineMode", "resultType", "fee1Code", "fee1Name", "fee1Amount"];
const FEE_PARTS = ["Code", "Name", "Amount", "OnlineAmount", "Per", "Condition"] as const;
const FEE_COLUMN = /^fee([1-9]\d*)(Code|Name|Amount|OnlineAmount|Per|Condition)$/;

export function parseProcedureRowsCsv(text: string): ImportResult<RowOf<Procedure>[]> {
  const parsed = parseCsv(text);
  if (!parsed.ok) return failure(parsed.errors);
  const [header, ...records] = parsed.records;
  if (header === undefined) return failure([{ row: 0, field: "", message: "the file has no header row" }]);

  const columns = header.cells.map((cell) => cell.trim());
  const headerErrors = checkHeader(columns, header.line);
  if (headerErrors.length > 0) return failure(headerErrors);
  const feeGroups = [
    ...new Set(
      columns.flatMap((column) => {
        const match = FEE_COLUMN.exec(column);
        return match ? [Number(match[1])] : [];
      }),
    ),
  ].sort((a, b) => a - b);

  const errors: ImportError[] = [];
  const rows: RowOf<Procedure>[] = [];
  for (const record of records) {
    if (record.cells.length !== columns.length) {
      errors.push({ row: record.line, field: "", message: `has ${record.cells.length} cells but the header has ${columns.length} columns` });
      continue;
    }
    const cells = new Map(columns.map((column, index) => [column, record.cells[index]]));
    const { shape, groupOfFee } = toProcedureShape(cells, feeGroups);
    const checker = new RowChecker(record.line, (path) => csvColumnFor(path, groupOfFee));
    const procedure = validateProcedure(shape, checker);
    errors.push(...checker.errors);
    if (procedure) rows.push({ row: record.line, value: procedure });
  }
  errors.push(...crossCheckProcedures(rows, (path) => csvColumnFor(path, [])));
  return errors.length > 0 ? failure(errors) : success(rows);
}

function checkHeader(columns: string[], line: number): ImportError[] {
  const errors: ImportError[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column)) errors.push({ row: line, field: column, message: "column appears twice in the header" });
    seen.add(column);
    if (!(FIXED_COLUMNS as readonly string[]).includes(column) && !FEE_COLUMN.test(column)) {
      errors.push({ row: line, field: column, message: `unknown column; expected ${FIXED_COLUMNS.join(", ")} or feeN${FEE_PARTS.join("/feeN")}` });
    }
  }
  for (const column of REQUIRED_COLUMNS) {
    if (!seen.has(column)) errors.push({ row: line, field: column, message: "required column is missing from the header" });
  }
  return errors;
}

/** Builds the JSON shape of one CSV row. Fee groups whose cells are all empty are left out. */
function toProcedureShape(cells: Map<string, string | undefined>, feeGroups: number[]): { shape: Record<string, unknown>; groupOfFee: number[] } {
  const fees: Record<string, unknown>[] = [];
  const groupOfFee: number[] = [];
  for (const group of feeGroups) {
    const part = (name: (typeof FEE_PARTS)[number]) => cells.get(`fee${group}${name}`);
    if (FEE_PARTS.every((name) => (part(name) ?? "").trim() === "")) continue;
    fees.push({
      code: cellText(part("Code")),
      name: cellText(part("Name")),
      amount: cellNumber(part("Amount")),
      onlineAmount: cellNumber(part("OnlineAmount")),
      per: cellText(part("Per")),
      condition: cellText(part("Condition")),
    });
    groupOfFee.push(group);
  }
  const shape: Record<string, unknown> = {
    code: cellText(cells.get("code")),
    codeVerified: cellFlag(cells.get("codeVerified")),
    name: cellText(cells.get("name")),
    sectorCode: cellText(cells.get("sectorCode")),
    sectorName: cellText(cells.get("sectorName")),
    levels: cellList(cells.get("levels")),
    timeLimit: {
      amount: cellNumber(cells.get("timeLimitAmount")),
      unit: cellText(cells.get("timeLimitUnit")),
      sameDay: cellFlag(cells.get("sameDay")),
    },
    onlineMode: cellText(cells.get("onlineMode")),
    fees,
    feeExemptions: cellList(cells.get("feeExemptions")),
    resultType: cellText(cells.get("resultType")),
    bundleCode: cellText(cells.get("bundleCode")),
    bundleStep: cellNumber(cells.get("bundleStep")),
    note: cellText(cells.get("note")),
  };
  return { shape, groupOfFee };
}

/** Maps a validator path ("fees[1].amount", "timeLimit.unit") to the CSV column the editor sees. */
function csvColumnFor(path: string, groupOfFee: number[]): string {
  const fee = /^fees\[(\d+)\](?:\.(\w+))?$/.exec(path);
  if (fee) {
    const group = groupOfFee[Number(fee[1])] ?? Number(fee[1]) + 1;
    const part = fee[2] ?? "code";
    return `fee${group}${part[0]!.toUpperCase()}${part.slice(1)}`;
  }
  if (path === "fees") return "fee1Code";
  if (path === "timeLimit.amount" || path === "timeLimit") return "timeLimitAmount";
  if (path === "timeLimit.unit") return "timeLimitUnit";
  if (path === "timeLimit.sameDay") return "sameDay";
  return path.replace(/\[\d+\]$/, "");
}
