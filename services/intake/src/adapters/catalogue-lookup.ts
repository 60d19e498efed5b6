import { bundleTimeLimit, type AgencyRegistry, type Catalogue } from "@onestop/catalogue";
import type { CatalogueLookup } from "../app/catalogue-port.js";

/** The catalogue package's catalogue and registry, seen through the port intake needs. */
export function catalogueLookup(catalogue: Catalogue, registry: AgencyRegistry): CatalogueLookup {
  return {
    procedure: (code) => catalogue.procedure(code),
    agencyAt: (code, date) => registry.agency(code, date),
    bundle: (code) => {
      const bundle = catalogue.bundleFiledAs(code);
      const first = bundle?.steps[0];
      if (!bundle || !first) return undefined;
      const timeLimit = bundleTimeLimit(bundle);
      return {
        code: bundle.code,
        ...(bundle.nationalCode ? { nationalCode: bundle.nationalCode } : {}),
        firstProcedureCode: first.procedure.code,
        onlineOnly: bundle.onlineOnly,
        ...(timeLimit ? { timeLimit } : {}),
      };
    },
  };
}
