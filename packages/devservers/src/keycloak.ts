import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";
import { assertPortFree, freePort } from "./ports.js";
import { spawnServer, untilReady, type ServerProcess } from "./process.js";
import { waitFor } from "./wait.js";

/**
 * Keycloak, the project's local OpenID Connect provider (production points the services at the
 * province's identity provider instead). infra/install.sh unpacks the pinned distribution, pre-builds
 * it (`kc.sh build`, so start-up skips the Quarkus augmentation) and links it as .local/keycloak; the
 * Java it chose (the newest found, 17 at least) is linked as .local/keycloak-java. It may also leave, in the
 * distribution folder, a JVM AOT cache (`onestop.aot`, Java 25+) and a template database with the
 * realm already imported (`onestop-template/`, keyed by the realm file's hash): both only make
 * start-up faster.
 *
 * Every instance gets its own Keycloak home under `dir` (bin/kc.sh copied, lib, conf, providers and
 * themes linked to the shared distribution, which is never written to), so that several instances
 * can run at once: its `data/` holds the H2 database, the realm to import and the transaction logs.
 */
export interface KeycloakOptions {
  /** Folder for this instance: its Keycloak home (H2 database under home/data/h2) and keycloak.log. */
  dir: string;
  /** HTTP port on 127.0.0.1; a free one by default (the demo uses 8180). */
  port?: number;
  /** Realm to import at start; infra/keycloak/onestop-realm.json by default. */
  realmFile?: string;
  /** Give up waiting for the realm after this long. */
  startTimeoutMs?: number;
  /** Write a JVM AOT cache here when the server stops (infra/install.sh; Java 25+). */
  aotCacheOutput?: string;
  /** Start from the install-time template database when it matches the realm file (default true). */
  useTemplate?: boolean;
  /** Use the install-time JVM AOT cache when there is one (default true). */
  useAotCache?: boolean;
}

export interface KeycloakServer {
  /** `http://127.0.0.1:<port>/realms/onestop`: the `iss` of every token, OIDC_ISSUER for the services. */
  issuer: string;
  /** `http://127.0.0.1:<port>` (admin console under /admin, user admin / onestop-admin). */
  url: string;
  process: ServerProcess;
  stop(): Promise<void>;
}

export const KEYCLOAK_REALM = "onestop";
/** The audience every token carries for the services (OIDC_AUDIENCE). */
export const ONESTOP_AUDIENCE = "onestop-api";
/** Runtime options beyond the port; the build-time ones are KEYCLOAK_BUILD_OPTIONS in infra/versions.env. */
const RUNTIME_OPTIONS = ["--optimized", "--import-realm", "--cache=local", "--http-enabled=true", "--http-host=127.0.0.1"];
const TEMPLATE = "onestop-template";

/** The installed Keycloak distribution: KEYCLOAK_HOME, else .local/keycloak from infra/install.sh. */
export function keycloakDistribution(): string {
  const home = process.env.KEYCLOAK_HOME ?? join(repoRoot(), ".local", "keycloak");
  if (!existsSync(join(home, "bin", "kc.sh"))) {
    throw new Error(`Keycloak is not installed at ${home}: run \`bash infra/install.sh\` first`);
  }
  return realpathSync(home);
}

/** The Java for Keycloak: KEYCLOAK_JAVA_HOME, else .local/keycloak-java, else JAVA_HOME. */
export function keycloakJavaHome(): string | undefined {
  if (process.env.KEYCLOAK_JAVA_HOME) return process.env.KEYCLOAK_JAVA_HOME;
  const linked = join(repoRoot(), ".local", "keycloak-java");
  return existsSync(linked) ? realpathSync(linked) : process.env.JAVA_HOME;
}

export function defaultRealmFile(): string {
  return join(repoRoot(), "infra", "keycloak", "onestop-realm.json");
}

export function realmHash(realmFile: string): string {
  return createHash("sha256").update(readFileSync(realmFile)).digest("hex").slice(0, 16);
}

/**
 * A Keycloak home of its own under `home`, sharing the distribution's files. kc.sh is copied (it
 * derives the home from its own path) and made to `exec` java rather than wait for it, so that the
 * process we hold is the JVM: SIGTERM stops it cleanly, SIGKILL leaves no orphan.
 */
function prepareHome(distribution: string, home: string): { patched: boolean } {
  mkdirSync(join(home, "bin"), { recursive: true });
  for (const entry of ["lib", "conf", "providers", "themes"]) {
    rmSync(join(home, entry), { force: true, recursive: false });
    symlinkSync(join(distribution, entry), join(home, entry));
  }
  let script = readFileSync(join(distribution, "bin", "kc.sh"), "utf8");
  const edits: [string, string][] = [
    [`eval "{ '$JAVA' $JAVA_RUN_OPTS <&3 3<&- & } 3<&0"`, `eval exec "'$JAVA'" "$JAVA_RUN_OPTS"`],
    // The class path names the distribution itself, the same for every instance: the AOT cache
    // records it (and the JVM fails on a cached class path that no longer exists).
    [`CLASSPATH_OPTS="'$(abs_path "../lib/quarkus-run.jar")'"`, `CLASSPATH_OPTS="'${join(distribution, "lib", "quarkus-run.jar")}'"`],
  ];
  let patched = true;
  for (const [from, to] of edits) {
    if (script.includes(from)) script = script.replace(from, to);
    else patched = false;
  }
  writeFileSync(join(home, "bin", "kc.sh"), script, { mode: 0o755 });
  return { patched };
}

/**
 * Starts Keycloak (`kc.sh start --optimized` on the pre-built distribution) with the realm imported,
 * H2 file storage under `dir`, HTTP only on 127.0.0.1, and waits until the realm's discovery
 * document answers. A database already in `dir` is kept unless the realm file has changed since it
 * was imported (then it starts afresh: the demo identities are data of the realm file).
 */
export async function startKeycloak(options: KeycloakOptions): Promise<KeycloakServer> {
  const port = options.port ?? (await freePort());
  await assertPortFree(port, "Keycloak");
  const distribution = keycloakDistribution();
  const realmFile = options.realmFile ?? defaultRealmFile();
  const hash = realmHash(realmFile);
  const home = join(options.dir, "home");
  const data = join(home, "data");
  const stamp = join(options.dir, "realm.sha256");
  if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() !== hash) rmSync(data, { recursive: true, force: true });
  const { patched } = prepareHome(distribution, home);
  const template = join(distribution, TEMPLATE);
  if (!existsSync(join(data, "h2")) && options.useTemplate !== false && existsSync(join(template, "h2")) && readFileSync(join(template, "realm.sha256"), "utf8").trim() === hash) {
    cpSync(join(template, "h2"), join(data, "h2"), { recursive: true });
  }
  mkdirSync(join(data, "import"), { recursive: true });
  cpSync(realmFile, join(data, "import", `${KEYCLOAK_REALM}-realm.json`));
  writeFileSync(stamp, `${hash}\n`);

  const url = `http://127.0.0.1:${port}`;
  const javaHome = keycloakJavaHome();
  const aotCache = join(distribution, "onestop.aot");
  const jvmExtra = [
    // C1 only: half the start-up time on two cores; plenty for a local identity provider.
    "-XX:TieredStopAtLevel=1",
    options.aotCacheOutput ? `-XX:AOTCacheOutput=${options.aotCacheOutput}` : patched && options.useAotCache !== false && existsSync(aotCache) ? `-XX:AOTCache=${aotCache}` : "",
  ].filter(Boolean);
  const env = [
    ...(javaHome ? [`JAVA_HOME=${javaHome}`] : []),
    "JAVA_OPTS_KC_HEAP=-Xms64m -Xmx512m",
    `JAVA_OPTS_APPEND=${jvmExtra.join(" ")}`,
    // The master realm's administrator, for the admin console (local only).
    "KC_BOOTSTRAP_ADMIN_USERNAME=admin",
    "KC_BOOTSTRAP_ADMIN_PASSWORD=onestop-admin",
  ];
  const args = [...env, join(home, "bin", "kc.sh"), "start", ...RUNTIME_OPTIONS, `--http-port=${port}`, `--hostname=${url}`];
  const logFile = join(options.dir, "keycloak.log");
  const server = spawnServer("keycloak", "env", args, logFile);
  const issuer = `${url}/realms/${KEYCLOAK_REALM}`;
  try {
    await untilReady(
      server,
      waitFor(async () => (await fetch(`${issuer}/.well-known/openid-configuration`)).ok, {
        timeoutMs: options.startTimeoutMs ?? 180_000,
        intervalMs: 250,
        description: `Keycloak realm ${KEYCLOAK_REALM} at ${url}`,
      }),
    );
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- last lines of ${logFile} ---\n${logTail(logFile)}`);
  }
  return { issuer, url, process: server, stop: () => server.stop(20_000) };
}

function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => !line.startsWith("WARNING: "))
      .slice(-lines)
      .join("\n");
  } catch {
    return "(no log)";
  }
}

const tokenEndpoints = new Map<string, Promise<string>>();

/** The issuer's token endpoint, from its discovery document (works for any OIDC provider). */
function tokenEndpoint(issuer: string): Promise<string> {
  let endpoint = tokenEndpoints.get(issuer);
  if (!endpoint) {
    endpoint = (async () => {
      const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
      if (!response.ok) throw new Error(`OIDC discovery at ${issuer} answered ${response.status}`);
      const { token_endpoint: tokenUrl } = (await response.json()) as { token_endpoint?: string };
      if (!tokenUrl) throw new Error(`OIDC discovery at ${issuer} names no token_endpoint`);
      return tokenUrl;
    })();
    endpoint.catch(() => tokenEndpoints.delete(issuer));
    tokenEndpoints.set(issuer, endpoint);
  }
  return endpoint;
}

async function grant(issuer: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(await tokenEndpoint(issuer), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    const reason = [body.error, body.error_description].filter(Boolean).join(": ") || `HTTP ${response.status}`;
    throw new Error(`${form.grant_type} grant for ${form.username ?? form.client_id} refused: ${reason}`);
  }
  return body.access_token;
}

/** An access token for a user (resource owner password grant: local use, tests, the CLI). */
export function passwordGrant(issuer: string, clientId: string, username: string, password: string): Promise<string> {
  return grant(issuer, { grant_type: "password", client_id: clientId, username, password, scope: "openid" });
}

/** An access token for a confidential client's service account (client credentials grant). */
export function clientCredentialsGrant(issuer: string, clientId: string, secret: string): Promise<string> {
  return grant(issuer, { grant_type: "client_credentials", client_id: clientId, client_secret: secret });
}
