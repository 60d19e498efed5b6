import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serverBinary } from "./paths.js";
import { assertPortFree, freePort } from "./ports.js";
import { spawnServer, untilReady, type ServerProcess } from "./process.js";
import { waitFor } from "./wait.js";

/**
 * The local S3-compatible object store: Versity Gateway (`versitygw`, built by infra/install.sh)
 * with its POSIX backend, objects as files under `<dir>/objects/<bucket>/…` and their metadata in
 * extended attributes. Production points the S3_* settings at any S3 service instead.
 */
export interface ObjectStoreOptions {
  /** Folder for the objects, the credentials and the log. */
  dir: string;
  port?: number;
  region?: string;
  /** Root user's keys; generated (kept in `<dir>/credentials.json`, reused by later starts) unless given. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** The gateway binary; defaults to the installed one (`serverBinary("versitygw")`). */
  binary?: string;
}

/** What a client needs: the S3_* settings of a service. */
export interface ObjectStoreSettings {
  S3_ENDPOINT: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
}

export interface ObjectStoreServer {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The S3_* environment of a service using this server (the bucket is the service's own S3_BUCKET). */
  settings: ObjectStoreSettings;
  /** Where the POSIX backend keeps the buckets (one folder each). */
  objectsDir: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

const HEALTH_PATH = "/health";

/** Starts versitygw on 127.0.0.1 and waits until its health endpoint answers. */
export async function startObjectStore(options: ObjectStoreOptions): Promise<ObjectStoreServer> {
  const port = options.port ?? (await freePort());
  await assertPortFree(port, "the object store");
  const region = options.region ?? "us-east-1";
  const objectsDir = join(options.dir, "objects");
  mkdirSync(objectsDir, { recursive: true });
  const { accessKeyId, secretAccessKey } = credentials(options);
  const args = ["--port", `127.0.0.1:${port}`, "--region", region, "--health", HEALTH_PATH, "--quiet", "posix", objectsDir];
  // Keys through the environment, never on the command line (ps would show them).
  const server = spawnServer("versitygw", options.binary ?? serverBinary("versitygw"), args, join(options.dir, "versitygw.log"), {
    ROOT_ACCESS_KEY_ID: accessKeyId,
    ROOT_SECRET_ACCESS_KEY: secretAccessKey,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await untilReady(
    server,
    waitFor(() => healthy(endpoint), { timeoutMs: 20_000, description: "versitygw health" }),
  );
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    settings: { S3_ENDPOINT: endpoint, S3_REGION: region, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey },
    objectsDir,
    process: server,
    stop: () => server.stop(),
  };
}

function credentials(options: ObjectStoreOptions): { accessKeyId: string; secretAccessKey: string } {
  if (options.accessKeyId && options.secretAccessKey) return { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  const file = join(options.dir, "credentials.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as { accessKeyId: string; secretAccessKey: string };
  const generated = { accessKeyId: `onestop${randomBytes(6).toString("hex")}`, secretAccessKey: randomBytes(24).toString("base64url") };
  writeFileSync(file, JSON.stringify(generated, null, 2), { mode: 0o600 });
  return generated;
}

async function healthy(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}${HEALTH_PATH}`, { signal: AbortSignal.timeout(1_000) });
  await response.body?.cancel();
  return response.ok;
}
