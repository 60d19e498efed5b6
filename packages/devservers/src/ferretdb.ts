import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { MongoClient } from "mongodb";
import { serverBinary } from "./paths.js";
import { assertPortFree, freePort } from "./ports.js";
import { spawnServer, untilReady, type ServerProcess } from "./process.js";
import { waitFor } from "./wait.js";

export interface FerretDbOptions {
  /** Folder for the SQLite databases (one file per database), state and log. */
  dir: string;
  port?: number;
  /** FerretDB binary to run; defaults to the installed one (`serverBinary("ferretdb")`). */
  binary?: string;
}

export interface FerretDbServer {
  url: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

/** Starts FerretDB with the embedded SQLite handler and waits until it answers `ping`. */
export async function startFerretDb(options: FerretDbOptions): Promise<FerretDbServer> {
  const port = options.port ?? (await freePort());
  await assertPortFree(port, "FerretDB");
  const dataDir = join(options.dir, "sqlite");
  mkdirSync(dataDir, { recursive: true });
  const args = [
    "--handler=sqlite",
    `--sqlite-url=file:${dataDir}/`,
    `--state-dir=${options.dir}`,
    `--listen-addr=127.0.0.1:${port}`,
    `--debug-addr=127.0.0.1:${await freePort()}`,
    "--telemetry=disable",
    "--log-level=warn",
  ];
  const server = spawnServer("ferretdb", options.binary ?? serverBinary("ferretdb"), args, join(options.dir, "ferretdb.log"));
  const url = `mongodb://127.0.0.1:${port}/`;
  await untilReady(
    server,
    waitFor(() => ping(url), { timeoutMs: 20_000, description: "FerretDB ping" }),
  );
  return { url, process: server, stop: () => server.stop() };
}

async function ping(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  try {
    await client.db("admin").command({ ping: 1 });
    return true;
  } finally {
    await client.close();
  }
}
