export { startNats, natsConfig, natsEnv, natsUsers, type NatsAuthorizationOptions, type NatsConfigOptions, type NatsCredentials, type NatsOptions, type NatsServer } from "./nats.js";
export { startNatsCluster, type NatsCluster, type NatsClusterNode, type NatsClusterOptions } from "./nats-cluster.js";
export { startFerretDb, type FerretDbOptions, type FerretDbServer } from "./ferretdb.js";
export { startObjectStore, type ObjectStoreOptions, type ObjectStoreServer, type ObjectStoreSettings } from "./s3.js";
export {
  startKeycloak,
  passwordGrant,
  clientCredentialsGrant,
  keycloakDistribution,
  keycloakJavaHome,
  defaultRealmFile,
  realmHash,
  KEYCLOAK_REALM,
  ONESTOP_AUDIENCE,
  type KeycloakOptions,
  type KeycloakServer,
} from "./keycloak.js";
export { freePort } from "./ports.js";
export { repoRoot, serverBinary } from "./paths.js";
export { waitFor, type WaitOptions } from "./wait.js";
export type { ServerProcess } from "./process.js";
export { startServiceProcess, type ServiceProcess } from "./service-process.js";
export { signTestToken, startTestIssuer, TEST_AUDIENCE, type TestIssuer, type TestTokenOptions } from "./test-issuer.js";
