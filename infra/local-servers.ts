import { join } from "node:path";
import { repoRoot, startFerretDb, startNats, type FerretDbServer, type NatsServer } from "@onestop/devservers";

export interface LocalServers {
  nats: NatsServer;
  ferret: FerretDbServer;
  stop(): Promise<void>;
}

export interface LocalServerPorts {
  natsPort: number;
  natsMonitorPort: number;
  mongoPort: number;
}

export const DEFAULT_PORTS: LocalServerPorts = { natsPort: 4222, natsMonitorPort: 8222, mongoPort: 27017 };

/** Reads NATS_PORT, NATS_MONITOR_PORT and MONGO_PORT, naming any that is not a port number. */
export function portsFromEnv(env: Record<string, string | undefined>): LocalServerPorts {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
    return port;
  };
  return {
    natsPort: read("NATS_PORT", DEFAULT_PORTS.natsPort),
    natsMonitorPort: read("NATS_MONITOR_PORT", DEFAULT_PORTS.natsMonitorPort),
    mongoPort: read("MONGO_PORT", DEFAULT_PORTS.mongoPort),
  };
}

/**
 * Starts nats-server (durable profile: every JetStream write fsynced; authorization on, one user
 * per service and sector system, passwords in .local/data/nats/credentials.json) and FerretDB with
 * their data under .local/data, kept between runs (git-ignored).
 */
export async function startLocalServers(ports: LocalServerPorts): Promise<LocalServers> {
  const dataDir = join(repoRoot(), ".local", "data");
  const nats = await startNats({
    dir: join(dataDir, "nats"),
    port: ports.natsPort,
    monitorPort: ports.natsMonitorPort,
    profile: "durable",
    authorization: true,
  });
  try {
    const ferret = await startFerretDb({ dir: join(dataDir, "ferretdb"), port: ports.mongoPort });
    return { nats, ferret, stop: () => Promise.all([nats.stop(), ferret.stop()]).then(() => undefined) };
  } catch (error) {
    await nats.stop();
    throw error;
  }
}

/** Resolves on the first Ctrl-C or SIGTERM. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}
