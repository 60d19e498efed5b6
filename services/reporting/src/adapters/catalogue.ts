import { pathToFileURL } from "node:url";
import { loadSeedAgencyRegistry, loadSeedCatalogue, type AgencyRegistry } from "@onestop/catalogue";
import type { ProcedureInfo, SectorName } from "../domain/index.js";

/**
 * Sectors (with their Vietnamese names) and procedures' online modes from the catalogue files, and
 * the agency registry that callers' jurisdiction is judged on.
 */
export function loadReportCatalogue(dir?: string): { sectors: SectorName[]; procedures: ProcedureInfo[]; registry: AgencyRegistry } {
  const url = dir ? pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`) : undefined;
  const result = loadSeedCatalogue(url);
  if (!result.ok) throw new Error(`catalogue invalid: ${result.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  const registry = loadSeedAgencyRegistry(url);
  if (!registry.ok) throw new Error(`agency registry invalid: ${registry.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  const catalogue = result.value;
  return {
    registry: registry.value,
    sectors: catalogue.sectors(),
    procedures: catalogue.procedures().map((p) => ({ code: p.code, sectorCode: p.sectorCode, onlineMode: p.onlineMode, levels: [...p.levels] })),
  };
}
