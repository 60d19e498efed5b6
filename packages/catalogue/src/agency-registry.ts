import type { AdministrativeUnit, Agency } from "./agency.js";
import { deepFreeze } from "./freeze.js";
import { crossCheckAgencyUnits, crossCheckParents, crossCheckVersions } from "./registry-validation.js";
import { failure, success, type ImportError, type ImportResult, type RowOf } from "./result.js";
import { VersionedRegistry } from "./versioned.js";

/**
 * The effective-dated registry of administrative units and agencies. Dates are "YYYY-MM-DD" and
 * validity periods include both ends; old codes are kept, and successors say what replaced what.
 */
export class AgencyRegistry {
  private readonly agencies: VersionedRegistry<Agency>;
  private readonly units: VersionedRegistry<AdministrativeUnit>;

  constructor(units: readonly AdministrativeUnit[], agencies: readonly Agency[]) {
    this.units = new VersionedRegistry(deepFreeze(units.map((unit) => ({ ...unit }))));
    this.agencies = new VersionedRegistry(deepFreeze(agencies.map((agency) => ({ ...agency }))));
  }

  /** Agencies valid on `date` (the `GET /v1/agencies?at=` body), sorted by code. */
  agenciesAt(date: string): Agency[] {
    return this.agencies.at(date);
  }

  /** The version of agency `code` valid on `at`; without `at`, its most recent version. */
  agency(code: string, at?: string): Agency | undefined {
    return this.agencies.get(code, at);
  }

  /** Where a dossier addressed to agency `code` belongs on `date`, following successors (e.g. an old sở to its merged successor). */
  successorAt(code: string, date: string): Agency | undefined {
    return this.agencies.successorAt(code, date);
  }

  /** Agency `code` and all that succeeded it, starting at the version valid on `from` or the earliest version. */
  successorChain(code: string, from?: string): Agency[] {
    return this.agencies.successorChain(code, from);
  }

  unitsAt(date: string): AdministrativeUnit[] {
    return this.units.at(date);
  }

  unit(code: string, at?: string): AdministrativeUnit | undefined {
    return this.units.get(code, at);
  }

  unitSuccessorAt(code: string, date: string): AdministrativeUnit | undefined {
    return this.units.successorAt(code, date);
  }

  unitSuccessorChain(code: string, from?: string): AdministrativeUnit[] {
    return this.units.successorChain(code, from);
  }
}

/**
 * Builds the registry from units and agencies, checking them together: no overlapping versions,
 * successors that exist when they take over, parents above their children, agencies serving a unit
 * of their level. Rows in errors are array positions (1-based).
 */
export function buildAgencyRegistry(units: AdministrativeUnit[], agencies: Agency[]): ImportResult<AgencyRegistry> {
  return buildAgencyRegistryFromRows(
    units.map((value, index) => ({ row: index + 1, value })),
    agencies.map((value, index) => ({ row: index + 1, value })),
  );
}

export function buildAgencyRegistryFromRows(units: RowOf<AdministrativeUnit>[], agencies: RowOf<Agency>[], files: { units?: string; agencies?: string } = {}): ImportResult<AgencyRegistry> {
  const inFile =
    (file: string | undefined) =>
    (error: ImportError): ImportError =>
      file === undefined ? error : { file, ...error };
  const unitValues = units.map((row) => row.value);
  const errors = [
    ...[...crossCheckVersions(units, "unit"), ...crossCheckParents(units)].map(inFile(files.units)),
    ...[...crossCheckVersions(agencies, "agency"), ...crossCheckAgencyUnits(agencies, unitValues)].map(inFile(files.agencies)),
  ];
  if (errors.length > 0) return failure(errors);
  return success(
    new AgencyRegistry(
      unitValues,
      agencies.map((row) => row.value),
    ),
  );
}
