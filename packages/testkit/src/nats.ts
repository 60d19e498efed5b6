import { inject } from "vitest";
import type {} from "./provided.js";

/** What nats.js `connect()` needs to connect as one user of the test nats-server (a subset of its ConnectionOptions). */
export interface NatsConnectOptions {
  servers: string;
  user?: string;
  pass?: string;
  /** The user's private inbox: its request replies and pulled messages come there. */
  inboxPrefix?: string;
}

/**
 * Connect options for `user` on the test nats-server, which runs with authorization on (one user
 * per service and sector system, see packages/contracts/src/nats-permissions.ts). Tests
 * themselves connect as "harness": everything but other users' inboxes.
 */
export function natsConnectOptions(user = "harness"): NatsConnectOptions {
  const credentials = inject("natsCredentials")[user];
  const servers = inject("natsUrl");
  return credentials ? { servers, user: credentials.user, pass: credentials.password, inboxPrefix: credentials.inboxPrefix } : { servers };
}

/** The environment of a service process started as `user` (NATS_URL, NATS_USER, NATS_PASSWORD). */
export function natsServiceEnv(user: string): Record<string, string> {
  const credentials = inject("natsCredentials")[user];
  return { NATS_URL: inject("natsUrl"), ...(credentials ? { NATS_USER: credentials.user, NATS_PASSWORD: credentials.password } : {}) };
}
