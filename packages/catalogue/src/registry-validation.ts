import { AGENCY_CODE, DISTRICT_LEVEL_ABOLISHED_ON, LEVEL_RANK, UNIT_CODE_BY_LEVEL, type AdministrativeUnit, type Agency } from "./agency.js";
import { dayAfter, isWithin } from "./dates.js";
import { type RowChecker, isPlainObject, shown } from "./fields.js";
import { LEVELS, type Level } from "./procedure.js";
import type { ImportError, RowOf } from "./result.js";
import type { Versioned } from "./versioned.js";

export const UNIT_FIELDS = ["code", "name", "level", "parentCode", "validFrom", "validTo", "successorCode"] as const;
export const AGENCY_FIELDS = ["code", "name", "level", "unitCode", "validFrom", "validTo", "successorCode"] as const;

interface Period {
  validFrom: string;
  validTo: string | null;
}

function readPeriod(record: Record<string, unknown>, level: Level | undefined, checker: RowChecker): Period | undefined {
  const validFrom = checker.date(record.validFrom, "validFrom");
  const validTo = checker.optionalDate(record.validTo, "validTo");
  if (validFrom === undefined || validTo === undefined) return undefined;
  if (validTo !== null && validTo < validFrom) {
    checker.fail("validTo", `must not be before validFrom (${validFrom}), got ${validTo}`);
    return undefined;
  }
  if (level === "DISTRICT" && (validTo === null || validTo >= DISTRICT_LEVEL_ABOLISHED_ON)) {
    checker.fail("validTo", `a DISTRICT-level entry must end before ${DISTRICT_LEVEL_ABOLISHED_ON} (the district level was abolished), got ${validTo ?? "no end"}`);
    return undefined;
  }
  return { validFrom, validTo };
}

function readSuccessor(record: Record<string, unknown>, validTo: string | null | undefined, pattern: RegExp, expected: string, checker: RowChecker): string | undefined {
  if (record.successorCode === undefined || record.successorCode === null || record.successorCode === "") return undefined;
  const successorCode = checker.matching(record.successorCode, "successorCode", pattern, expected);
  if (successorCode !== undefined && validTo === null) {
    checker.fail("successorCode", "needs validTo: the successor takes over on the day after validTo");
  }
  return successorCode;
}

export function validateUnit(record: unknown, checker: RowChecker): AdministrativeUnit | undefined {
  if (!isPlainObject(record)) {
    checker.fail("", `each unit must be an object, got ${shown(record)}`);
    return undefined;
  }
  checker.unknownKeys(record, UNIT_FIELDS);
  const level = checker.oneOf(record.level, "level", LEVELS);
  const format = level === undefined ? undefined : UNIT_CODE_BY_LEVEL[level];
  const code = format ? checker.matching(record.code, "code", format.pattern, `${format.expected} for a ${level} unit`) : undefined;
  const name = checker.text(record.name, "name", { maxLength: 200 });
  let parentCode: string | undefined;
  const hasParent = record.parentCode !== undefined && record.parentCode !== null && record.parentCode !== "";
  if (level === "PROVINCE" && hasParent) checker.fail("parentCode", "a PROVINCE has no parent unit; leave it empty");
  if (level !== undefined && level !== "PROVINCE") {
    parentCode = checker.matching(record.parentCode, "parentCode", /^\d{2,3}$/, "the code of the province or district this unit belongs to");
  }
  const period = readPeriod(record, level, checker);
  const successorCode = format ? readSuccessor(record, period?.validTo, format.pattern, `${format.expected} (a successor is a unit of the same level)`, checker) : undefined;
  if (!checker.ok) return undefined;
  const unit: AdministrativeUnit = { code: code!, name: name!, level: level!, validFrom: period!.validFrom, validTo: period!.validTo };
  if (parentCode !== undefined) unit.parentCode = parentCode;
  if (successorCode !== undefined) unit.successorCode = successorCode;
  return unit;
}

export function validateAgency(record: unknown, checker: RowChecker): Agency | undefined {
  if (!isPlainObject(record)) {
    checker.fail("", `each agency must be an object, got ${shown(record)}`);
    return undefined;
  }
  checker.unknownKeys(record, AGENCY_FIELDS);
  const code = checker.matching(record.code, "code", AGENCY_CODE, 'an agency identifier (mã định danh) like "000.00.12.H10"');
  const name = checker.text(record.name, "name", { maxLength: 300 });
  const level = checker.oneOf(record.level, "level", LEVELS);
  const format = level === undefined ? undefined : UNIT_CODE_BY_LEVEL[level];
  const unitCode = format ? checker.matching(record.unitCode, "unitCode", format.pattern, `${format.expected} for a ${level} agency`) : undefined;
  const period = readPeriod(record, level, checker);
  const successorCode = readSuccessor(record, period?.validTo, AGENCY_CODE, 'an agency identifier like "000.00.12.H10"', checker);
  if (!checker.ok) return undefined;
  const agency: Agency = {
    code: code!,
    name: name!,
    level: level!,
    unitCode: unitCode!,
    validFrom: period!.validFrom,
    validTo: period!.validTo,
  };
  if (successorCode !== undefined) agency.successorCode = successorCode;
  return agency;
}

/**
 * Checks across the rows of one file: versions of a code must not overlap, and a successor must have a
 * version valid on the day after the predecessor's validTo.
 */
export function crossCheckVersions<T extends Versioned>(rows: RowOf<T>[], kind: string): ImportError[] {
  const errors: ImportError[] = [];
  const byCode = new Map<string, RowOf<T>[]>();
  for (const row of rows) {
    const versions = byCode.get(row.value.code) ?? [];
    for (const other of versions) {
      if (overlaps(row.value, other.value)) {
        errors.push({
          row: row.row,
          field: "validFrom",
          message: `${kind} ${row.value.code} is already valid on part of this period on row ${other.row} (${describe(other.value)}); versions of one code must not overlap`,
        });
      }
    }
    versions.push(row);
    byCode.set(row.value.code, versions);
  }
  for (const { row, value } of rows) {
    if (value.successorCode === undefined || value.validTo === null) continue;
    const handover = dayAfter(value.validTo);
    const successor = (byCode.get(value.successorCode) ?? []).find((other) => isWithin(handover, other.value.validFrom, other.value.validTo));
    if (successor === undefined) {
      errors.push({ row, field: "successorCode", message: `no ${kind} ${value.successorCode} is valid on ${handover}, the day after validTo` });
    }
  }
  return errors;
}

/** A unit's parent must exist on the unit's first day and be of a higher level. */
export function crossCheckParents(rows: RowOf<AdministrativeUnit>[]): ImportError[] {
  const errors: ImportError[] = [];
  for (const { row, value } of rows) {
    if (value.parentCode === undefined) continue;
    const parent = rows.find((other) => other.value.code === value.parentCode && isWithin(value.validFrom, other.value.validFrom, other.value.validTo));
    if (parent === undefined) {
      errors.push({ row, field: "parentCode", message: `no unit ${value.parentCode} is valid on ${value.validFrom} (this unit's validFrom)` });
    } else if (LEVEL_RANK[parent.value.level] <= LEVEL_RANK[value.level]) {
      errors.push({ row, field: "parentCode", message: `parent ${value.parentCode} is a ${parent.value.level} unit; a ${value.level} unit needs a parent of a higher level` });
    }
  }
  return errors;
}

/** An agency must serve a unit of its own level that exists on the agency's first day. */
export function crossCheckAgencyUnits(agencies: RowOf<Agency>[], units: readonly AdministrativeUnit[]): ImportError[] {
  const errors: ImportError[] = [];
  for (const { row, value } of agencies) {
    const unit = units.find((other) => other.code === value.unitCode && isWithin(value.validFrom, other.validFrom, other.validTo));
    if (unit === undefined) {
      errors.push({ row, field: "unitCode", message: `no administrative unit ${value.unitCode} is valid on ${value.validFrom} (this agency's validFrom)` });
    } else if (unit.level !== value.level) {
      errors.push({ row, field: "level", message: `agency is ${value.level} but unit ${value.unitCode} (${unit.name}) is ${unit.level}` });
    }
  }
  return errors;
}

function overlaps(a: Versioned, b: Versioned): boolean {
  const aEnd = a.validTo ?? "9999-12-31";
  const bEnd = b.validTo ?? "9999-12-31";
  return a.validFrom <= bEnd && b.validFrom <= aEnd;
}

function describe(item: Versioned): string {
  return `${item.validFrom} to ${item.validTo ?? "no end"}`;
}
