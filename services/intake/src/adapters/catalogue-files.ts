import { pathToFileURL } from "node:url";
import { loadSeedAgencyRegistry, loadSeedCatalogue, type ImportResult } from "@onestop/catalogue";

/** Loads the catalogue and registry (a province's folder or the shipped seed); any bad row stops start-up. */
export function loadCatalogueFiles(dir: string | undefined) {
  const url = dir ? pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`) : undefined;
  const catalogue = orThrow("procedure catalogue", url ? loadSeedCatalogue(url) : loadSeedCatalogue());
  const registry = orThrow("agency registry", url ? loadSeedAgencyRegistry(url) : loadSeedAgencyRegistry());
  return { catalogue, registry };
}

function orThrow<T>(what: string, result: ImportResult<T>): T {
  if (result.ok) return result.value;
  const lines = result.errors.slice(0, 20).map((e) => `  ${JSON.stringify(e)}`);
  throw new Error(`invalid ${what} (${result.errors.length} errors):\n${lines.join("\n")}`);
}
