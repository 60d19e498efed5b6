import { type RowChecker, isPlainObject, shown } from "./fields.js";
import { BUNDLE_CODES, LEVELS, ONLINE_MODES, RESULT_TYPES, TIME_UNITS, type FeeLine, type Level, type Procedure, type TimeLimit } from "./procedure.js";
import type { ImportError, RowOf } from "./result.js";

export const PROCEDURE_CODE = /^\d\.\d{6}$/;
const SECTOR_CODE = /^[A-Z][A-Z0-9_]{1,39}$/;
const FEE_CODE = /^[A-Z][A-Z0-9_]{1,59}$/;

const PROCEDURE_FIELDS = [
  "code",
  "codeVerified",
  "name",
  "sectorCode",
  "sectorName",
  "levels",
  "timeLimit",
  "onlineMode",
  "fees",
  "feeExemptions",
  "resultType",
  "bundleCode",
  "bundleStep",
  "note",
] as const;
const TIME_LIMIT_FIELDS = ["amount", "unit", "sameDay"] as const;
const FEE_FIELDS = ["code", "name", "amount", "onlineAmount", "per", "condition"] as const;

/** Checks one procedure record (JSON shape) and returns it cleaned, or undefined with errors in `checker`. */
export function validateProcedure(record: unknown, checker: RowChecker): Procedure | undefined {
  if (!isPlainObject(record)) {
    checker.fail("", `each procedure must be an object, got ${shown(record)}`);
    return undefined;
  }
  checker.unknownKeys(record, PROCEDURE_FIELDS);

  const code = checker.matching(record.code, "code", PROCEDURE_CODE, 'a national procedure code like "1.001193"');
  const codeVerified = checker.flag(record.codeVerified, "codeVerified", true);
  const name = checker.text(record.name, "name", { maxLength: 600 });
  const sectorCode = checker.matching(record.sectorCode, "sectorCode", SECTOR_CODE, 'an upper-case code like "HO_TICH"');
  const sectorName = checker.text(record.sectorName, "sectorName", { maxLength: 200 });
  const levels = readLevels(record.levels, checker);
  const timeLimit = readTimeLimit(record.timeLimit, checker);
  const onlineMode = checker.oneOf(record.onlineMode, "onlineMode", ONLINE_MODES);
  const fees = readFees(record.fees, checker);
  const feeExemptions = readTextList(record.feeExemptions, "feeExemptions", checker);
  const resultType = checker.oneOf(record.resultType, "resultType", RESULT_TYPES);
  const note = checker.optionalText(record.note, "note", { maxLength: 2000 });

  let bundleCode: Procedure["bundleCode"];
  let bundleStep: number | undefined;
  const hasBundle = record.bundleCode !== undefined && record.bundleCode !== null && record.bundleCode !== "";
  const hasStep = record.bundleStep !== undefined && record.bundleStep !== null && record.bundleStep !== "";
  if (hasBundle) {
    bundleCode = checker.oneOf(record.bundleCode, "bundleCode", BUNDLE_CODES);
    if (hasStep) bundleStep = checker.wholeNumber(record.bundleStep, "bundleStep", 1);
    else checker.fail("bundleStep", "is required when bundleCode is set (the step this procedure is in the bundle)");
  } else if (hasStep) {
    checker.fail("bundleStep", "is set but bundleCode is empty; give both or neither");
  }

  if (codeVerified === false && note === undefined) {
    checker.fail("note", "is required when codeVerified is false: say what could not be verified");
  }

  if (!checker.ok) return undefined;
  const procedure: Procedure = {
    code: code!,
    codeVerified: codeVerified!,
    name: name!,
    sectorCode: sectorCode!,
    sectorName: sectorName!,
    levels: levels!,
    timeLimit: timeLimit!,
    onlineMode: onlineMode!,
    fees: fees!,
    feeExemptions: feeExemptions!,
    resultType: resultType!,
  };
  if (bundleCode !== undefined) {
    procedure.bundleCode = bundleCode;
    procedure.bundleStep = bundleStep!;
  }
  if (note !== undefined) procedure.note = note;
  return procedure;
}

function readLevels(value: unknown, checker: RowChecker): Level[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    checker.fail("levels", `must list at least one of ${LEVELS.join(", ")}, got ${shown(value)}`);
    return undefined;
  }
  const levels: Level[] = [];
  value.forEach((item, index) => {
    const level = checker.oneOf(item, `levels[${index}]`, LEVELS);
    if (level === undefined) return;
    if (levels.includes(level)) checker.fail(`levels[${index}]`, `${level} is listed twice`);
    else levels.push(level);
  });
  return levels;
}

function readTimeLimit(value: unknown, checker: RowChecker): TimeLimit | undefined {
  if (!isPlainObject(value)) {
    checker.fail("timeLimit", `must be an object { amount, unit, sameDay }, got ${shown(value)}`);
    return undefined;
  }
  checker.unknownKeys(value, TIME_LIMIT_FIELDS, "timeLimit.");
  const amount = checker.wholeNumber(value.amount, "timeLimit.amount", 0);
  const unit = checker.oneOf(value.unit, "timeLimit.unit", TIME_UNITS);
  const sameDay = checker.flag(value.sameDay, "timeLimit.sameDay", false);
  if (amount === undefined || unit === undefined || sameDay === undefined) return undefined;
  if (sameDay && amount !== 0) {
    checker.fail("timeLimit.amount", `must be 0 for a same-day procedure, got ${amount}`);
    return undefined;
  }
  if (!sameDay && amount === 0) {
    checker.fail("timeLimit.amount", "is 0 but sameDay is not true; a time limit of 0 is only allowed for same-day procedures");
    return undefined;
  }
  return { amount, unit, sameDay };
}

function readFees(value: unknown, checker: RowChecker): FeeLine[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    checker.fail("fees", "must list at least one fee line; record a free procedure as a line with amount 0");
    return undefined;
  }
  const fees: FeeLine[] = [];
  const seen = new Set<string>();
  value.forEach((item, index) => {
    const at = `fees[${index}]`;
    if (!isPlainObject(item)) {
      checker.fail(at, `must be an object { code, name, amount, ... }, got ${shown(item)}`);
      return;
    }
    checker.unknownKeys(item, FEE_FIELDS, `${at}.`);
    const code = checker.matching(item.code, `${at}.code`, FEE_CODE, 'an upper-case code like "LE_PHI_KHAI_SINH"');
    const name = checker.text(item.name, `${at}.name`, { maxLength: 300 });
    const amount = checker.wholeNumber(item.amount, `${at}.amount`, 0);
    const hasOnline = item.onlineAmount !== undefined && item.onlineAmount !== null && item.onlineAmount !== "";
    const onlineAmount = hasOnline ? checker.wholeNumber(item.onlineAmount, `${at}.onlineAmount`, 0) : undefined;
    const per = checker.optionalText(item.per, `${at}.per`, { maxLength: 50 });
    const condition = checker.optionalText(item.condition, `${at}.condition`, { maxLength: 500 });
    if (amount !== undefined && onlineAmount !== undefined && onlineAmount > amount) {
      checker.fail(`${at}.onlineAmount`, `must not exceed amount (${amount}), got ${onlineAmount}`);
    }
    if (code !== undefined) {
      if (seen.has(code)) checker.fail(`${at}.code`, `fee code ${code} is used twice in this procedure`);
      seen.add(code);
    }
    if (code === undefined || name === undefined || amount === undefined) return;
    const fee: FeeLine = { code, name, amount };
    if (onlineAmount !== undefined) fee.onlineAmount = onlineAmount;
    if (per !== undefined) fee.per = per;
    if (condition !== undefined) fee.condition = condition;
    fees.push(fee);
  });
  return fees;
}

function readTextList(value: unknown, path: string, checker: RowChecker): string[] | undefined {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    checker.fail(path, `must be a list of texts, got ${shown(value)}`);
    return undefined;
  }
  const items: string[] = [];
  value.forEach((item, index) => {
    const text = checker.text(item, `${path}[${index}]`, { maxLength: 1000 });
    if (text !== undefined) items.push(text);
  });
  return items;
}

/**
 * Checks that need several rows: unique codes, one name per sector code, one procedure per bundle step.
 * Errors name the later row and point back to the earlier one.
 */
export function crossCheckProcedures(rows: RowOf<Procedure>[], fieldName: (path: string) => string = (path) => path): ImportError[] {
  const errors: ImportError[] = [];
  const byCode = new Map<string, number>();
  const sectorNames = new Map<string, { name: string; row: number }>();
  const bundleSteps = new Map<string, number>();
  for (const { row, value } of rows) {
    const earlier = byCode.get(value.code);
    if (earlier !== undefined) {
      errors.push({ row, field: fieldName("code"), message: `duplicate procedure code ${value.code} (first on row ${earlier})` });
    } else {
      byCode.set(value.code, row);
    }
    const sector = sectorNames.get(value.sectorCode);
    if (sector === undefined) {
      sectorNames.set(value.sectorCode, { name: value.sectorName, row });
    } else if (sector.name !== value.sectorName) {
      errors.push({
        row,
        field: fieldName("sectorName"),
        message: `sector ${value.sectorCode} is named "${sector.name}" on row ${sector.row}, here "${value.sectorName}"`,
      });
    }
    if (value.bundleCode !== undefined) {
      const key = `${value.bundleCode}#${value.bundleStep}`;
      const other = bundleSteps.get(key);
      if (other !== undefined) {
        errors.push({
          row,
          field: fieldName("bundleStep"),
          message: `step ${value.bundleStep} of bundle ${value.bundleCode} is already taken by row ${other}`,
        });
      } else {
        bundleSteps.set(key, row);
      }
    }
  }
  return errors;
}
