import "@onestop/telemetry/register";
import { runMain, startService } from "@onestop/service-kit";
import { loadConfig } from "./config.js";

runMain(() => startService({ name: "digitisation", config: loadConfig(), defaultDb: "onestop_digitisation" }));
