export { startNats, natsConfig, natsEnv, natsUsers, type NatsAuthorizationOptions, type NatsConfigOptions, type NatsCredentials, type NatsOptions, type NatsServer } from "./nats.js";
export { startFerretDb, type FerretDbOptions, type FerretDbServer } from "./ferretdb.js";
export { freePort } from "./ports.js";
export { repoRoot, serverBinary } from "./paths.js";
export { waitFor, type WaitOptions } from "./wait.js";
export type { ServerProcess } from "./process.js";
export { startServiceProcess, type ServiceProcess } from "./service-process.js";
export { signTestToken, startTestIssuer, TEST_AUDIENCE, type TestIssuer, type TestTokenOptions } from "./test-issuer.js";
