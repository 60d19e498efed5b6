export type { ImportError, ImportResult } from "./result.js";
export {
  BUNDLE_CODES,
  LEVELS,
  ONLINE_MODES,
  RESULT_TYPES,
  TIME_UNITS,
  summarize,
  type BundleCode,
  type FeeLine,
  type Level,
  type OnlineMode,
  type Procedure,
  type ProcedureSummary,
  type ResultType,
  type TimeLimit,
  type TimeUnit,
} from "./procedure.js";
export { parseProceduresCsv, parseProceduresJson } from "./procedure-import.js";
export { parseBundlesJson, type Bundle, type BundleDefinition, type BundleStep } from "./bundle.js";
export { Catalogue, buildCatalogue, type Sector } from "./catalogue.js";
export { DISTRICT_LEVEL_ABOLISHED_ON, type AdministrativeUnit, type Agency } from "./agency.js";
export { parseAgenciesCsv, parseAgenciesJson, parseUnitsCsv, parseUnitsJson } from "./registry-import.js";
export { AgencyRegistry, buildAgencyRegistry } from "./agency-registry.js";
export { SEED_FILES, loadSeedAgencyRegistry, loadSeedCatalogue } from "./seed.js";
export { normalizeText } from "./text.js";
