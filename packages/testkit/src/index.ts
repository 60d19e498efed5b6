import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type {} from "./provided.js";
import { natsConnectOptions, natsServiceEnv, type NatsConnectOptions } from "./nats.js";

import { signTestToken, startServiceProcess as startProcess, TEST_AUDIENCE, type ServiceProcess, type TestTokenOptions } from "@onestop/devservers";

export { waitFor, type ServiceProcess, type WaitOptions } from "@onestop/devservers";
export { natsConnectOptions, natsServiceEnv, type NatsConnectOptions } from "./nats.js";

/** Runs a service as its own process (see devservers), trusting the test issuer's tokens unless `env` says otherwise. */
export function startServiceProcess(name: string, env: Record<string, string>, options: { logFile?: string } = {}): Promise<ServiceProcess> {
  return startProcess(name, { ...authEnv(), ...env }, options);
}

/**
 * A suffix unique to this test file: vitest evaluates this module once per file, so every
 * file gets its own database and stream names and files can run in parallel.
 */
const fileSuffix = randomBytes(4).toString("hex");

export interface TestEnv {
  natsUrl: string;
  /** Connect options of the harness user (tests' own connections): `connect(env.nats)`. */
  nats: NatsConnectOptions;
  /** Environment for a service process connecting as its own NATS user: `{ ...env.natsEnv("intake") }`. */
  natsEnv(user: string): Record<string, string>;
  /** Connection string to the store, without a database name. */
  mongoUrl: string;
  /** A database name owned by this test file. */
  dbName: string;
  /** Prefix for stream, consumer and subject names owned by this test file. */
  prefix: string;
}

export function testEnv(): TestEnv {
  return {
    natsUrl: inject("natsUrl"),
    nats: natsConnectOptions(),
    natsEnv: natsServiceEnv,
    mongoUrl: inject("mongoUrl"),
    dbName: `test_${fileSuffix}`,
    prefix: `t${fileSuffix}`,
  };
}

/** A further unique name inside this file's namespace, for tests needing several. */
export function uniqueName(label: string): string {
  return `${label}_${fileSuffix}_${randomBytes(3).toString("hex")}`;
}

/** The environment a service needs to verify the test issuer's tokens. */
export function authEnv(): { OIDC_ISSUER: string; OIDC_AUDIENCE: string } {
  return { OIDC_ISSUER: inject("oidcIssuer"), OIDC_AUDIENCE: TEST_AUDIENCE };
}

/** A caller with the `service` role: what most tests act as, when the test is not about who may do what. */
export function serviceToken(): Promise<string> {
  return testToken({ sub: "svc-test", preferred_username: "service-account-svc-test", roles: ["service"] });
}

/** The Authorization header of a `service` caller, for plain fetch calls. */
export async function serviceAuthorization(): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await serviceToken()}` };
}

/** A bearer token from the test issuer, e.g. testToken({ sub: "u1", roles: ["desk_officer"], agency_code: "000.00.51.H06" }). */
export function testToken(claims: Record<string, unknown>, options: Omit<TestTokenOptions, "claims"> = {}): Promise<string> {
  return signTestToken(inject("oidcIssuer"), JSON.parse(inject("oidcPrivateJwk")), { claims, ...options });
}

/**
 * The object store's S3_* settings with a bucket owned by this test file (`S3_BUCKET`); the
 * service creates it at start-up when it is missing.
 */
export function objectStoreEnv(label = "docs"): { S3_ENDPOINT: string; S3_REGION: string; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string; S3_BUCKET: string } {
  return { ...inject("objectStore"), S3_BUCKET: `${label}-${fileSuffix}`.toLowerCase() };
}
