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
  /** How liên thông routes the bundle between agencies; absent in definitions used for intake only. */
  routing?: BundleRouting;
  note?: string;
}

export const DISPATCH_MODES = ["PARALLEL", "SEQUENTIAL"] as const;
/**
 * PARALLEL: every step whose dependencies are done is sent at once (electronic, same level);
 * SEQUENTIAL: one step at a time in step order (paper, from the lead agency).
 */
export type DispatchMode = (typeof DISPATCH_MODES)[number];

/** One step as liên thông routes it: who handles it, what it needs, how long it may take. */
export interface StepRoute {
  /** The procedure's bundleStep. */
  step: number;
  /** NATS subject token, e.g. "permanent-residence". */
  code: string;
  /** The kind of agency that handles it (agency-kinds.json), e.g. "police". */
  agencyKind: string;
  /** Step codes whose outputs it needs. */
  dependsOn: string[];
  /** This agency's slice, counted from when the step is sent; never past the bundle's deadline. */
  timeLimit: TimeLimit;
  /** Form fields of the filing that the step receives (only these: the rest of the personal data stays). */
  inputs: string[];
  /** What the step yields for the steps that depend on it, e.g. "personalIdNumber". */
  outputs: string[];
}

export interface BundleRouting {
  dispatch: DispatchMode;
  /** Share of a slice after which the agency is warned (0.75: with a quarter of its time left). */
  warnAtShare: number;
  steps: StepRoute[];
  note?: string;
}

export interface BundleStep {
  step: number;
  procedure: Procedure;
  /** The step's routing, when the bundle has one. */
  route?: StepRoute;
}

export interface Bundle extends BundleDefinition {
  steps: BundleStep[];
}

const BUNDLE_FIELDS = ["code", "name", "nationalCode", "onlineOnly", "timeLimit", "routing", "note"] as const;
const ROUTING_FIELDS = ["dispatch", "warnAtShare", "steps", "note"] as const;
const STEP_FIELDS = ["step", "code", "agencyKind", "dependsOn", "timeLimit", "inputs", "outputs"] as const;
/** A subject token: lower-case letters, digits and "-" (contracts/tokens.ts says the same for step codes). */
const STEP_CODE = /^[a-z0-9][a-z0-9-]*$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]*$/;

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
  const nationalCode = hasNationalCode ? checker.matching(record.nationalCode, "nationalCode", PROCEDURE_CODE, 'a national procedure code like "2.002621"') : undefined;
  const onlineOnly = checker.flag(record.onlineOnly, "onlineOnly", false);
  const timeLimit = readBundleTimeLimit(record.timeLimit, checker);
  const note = checker.optionalText(record.note, "note", { maxLength: 2000 });
  const routing = record.routing === undefined ? undefined : readRouting(record.routing, checker);
  if (!checker.ok) return undefined;
  const bundle: BundleDefinition = { code: code!, name: name!, onlineOnly: onlineOnly!, timeLimit: timeLimit! };
  if (nationalCode !== undefined) bundle.nationalCode = nationalCode;
  if (routing !== undefined) bundle.routing = routing;
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

function readRouting(value: unknown, checker: RowChecker): BundleRouting | undefined {
  if (!isPlainObject(value)) {
    checker.fail("routing", `must be { dispatch, warnAtShare, steps }, got ${shown(value)}`);
    return undefined;
  }
  checker.unknownKeys(value, ROUTING_FIELDS, "routing.");
  const dispatch = checker.oneOf(value.dispatch, "routing.dispatch", DISPATCH_MODES);
  const share = value.warnAtShare;
  if (typeof share !== "number" || !(share > 0 && share < 1)) checker.fail("routing.warnAtShare", `must be a number between 0 and 1, got ${shown(share)}`);
  const note = checker.optionalText(value.note, "routing.note", { maxLength: 2000 });
  if (!Array.isArray(value.steps) || value.steps.length === 0) {
    checker.fail("routing.steps", `must be a non-empty array of steps, got ${shown(value.steps)}`);
    return undefined;
  }
  const steps = value.steps.map((step, index) => readStepRoute(step, `routing.steps[${index}]`, checker));
  if (!checker.ok || dispatch === undefined || steps.some((step) => step === undefined)) return undefined;
  const routes = steps as StepRoute[];
  const codes = routes.map((route) => route.code);
  routes.forEach((route, index) => {
    if (route.step !== index + 1) checker.fail(`routing.steps[${index}].step`, `steps must be listed in order 1, 2, 3, ...; expected ${index + 1}, got ${route.step}`);
    if (codes.indexOf(route.code) !== index) checker.fail(`routing.steps[${index}].code`, `step code ${route.code} is used twice`);
    route.dependsOn.forEach((dependency, at) => {
      // Only earlier steps: a dependency on a later step (or on itself) would never be ready.
      if (!codes.slice(0, index).includes(dependency)) {
        checker.fail(`routing.steps[${index}].dependsOn[${at}]`, `must name an earlier step of this bundle, got ${shown(dependency)}`);
      }
    });
  });
  if (!checker.ok) return undefined;
  const routing: BundleRouting = { dispatch, warnAtShare: share as number, steps: routes };
  if (note !== undefined) routing.note = note;
  return routing;
}

function readStepRoute(value: unknown, path: string, checker: RowChecker): StepRoute | undefined {
  if (!isPlainObject(value)) {
    checker.fail(path, `each step must be an object, got ${shown(value)}`);
    return undefined;
  }
  checker.unknownKeys(value, STEP_FIELDS, `${path}.`);
  const step = checker.wholeNumber(value.step, `${path}.step`, 1);
  const code = checker.matching(value.code, `${path}.code`, STEP_CODE, 'a subject token like "permanent-residence"');
  const agencyKind = checker.matching(value.agencyKind, `${path}.agencyKind`, STEP_CODE, 'an agency kind like "police"');
  const names = (field: "dependsOn" | "inputs" | "outputs", pattern: RegExp): string[] | undefined => {
    const list = value[field] ?? [];
    if (!Array.isArray(list)) {
      checker.fail(`${path}.${field}`, `must be an array, got ${shown(list)}`);
      return undefined;
    }
    return list.map((item, index) => checker.matching(item, `${path}.${field}[${index}]`, pattern, "a name")).filter((item) => item !== undefined);
  };
  const dependsOn = names("dependsOn", STEP_CODE);
  const inputs = names("inputs", FIELD_NAME);
  const outputs = names("outputs", FIELD_NAME);
  const timeLimit = readStepTimeLimit(value.timeLimit, `${path}.timeLimit`, checker);
  if (!checker.ok) return undefined;
  return { step: step!, code: code!, agencyKind: agencyKind!, dependsOn: dependsOn!, timeLimit: timeLimit!, inputs: inputs!, outputs: outputs! };
}

function readStepTimeLimit(value: unknown, path: string, checker: RowChecker): TimeLimit | undefined {
  if (!isPlainObject(value)) {
    checker.fail(path, `must be { amount, unit[, sameDay] }, got ${shown(value)}`);
    return undefined;
  }
  checker.unknownKeys(value, ["amount", "unit", "sameDay"], `${path}.`);
  const sameDay = checker.flag(value.sameDay, `${path}.sameDay`, false);
  const amount = checker.wholeNumber(value.amount, `${path}.amount`, sameDay ? 0 : 1);
  const unit = checker.oneOf(value.unit, `${path}.unit`, TIME_UNITS);
  if (sameDay && amount !== 0) checker.fail(`${path}.amount`, "a same-day step has amount 0");
  if (amount === undefined || unit === undefined || sameDay === undefined) return undefined;
  return { amount, unit, sameDay };
}

/**
 * The whole bundle's limit: the published one, or, where none is published (the death bundle),
 * what its routing adds up to: the longest chain of dependent slices (every slice of a
 * SEQUENTIAL bundle, one after the other). Undefined when neither exists, or when the slices mix
 * units and cannot be added.
 */
export function bundleTimeLimit(bundle: BundleDefinition): TimeLimit | undefined {
  if (bundle.timeLimit) return bundle.timeLimit;
  const routes = bundle.routing?.steps;
  if (!routes || routes.length === 0) return undefined;
  const unit = routes[0]!.timeLimit.unit;
  if (routes.some((route) => route.timeLimit.unit !== unit)) return undefined;
  let amount: number;
  if (bundle.routing!.dispatch === "SEQUENTIAL") {
    amount = routes.reduce((sum, route) => sum + route.timeLimit.amount, 0);
  } else {
    const finish = new Map<string, number>();
    for (const route of routes) finish.set(route.code, Math.max(0, ...route.dependsOn.map((code) => finish.get(code) ?? 0)) + route.timeLimit.amount);
    amount = Math.max(...finish.values());
  }
  return amount === 0 ? { amount: 0, unit, sameDay: true } : { amount, unit, sameDay: false };
}
