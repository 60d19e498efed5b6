export { startNats, natsConfig, type NatsOptions, type NatsServer } from "./nats.js";
export { startFerretDb, type FerretDbOptions, type FerretDbServer } from "./ferretdb.js";
export { freePort } from "./ports.js";
export { repoRoot, serverBinary } from "./paths.js";
export { waitFor, type WaitOptions } from "./wait.js";
export type { ServerProcess } from "./process.js";
export { startServiceProcess, type ServiceProcess } from "./service-process.js";
