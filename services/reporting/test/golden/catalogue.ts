import { loadSeedCatalogue } from "@onestop/catalogue";
import type { GeneratorProcedure } from "./generator.js";

/** The shipped seed catalogue's procedures as the generator needs them. */
export function seedProcedures(): { procedures: GeneratorProcedure[]; sectors: Array<{ code: string; name: string }> } {
  const result = loadSeedCatalogue();
  if (!result.ok) throw new Error(`seed catalogue invalid: ${JSON.stringify(result.errors)}`);
  const procedures = result.value.procedures().map((p) => ({
    code: p.code,
    sectorCode: p.sectorCode,
    onlineMode: p.onlineMode,
    levels: [...p.levels],
    timeLimit: { ...p.timeLimit },
  }));
  return { procedures, sectors: result.value.sectors() };
}
