import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type {} from "./provided.js";

export { startServiceProcess, waitFor, type ServiceProcess, type WaitOptions } from "@onestop/devservers";

/**
 * A suffix unique to this test file: vitest evaluates this module once per file, so every
 * file gets its own database and stream names and files can run in parallel.
 */
const fileSuffix = randomBytes(4).toString("hex");

export interface TestEnv {
  natsUrl: string;
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
    mongoUrl: inject("mongoUrl"),
    dbName: `test_${fileSuffix}`,
    prefix: `t${fileSuffix}`,
  };
}

/** A further unique name inside this file's namespace, for tests needing several. */
export function uniqueName(label: string): string {
  return `${label}_${fileSuffix}_${randomBytes(3).toString("hex")}`;
}
