import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { natsAccounts, renderNatsAuthorization, type NatsAccount, type NatsUserEntry } from "@onestop/contracts";
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
  /**
   * Turns authorization on: one user per service, sector system and the one-stop systems' client
   * with the permissions of packages/contracts/src/nats-permissions.ts, plus the broad `harness`
   * user for tests and local tooling. Passwords are generated (kept in `<dir>/credentials.json`,
   * reused by later starts on the same folder) unless given.
   */
  authorization?: boolean | NatsAuthorizationOptions;
}

export interface NatsAuthorizationOptions {
  /** Reporting's durable base name (REPORTING_CONSUMER); "*" lets test files choose their own. */
  reportingConsumer?: string;
  passwords?: Record<string, string>;
}

/** How one user connects: what service-kit's connectNats reads from NATS_USER / NATS_PASSWORD. */
export interface NatsCredentials {
  user: string;
  password: string;
  inboxPrefix: string;
}

export interface NatsServer {
  url: string;
  monitorUrl: string;
  process: ServerProcess;
  /** Every user's credentials when authorization is on, by user name. */
  credentials?: Record<string, NatsCredentials>;
  stop(): Promise<void>;
}

export interface NatsConfigOptions extends Required<Omit<NatsOptions, "authorization">> {
  /** Rendered as `authorization { users: [...] }`; without, anyone may do anything. */
  users?: readonly NatsUserEntry[];
  /** Makes the server one node of a cluster: its route port and its peers' route ports. */
  cluster?: NatsClusterRoutes;
}

export interface NatsClusterRoutes {
  name: string;
  port: number;
  peers: readonly number[];
}

export function natsConfig(opts: NatsConfigOptions): string {
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
    ...(opts.cluster ? clusterBlock(opts.cluster) : []),
    ...(opts.users ? [renderNatsAuthorization(opts.users)] : []),
    "",
  ].join("\n");
}

function clusterBlock(cluster: NatsClusterRoutes): string[] {
  return [
    "cluster {",
    `  name: ${cluster.name}`,
    `  listen: 127.0.0.1:${cluster.port}`,
    `  routes: [${cluster.peers.map((port) => JSON.stringify(`nats-route://127.0.0.1:${port}`)).join(", ")}]`,
    "}",
  ];
}

/**
 * The users of an authorizing server with their passwords: given ones first, then those kept in
 * `<dir>/credentials.json` by an earlier start, else new random ones; the file (git-ignored, the
 * server's folder is .local/ or a temporary one) is written back, readable by its owner only.
 */
export function natsUsers(dir: string, options: NatsAuthorizationOptions = {}): { users: NatsUserEntry[]; credentials: Record<string, NatsCredentials> } {
  const file = join(dir, "credentials.json");
  const kept: Record<string, string> = existsSync(file)
    ? Object.fromEntries(Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, NatsCredentials>).map(([user, c]) => [user, c.password]))
    : {};
  const accounts: NatsAccount[] = natsAccounts({ harness: true, ...(options.reportingConsumer ? { reportingConsumer: options.reportingConsumer } : {}) });
  const credentials: Record<string, NatsCredentials> = {};
  const users = accounts.map((account) => {
    const password = options.passwords?.[account.user] ?? kept[account.user] ?? randomBytes(18).toString("base64url");
    credentials[account.user] = { user: account.user, password, inboxPrefix: account.inboxPrefix };
    return { user: account.user, password, permissions: account.permissions };
  });
  writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  return { users, credentials };
}

/** Starts nats-server with JetStream on file storage and waits until JetStream is healthy. */
export async function startNats(options: NatsOptions): Promise<NatsServer> {
  const opts: NatsConfigOptions = {
    port: options.port ?? (await freePort()),
    monitorPort: options.monitorPort ?? (await freePort()),
    profile: options.profile ?? "fast",
    dir: options.dir,
  };
  await assertPortFree(opts.port, "nats-server");
  await assertPortFree(opts.monitorPort, "nats-server monitoring");
  mkdirSync(opts.dir, { recursive: true });
  let credentials: Record<string, NatsCredentials> | undefined;
  if (options.authorization) {
    const auth = natsUsers(opts.dir, options.authorization === true ? {} : options.authorization);
    opts.users = auth.users;
    credentials = auth.credentials;
  }
  const { server, monitorUrl } = await launchNats(opts, "js-enabled-only=true");
  return { url: `nats://127.0.0.1:${opts.port}`, monitorUrl, process: server, ...(credentials ? { credentials } : {}), stop: () => server.stop() };
}

/**
 * Writes the config and runs nats-server on it until its health check passes: `health` is the
 * /healthz query (JetStream enabled for one server; for a cluster node, its streams caught up).
 */
export async function launchNats(opts: NatsConfigOptions, health: string): Promise<{ server: ServerProcess; monitorUrl: string }> {
  const configFile = join(opts.dir, "nats.conf");
  writeFileSync(configFile, natsConfig(opts), { mode: 0o600 });
  const server = spawnServer("nats-server", serverBinary("nats-server"), ["-c", configFile], join(opts.dir, "nats.log"));
  const monitorUrl = `http://127.0.0.1:${opts.monitorPort}`;
  await untilReady(
    server,
    waitFor(async () => (await fetch(`${monitorUrl}/healthz?${health}`)).ok, {
      timeoutMs: 30_000,
      description: "nats-server JetStream health",
    }),
  );
  return { server, monitorUrl };
}

/** The environment a service process needs to connect as `user` (service-kit's NATS_URL, NATS_USER, NATS_PASSWORD). */
export function natsEnv(server: Pick<NatsServer, "url" | "credentials">, user: string): Record<string, string> {
  const credentials = server.credentials?.[user];
  if (server.credentials && !credentials) throw new Error(`nats-server has no user ${user}`);
  return { NATS_URL: server.url, ...(credentials ? { NATS_USER: credentials.user, NATS_PASSWORD: credentials.password } : {}) };
}
