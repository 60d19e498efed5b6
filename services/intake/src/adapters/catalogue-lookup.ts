import type { AgencyRegistry, Catalogue } from "@onestop/catalogue";
import type { CatalogueLookup } from "../app/catalogue-port.js";

/** The catalogue package's catalogue and registry, seen through the port intake needs. */
export function catalogueLookup(catalogue: Catalogue, registry: AgencyRegistry): CatalogueLookup {
  return {
    procedure: (code) => catalogue.procedure(code),
    agencyAt: (code, date) => registry.agency(code, date),
  };
}
