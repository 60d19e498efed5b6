import type { Bundle, BundleDefinition } from "./bundle.js";
import { deepFreeze } from "./freeze.js";
import { crossCheckProcedures } from "./procedure-validation.js";
import { summarize, type BundleCode, type Procedure, type ProcedureSummary } from "./procedure.js";
import { failure, success, type ImportError, type ImportResult, type RowOf } from "./result.js";

export interface Sector {
  code: string;
  name: string;
}

/** The validated procedure catalogue. Build it with `buildCatalogue` or `loadSeedCatalogue`. */
export class Catalogue {
  private readonly all: readonly Procedure[];
  private readonly byCode: Map<string, Procedure>;
  private readonly bundlesByCode: Map<BundleCode, Bundle>;

  /** Takes already validated data (see `buildCatalogue`); keeps frozen copies. */
  constructor(procedures: readonly Procedure[], bundles: readonly BundleDefinition[]) {
    const all = deepFreeze(procedures.map((procedure) => structuredClone(procedure)));
    this.all = all;
    this.byCode = new Map(all.map((procedure) => [procedure.code, procedure]));
    this.bundlesByCode = new Map(
      bundles.map((definition) => {
        const steps = all
          .filter((procedure) => procedure.bundleCode === definition.code)
          .map((procedure) => {
            const route = definition.routing?.steps.find((candidate) => candidate.step === procedure.bundleStep);
            return { step: procedure.bundleStep!, procedure, ...(route ? { route } : {}) };
          })
          .sort((a, b) => a.step - b.step);
        return [definition.code, deepFreeze({ ...structuredClone(definition), steps })];
      }),
    );
  }

  procedure(code: string): Procedure | undefined {
    return this.byCode.get(code);
  }

  /** All procedures in file order. */
  procedures(): Procedure[] {
    return [...this.all];
  }

  /** The `GET /v1/procedures` body. */
  summaries(): ProcedureSummary[] {
    return this.all.map(summarize);
  }

  bundle(code: BundleCode): Bundle | undefined {
    return this.bundlesByCode.get(code);
  }

  bundles(): Bundle[] {
    return [...this.bundlesByCode.values()];
  }

  /** The bundle filed under `code`: its own code (BIRTH, case-insensitive) or its national code (2.002621). */
  bundleFiledAs(code: string): Bundle | undefined {
    const upper = code.toUpperCase();
    return this.bundles().find((bundle) => bundle.code === upper || bundle.nationalCode === code);
  }

  /** Sectors in order of first appearance. */
  sectors(): Sector[] {
    const sectors = new Map<string, string>();
    for (const procedure of this.all) {
      if (!sectors.has(procedure.sectorCode)) sectors.set(procedure.sectorCode, procedure.sectorName);
    }
    return [...sectors].map(([code, name]) => ({ code, name }));
  }
}

/**
 * Builds a catalogue from procedures and bundle definitions, checking them together: unique codes,
 * consistent sector names, every bundle step filled once. Rows in errors are array positions (1-based).
 */
export function buildCatalogue(procedures: Procedure[], bundles: BundleDefinition[]): ImportResult<Catalogue> {
  return buildCatalogueFromRows(
    procedures.map((value, index) => ({ row: index + 1, value })),
    bundles.map((value, index) => ({ row: index + 1, value })),
  );
}

export function buildCatalogueFromRows(procedures: RowOf<Procedure>[], bundles: RowOf<BundleDefinition>[], files: { procedures?: string; bundles?: string } = {}): ImportResult<Catalogue> {
  const inFile = (file: string | undefined) => (file === undefined ? {} : { file });
  const errors: ImportError[] = crossCheckProcedures(procedures).map((error) => ({ ...inFile(files.procedures), ...error }));
  const defined = new Set(bundles.map(({ value }) => value.code));
  for (const { row, value } of procedures) {
    if (value.bundleCode !== undefined && !defined.has(value.bundleCode)) {
      errors.push({ ...inFile(files.procedures), row, field: "bundleCode", message: `bundle ${value.bundleCode} is not defined in the bundles file` });
    }
  }
  for (const { row, value } of bundles) {
    const steps = procedures.filter((procedure) => procedure.value.bundleCode === value.code).map((procedure) => procedure.value.bundleStep!);
    if (steps.length === 0) {
      errors.push({ ...inFile(files.bundles), row, field: "code", message: `bundle ${value.code} has no procedures; set bundleCode and bundleStep on its procedures` });
      continue;
    }
    // A province's catalogue may ship only some of a bundle's procedures; liên thông then refuses to plan it.
    for (const step of value.routing ? steps : []) {
      if (!value.routing!.steps.some((route) => route.step === step)) {
        errors.push({ ...inFile(files.bundles), row, field: "routing.steps", message: `bundle ${value.code} has no routing for its step ${step}` });
      }
    }
    for (let step = 1; step <= Math.max(...steps); step++) {
      if (!steps.includes(step)) {
        errors.push({ ...inFile(files.bundles), row, field: "code", message: `bundle ${value.code} has no procedure for step ${step}; steps must run 1, 2, 3, ... without gaps` });
      }
    }
  }
  if (errors.length > 0) return failure(errors);
  return success(
    new Catalogue(
      procedures.map((row) => row.value),
      bundles.map((row) => row.value),
    ),
  );
}
