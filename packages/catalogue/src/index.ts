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
export {
  DISPATCH_MODES,
  bundleTimeLimit,
  parseBundlesJson,
  type Bundle,
  type BundleDefinition,
  type BundleRouting,
  type BundleStep,
  type DispatchMode,
  type StepRoute,
} from "./bundle.js";
export { AgencyKinds, parseAgencyKindsJson, type AgencyKind } from "./agency-kind.js";
export { Catalogue, buildCatalogue, type Sector } from "./catalogue.js";
export { DISTRICT_LEVEL_ABOLISHED_ON, type AdministrativeUnit, type Agency } from "./agency.js";
export { parseAgenciesCsv, parseAgenciesJson, parseUnitsCsv, parseUnitsJson } from "./registry-import.js";
export { AgencyRegistry, buildAgencyRegistry } from "./agency-registry.js";
export { SEED_FILES, loadSeedAgencyKinds, loadSeedAgencyRegistry, loadSeedCatalogue } from "./seed.js";
export { normalizeText } from "./text.js";
export { isIsoDate as isCalendarDate } from "./dates.js";
