import type { AgencyRegistry } from "./agency-registry.js";
import type { Agency } from "./agency.js";
import { isPlainObject, RowChecker, shown } from "./fields.js";
import { LEVELS, type Level } from "./procedure.js";
import { failure, success, type ImportError, type ImportResult } from "./result.js";

/**
 * A kind of agency that handles liên thông steps (agency-kinds.json): justice / civil status,
 * police, social insurance. An agency is of a kind when it is listed, or when its level is one of
 * the kind's levels (every commune People's Committee registers births).
 */
export interface AgencyKind {
  kind: string;
  name: string;
  levels: Level[];
  agencies: string[];
  note?: string;
}

const KIND_FIELDS = ["kind", "name", "levels", "agencies", "note"] as const;
const KIND_CODE = /^[a-z0-9][a-z0-9-]*$/;
const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

export function parseAgencyKindsJson(text: string): ImportResult<AgencyKind[]> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return failure([{ row: 0, field: "", message: `not valid JSON: ${(error as Error).message}` }]);
  }
  if (!Array.isArray(data)) return failure([{ row: 0, field: "", message: "the file must hold a JSON array of agency kinds" }]);
  const errors: ImportError[] = [];
  const kinds: AgencyKind[] = [];
  data.forEach((record, index) => {
    const checker = new RowChecker(index + 1);
    if (!isPlainObject(record)) {
      checker.fail("", `each agency kind must be an object, got ${shown(record)}`);
      errors.push(...checker.errors);
      return;
    }
    checker.unknownKeys(record, KIND_FIELDS);
    const kind = checker.matching(record.kind, "kind", KIND_CODE, 'a code like "police"');
    const name = checker.text(record.name, "name", { maxLength: 300 });
    const levels = Array.isArray(record.levels) ? record.levels.map((level, at) => checker.oneOf(level, `levels[${at}]`, LEVELS)) : (checker.fail("levels", "must be an array of levels"), []);
    const agencies = Array.isArray(record.agencies)
      ? record.agencies.map((code, at) => checker.matching(code, `agencies[${at}]`, AGENCY_CODE, 'an agency code like "000.00.90.H06"'))
      : (checker.fail("agencies", "must be an array of agency codes"), []);
    const note = checker.optionalText(record.note, "note", { maxLength: 2000 });
    if (kind !== undefined && kinds.some((other) => other.kind === kind)) checker.fail("kind", `agency kind ${kind} is defined twice`);
    errors.push(...checker.errors);
    if (!checker.ok) return;
    kinds.push({ kind: kind!, name: name!, levels: levels as Level[], agencies: agencies as string[], ...(note ? { note } : {}) });
  });
  return errors.length > 0 ? failure(errors) : success(kinds);
}

/** Which agency handles a step of `kind` for a filing received by `nearAgencyCode`, on `date`. */
export class AgencyKinds {
  private readonly byKind: Map<string, AgencyKind>;

  constructor(
    kinds: readonly AgencyKind[],
    private readonly registry: AgencyRegistry,
  ) {
    this.byKind = new Map(kinds.map((kind) => [kind.kind, kind]));
  }

  kinds(): AgencyKind[] {
    return [...this.byKind.values()];
  }

  isOfKind(agency: Agency, kind: string): boolean {
    const definition = this.byKind.get(kind);
    return definition !== undefined && (definition.agencies.includes(agency.code) || definition.levels.includes(agency.level));
  }

  /**
   * The agency of `kind` valid on `date` closest to the receiving agency's area: one serving the
   * receiving agency's own unit, else its parent unit, and so up to the province (the commune's
   * People's Committee for a birth filed at that commune; the province's police for its
   * residence). Undefined when no agency of the kind serves the area.
   */
  chooseAgency(kind: string, nearAgencyCode: string, date: string): Agency | undefined {
    const near = this.registry.successorAt(nearAgencyCode, date);
    if (!near) return undefined;
    const candidates = this.registry.agenciesAt(date).filter((agency) => this.isOfKind(agency, kind));
    const seen = new Set<string>();
    for (let unit = this.registry.unit(near.unitCode, date); unit && !seen.has(unit.code); unit = unit.parentCode ? this.registry.unit(unit.parentCode, date) : undefined) {
      seen.add(unit.code);
      const here = candidates.filter((agency) => agency.unitCode === unit!.code);
      // The receiving agency itself first, then the first by code (stable).
      const chosen = here.find((agency) => agency.code === near.code) ?? here[0];
      if (chosen) return chosen;
    }
    return undefined;
  }
}
