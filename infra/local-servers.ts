import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  defaultRealmFile,
  repoRoot,
  startFerretDb,
  startKeycloak,
  startNats,
  startObjectStore,
  type FerretDbServer,
  type KeycloakServer,
  type NatsServer,
  type ObjectStoreServer,
} from "@onestop/devservers";

export interface LocalServers {
  nats: NatsServer;
  ferret: FerretDbServer;
  /** The local OpenID Connect provider (realm onestop, infra/keycloak/onestop-realm.json). */
  keycloak: KeycloakServer;
  /** The S3-compatible object store (versitygw) holding digitisation's files. */
  objectStore: ObjectStoreServer;
  stop(): Promise<void>;
}

export interface LocalServerPorts {
  natsPort: number;
  natsMonitorPort: number;
  mongoPort: number;
  keycloakPort: number;
  objectStorePort: number;
}

export const DEFAULT_PORTS: LocalServerPorts = { natsPort: 4222, natsMonitorPort: 8222, mongoPort: 27017, keycloakPort: 8180, objectStorePort: 8333 };

/** Reads NATS_PORT, NATS_MONITOR_PORT, MONGO_PORT, KEYCLOAK_PORT and OBJECT_STORE_PORT, naming any that is not a port number. */
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
    keycloakPort: read("KEYCLOAK_PORT", DEFAULT_PORTS.keycloakPort),
    objectStorePort: read("OBJECT_STORE_PORT", DEFAULT_PORTS.objectStorePort),
  };
}

/**
 * Starts nats-server (durable profile: every JetStream write fsynced; authorization on, one user
 * per service and sector system, passwords in .local/data/nats/credentials.json), FerretDB, the
 * object store and Keycloak with their data under .local/data, kept between runs (git-ignored).
 * Keycloak takes seconds to start, so it starts alongside the others.
 */
export async function startLocalServers(ports: LocalServerPorts): Promise<LocalServers> {
  const dataDir = join(repoRoot(), ".local", "data");
  const keycloakStarting = startKeycloak({ dir: join(dataDir, "keycloak"), port: ports.keycloakPort });
  keycloakStarting.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  let nats: NatsServer | undefined;
  let ferret: FerretDbServer | undefined;
  let objectStore: ObjectStoreServer | undefined;
  try {
    nats = await startNats({
      dir: join(dataDir, "nats"),
      port: ports.natsPort,
      monitorPort: ports.natsMonitorPort,
      profile: "durable",
      authorization: true,
    });
    ferret = await startFerretDb({ dir: join(dataDir, "ferretdb"), port: ports.mongoPort });
    objectStore = await startObjectStore({ dir: join(dataDir, "objects"), port: ports.objectStorePort });
    const keycloak = await keycloakStarting;
    const all = [nats, ferret, objectStore, keycloak];
    return { nats, ferret, keycloak, objectStore, stop: () => Promise.all(all.map((server) => server.stop())).then(() => undefined) };
  } catch (error) {
    await Promise.allSettled([nats?.stop(), ferret?.stop(), objectStore?.stop(), keycloakStarting.then((keycloak) => keycloak.stop())]);
    throw error;
  }
}

export interface DemoUser {
  username: string;
  fullName: string;
  roles: string[];
  agencyCode?: string;
  unitCode?: string;
}

/** The demo users of the realm file (service accounts left out); their password is onestop-demo. */
export function demoUsers(realmFile = defaultRealmFile()): DemoUser[] {
  interface RealmUser {
    username: string;
    serviceAccountClientId?: string;
    firstName?: string;
    lastName?: string;
    realmRoles?: string[];
    attributes?: Record<string, string[] | undefined>;
  }
  const realm = JSON.parse(readFileSync(realmFile, "utf8")) as { users?: RealmUser[] };
  return (realm.users ?? [])
    .filter((user) => !user.serviceAccountClientId)
    .map((user) => ({
      username: user.username,
      fullName: user.attributes?.full_name?.[0] ?? [user.lastName, user.firstName].filter(Boolean).join(" "),
      roles: user.realmRoles ?? [],
      ...(user.attributes?.agency_code?.[0] ? { agencyCode: user.attributes.agency_code[0] } : {}),
      ...(user.attributes?.unit_code?.[0] ? { unitCode: user.attributes.unit_code[0] } : {}),
    }));
}

const ROLE_LABELS: Record<string, string> = {
  desk_officer: "cán bộ tiếp nhận",
  processing_officer: "cán bộ xử lý",
  province_operator: "vận hành cấp tỉnh",
  reporting_viewer: "xem báo cáo",
};

/** One line per demo user, in Vietnamese: username, full name, role, jurisdiction. */
export function demoUserLines(users = demoUsers()): string[] {
  return users.map((user) => {
    const roles = user.roles.map((role) => ROLE_LABELS[role] ?? role).join(", ");
    const scope = user.agencyCode ? `cơ quan ${user.agencyCode}` : user.unitCode ? `toàn tỉnh (mã ${user.unitCode})` : "";
    return `${user.username.padEnd(14)} ${user.fullName.padEnd(16)} ${roles.padEnd(19)} ${scope}`.trimEnd();
  });
}

/** Resolves on the first Ctrl-C or SIGTERM. */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}
