import { existsSync, readFileSync } from "node:fs";
import { buildAgencyRegistryFromRows, type AgencyRegistry } from "./agency-registry.js";
import { AgencyKinds, parseAgencyKindsJson } from "./agency-kind.js";
import { parseBundleRowsJson } from "./bundle.js";
import { buildCatalogueFromRows, type Catalogue } from "./catalogue.js";
import { parseProcedureRowsCsv, parseProcedureRowsJson } from "./procedure-import.js";
import { parseAgencyRowsCsv, parseUnitRowsCsv } from "./registry-import.js";
import { failure, type ImportError, type ImportResult } from "./result.js";

/** The shipped data files, in packages/catalogue/data/. */
export const SEED_FILES = {
  procedures: "procedures.json",
  bundles: "bundles.json",
  units: "units.csv",
  agencies: "agencies.csv",
  agencyKinds: "agency-kinds.json",
} as const;

const DEFAULT_DATA_DIR = new URL("../data/", import.meta.url);

function read(dir: URL, file: string): string {
  return readFileSync(new URL(file, dir), "utf8");
}

function inFile<T>(file: string, result: ImportResult<T>): ImportResult<T> {
  return result.ok ? result : failure(result.errors.map((error: ImportError) => ({ file, ...error })));
}

/**
 * Reads and validates procedures and bundles from `dataDir` (default: the shipped data/ folder).
 * Procedures are read from procedures.json, or from procedures.csv when the directory has no JSON file.
 */
export function loadSeedCatalogue(dataDir: URL = DEFAULT_DATA_DIR): ImportResult<Catalogue> {
  const proceduresFile = existsSync(new URL(SEED_FILES.procedures, dataDir)) ? SEED_FILES.procedures : "procedures.csv";
  const proceduresText = read(dataDir, proceduresFile);
  const procedures = inFile(proceduresFile, proceduresFile.endsWith(".json") ? parseProcedureRowsJson(proceduresText) : parseProcedureRowsCsv(proceduresText));
  const bundles = inFile(SEED_FILES.bundles, parseBundleRowsJson(read(dataDir, SEED_FILES.bundles)));
  if (!procedures.ok || !bundles.ok) {
    return failure([...(procedures.ok ? [] : procedures.errors), ...(bundles.ok ? [] : bundles.errors)]);
  }
  return buildCatalogueFromRows(procedures.value, bundles.value, { procedures: proceduresFile, bundles: SEED_FILES.bundles });
}

/** Reads and validates units.csv and agencies.csv from `dataDir` (default: the shipped data/ folder). */
export function loadSeedAgencyRegistry(dataDir: URL = DEFAULT_DATA_DIR): ImportResult<AgencyRegistry> {
  const units = inFile(SEED_FILES.units, parseUnitRowsCsv(read(dataDir, SEED_FILES.units)));
  const agencies = inFile(SEED_FILES.agencies, parseAgencyRowsCsv(read(dataDir, SEED_FILES.agencies)));
  if (!units.ok || !agencies.ok) {
    return failure([...(units.ok ? [] : units.errors), ...(agencies.ok ? [] : agencies.errors)]);
  }
  return buildAgencyRegistryFromRows(units.value, agencies.value, { units: SEED_FILES.units, agencies: SEED_FILES.agencies });
}

/** Reads agency-kinds.json from `dataDir` and binds it to `registry` (which agency handles which liên thông step). */
export function loadSeedAgencyKinds(registry: AgencyRegistry, dataDir: URL = DEFAULT_DATA_DIR): ImportResult<AgencyKinds> {
  const kinds = inFile(SEED_FILES.agencyKinds, parseAgencyKindsJson(read(dataDir, SEED_FILES.agencyKinds)));
  if (!kinds.ok) return kinds;
  const errors: ImportError[] = [];
  kinds.value.forEach((kind, index) =>
    kind.agencies.forEach((code, at) => {
      if (!registry.agency(code)) errors.push({ file: SEED_FILES.agencyKinds, row: index + 1, field: `agencies[${at}]`, message: `agency ${code} is not in the registry` });
    }),
  );
  return errors.length > 0 ? failure(errors) : { ok: true, value: new AgencyKinds(kinds.value, registry) };
}
