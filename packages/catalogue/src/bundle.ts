import { RowChecker, isPlainObject, shown } from "./fields.js";
import { BUNDLE_CODES, TIME_UNITS, type BundleCode, type Procedure, type TimeLimit } from "./procedure.js";
import { PROCEDURE_CODE } from "./procedure-validation.js";
import { failure, success, type ImportError, type ImportResult, type RowOf } from "./result.js";

/** A procedure bundle (nhóm TTHC liên thông) as defined in bundles.json; its steps come from the procedures. */
export interface BundleDefinition {
  code: BundleCode;
  name: string;
  /** The national code of the bundle as one linked procedure, when published. */
  nationalCode?: string;
  /** Whether the bundle can only be filed online (the birth bundle under Decree 63/2024). */
  onlineOnly: boolean;
  /** Limit for the whole bundle; null when no text publishes one (then it is configuration). */
  timeLimit: TimeLimit | null;
  note?: string;
}

export interface BundleStep {
  step: number;
  procedure: Procedure;
}

export interface Bundle extends BundleDefinition {
  steps: BundleStep[];
}

const BUNDLE_FIELDS = ["code", "name", "nationalCode", "onlineOnly", "timeLimit", "note"] as const;

export function parseBundlesJson(text: string): ImportResult<BundleDefinition[]> {
  const result = parseBundleRowsJson(text);
  return result.ok ? success(result.value.map((row) => row.value)) : result;
}

export function parseBundleRowsJson(text: string): ImportResult<RowOf<BundleDefinition>[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return failure([{ row: 0, field: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!Array.isArray(data)) return failure([{ row: 0, field: "", message: "the file must hold a JSON array of bundles" }]);
  const errors: ImportError[] = [];
  const rows: RowOf<BundleDefinition>[] = [];
  const seen = new Map<string, number>();
  data.forEach((record, index) => {
    const checker = new RowChecker(index + 1);
    const bundle = validateBundle(record, checker);
    if (bundle) {
      const earlier = seen.get(bundle.code);
      if (earlier !== undefined) checker.fail("code", `bundle ${bundle.code} is already defined on row ${earlier}`);
      else seen.set(bundle.code, index + 1);
    }
    errors.push(...checker.errors);
    if (bundle && checker.ok) rows.push({ row: index + 1, value: bundle });
  });
  return errors.length > 0 ? failure(errors) : success(rows);
}

function validateBundle(record: unknown, checker: RowChecker): BundleDefinition | undefined {
  if (!isPlainObject(record)) {
    checker.fail("", `each bundle must be an object, got ${shown(record)}`);
    return undefined;
  }
  checker.unknownKeys(record, BUNDLE_FIELDS);
  const code = checker.oneOf(record.code, "code", BUNDLE_CODES);
  const name = checker.text(record.name, "name", { maxLength: 600 });
  const hasNationalCode = record.nationalCode !== undefined && record.nationalCode !== null && record.nationalCode !== "";
  const nationalCode = hasNationalCode
    ? checker.matching(record.nationalCode, "nationalCode", PROCEDURE_CODE, 'a national procedure code like "2.002621"')
    : undefined;
  const onlineOnly = checker.flag(record.onlineOnly, "onlineOnly", false);
  const timeLimit = readBundleTimeLimit(record.timeLimit, checker);
  const note = checker.optionalText(record.note, "note", { maxLength: 2000 });
  if (!checker.ok) return undefined;
  const bundle: BundleDefinition = { code: code!, name: name!, onlineOnly: onlineOnly!, timeLimit: timeLimit! };
  if (nationalCode !== undefined) bundle.nationalCode = nationalCode;
  if (note !== undefined) bundle.note = note;
  return bundle;
}

function readBundleTimeLimit(value: unknown, checker: RowChecker): TimeLimit | null | undefined {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    checker.fail("timeLimit", `must be { amount, unit } or null when no limit is published, got ${shown(value)}`);
    return undefined;
  }
  checker.unknownKeys(value, ["amount", "unit", "sameDay"], "timeLimit.");
  const amount = checker.wholeNumber(value.amount, "timeLimit.amount", 1);
  const unit = checker.oneOf(value.unit, "timeLimit.unit", TIME_UNITS);
  if (value.sameDay === true) checker.fail("timeLimit.sameDay", "a whole bundle cannot be same-day; give the limit in days");
  if (amount === undefined || unit === undefined) return undefined;
  return { amount, unit, sameDay: false };
}
