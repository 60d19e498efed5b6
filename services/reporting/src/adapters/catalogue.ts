import { pathToFileURL } from "node:url";
import { loadSeedCatalogue } from "@onestop/catalogue";
import type { ProcedureInfo, SectorName } from "../domain/index.js";

/** Sectors (with their Vietnamese names) and procedures' online modes from the catalogue files. */
export function loadReportCatalogue(dir?: string): { sectors: SectorName[]; procedures: ProcedureInfo[] } {
  const result = loadSeedCatalogue(dir ? pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`) : undefined);
  if (!result.ok) throw new Error(`catalogue invalid: ${result.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  const catalogue = result.value;
  return {
    sectors: catalogue.sectors(),
    procedures: catalogue.procedures().map((p) => ({ code: p.code, sectorCode: p.sectorCode, onlineMode: p.onlineMode, levels: [...p.levels] })),
  };
}
