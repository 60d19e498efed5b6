import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serverBinary } from "./paths.js";
import { assertPortFree, freePort } from "./ports.js";
import { spawnServer, untilReady, type ServerProcess } from "./process.js";
import { waitFor } from "./wait.js";

export interface NatsOptions {
  /** Folder for the config, the JetStream store and the log. */
  dir: string;
  port?: number;
  monitorPort?: number;
  /**
   * `durable` fsyncs every JetStream write before acking it (sync_interval: always), as
   * production does; `fast` keeps the server default (fsync every 2 minutes) for tests.
   */
  profile?: "durable" | "fast";
}

export interface NatsServer {
  url: string;
  monitorUrl: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

export function natsConfig(opts: Required<NatsOptions>): string {
  return [
    `server_name: onestop_${opts.port}`,
    `listen: 127.0.0.1:${opts.port}`,
    `http: 127.0.0.1:${opts.monitorPort}`,
    "max_payload: 8MB",
    "jetstream {",
    `  store_dir: ${JSON.stringify(join(opts.dir, "jetstream"))}`,
    "  max_memory_store: 256MB",
    "  max_file_store: 20GB",
    ...(opts.profile === "durable" ? ["  sync_interval: always"] : []),
    "}",
    "",
  ].join("\n");
}

/** Starts nats-server with JetStream on file storage and waits until JetStream is healthy. */
export async function startNats(options: NatsOptions): Promise<NatsServer> {
  const opts: Required<NatsOptions> = {
    port: options.port ?? (await freePort()),
    monitorPort: options.monitorPort ?? (await freePort()),
    profile: options.profile ?? "fast",
    dir: options.dir,
  };
  await assertPortFree(opts.port, "nats-server");
  await assertPortFree(opts.monitorPort, "nats-server monitoring");
  mkdirSync(opts.dir, { recursive: true });
  const configFile = join(opts.dir, "nats.conf");
  writeFileSync(configFile, natsConfig(opts));
  const server = spawnServer("nats-server", serverBinary("nats-server"), ["-c", configFile], join(opts.dir, "nats.log"));
  const monitorUrl = `http://127.0.0.1:${opts.monitorPort}`;
  await untilReady(
    server,
    waitFor(async () => (await fetch(`${monitorUrl}/healthz?js-enabled-only=true`)).ok, {
      timeoutMs: 20_000,
      description: "nats-server JetStream health",
    }),
  );
  return { url: `nats://127.0.0.1:${opts.port}`, monitorUrl, process: server, stop: () => server.stop() };
}
