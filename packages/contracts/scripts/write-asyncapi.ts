// Writes proto/asyncapi.yaml from the event catalogue (pnpm asyncapi).
import { writeFileSync } from "node:fs";
import { renderAsyncApi } from "../src/asyncapi.js";

writeFileSync(new URL("../../../proto/asyncapi.yaml", import.meta.url), renderAsyncApi());
