import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchNats, natsUsers, type NatsAuthorizationOptions, type NatsConfigOptions, type NatsCredentials } from "./nats.js";
import { freePort } from "./ports.js";
import type { ServerProcess } from "./process.js";

export interface NatsClusterOptions {
  /** Each node keeps its config, JetStream store and log in `<dir>/node-<i>`. */
  dir: string;
  /** Nodes; 3 gives streams of 3 replicas a quorum of 2. */
  size?: number;
  /** As for one server; production's cluster is `durable` (sync_interval: always). */
  profile?: "durable" | "fast";
  authorization?: boolean | NatsAuthorizationOptions;
}

export interface NatsClusterNode {
  readonly name: string;
  readonly url: string;
  readonly monitorUrl: string;
  running(): boolean;
  /** Starts the node again on the same ports and store, and waits until its streams have caught up. */
  start(): Promise<void>;
  /** SIGTERM: a clean shutdown, as in a rolling restart. */
  stop(): Promise<void>;
  /** SIGKILL: a crashed node. */
  kill(): Promise<void>;
}

export interface NatsCluster {
  /** Every node's URL, comma-separated, as NATS_URL takes them. */
  url: string;
  nodes: NatsClusterNode[];
  credentials?: Record<string, NatsCredentials>;
  stop(): Promise<void>;
}

const CLUSTER_NAME = "onestop";

/**
 * Starts a local nats-server cluster: `size` processes on loopback with routes to each other, the
 * same configuration as production's cluster (see infra/compose/nats). All nodes start together,
 * since JetStream needs a quorum before any node reports healthy.
 */
export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  mkdirSync(options.dir, { recursive: true });
  const auth = options.authorization ? natsUsers(options.dir, options.authorization === true ? {} : options.authorization) : undefined;
  const configs: NatsConfigOptions[] = [];
  for (let i = 0; i < size; i++) {
    configs.push({
      dir: join(options.dir, `node-${i}`),
      port: await freePort(),
      monitorPort: await freePort(),
      profile: options.profile ?? "durable",
      ...(auth ? { users: auth.users } : {}),
      cluster: { name: CLUSTER_NAME, port: routePorts[i]!, peers: routePorts.filter((_, j) => j !== i) },
    });
  }
  const nodes = configs.map((config) => clusterNode(config));
  try {
    await Promise.all(nodes.map((node) => node.start()));
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    throw error;
  }
  return {
    url: nodes.map((node) => node.url).join(","),
    nodes,
    ...(auth ? { credentials: auth.credentials } : {}),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

function clusterNode(config: NatsConfigOptions): NatsClusterNode {
  let server: ServerProcess | undefined;
  return {
    name: `onestop_${config.port}`,
    url: `nats://127.0.0.1:${config.port}`,
    monitorUrl: `http://127.0.0.1:${config.monitorPort}`,
    running: () => server !== undefined,
    async start() {
      if (server) return;
      mkdirSync(config.dir, { recursive: true });
      // Plain /healthz: healthy once this node's JetStream assets are current with the leaders.
      server = (await launchNats(config, "")).server;
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
    async kill() {
      await server?.kill();
      server = undefined;
    },
  };
}
