/**
 * Operator command: asks the running service to rebuild its facts projection, then follows the
 * rebuild with a progress bar until the service has switched to the new collection and caught
 * up. The service does the work (it owns the switch, and its old collection answers queries
 * meanwhile); this only talks to its HTTP API. When a rebuild is already running it follows that one.
 * When the service goes away (restart, crash), it says so and keeps asking (REBUILD_DOWN_TIMEOUT_MS,
 * 15 min): the service persists the rebuild's progress and resumes it from its last checkpoint.
 *
 *   REPORTING_URL=http://127.0.0.1:8085 ONESTOP_TOKEN=… pnpm --filter @onestop/reporting rebuild
 *
 * Credentials: ONESTOP_TOKEN, or OIDC_ISSUER with a service account's OIDC_CLIENT_ID and
 * OIDC_CLIENT_SECRET; the caller must be a province operator or a service.
 */
import { tokenSourceFromEnv } from "@onestop/auth";
import type { RebuildProgress } from "./app/rebuild.js";
import { progressLine } from "./cli/progress-bar.js";

const POLL_MS = Number(process.env.REBUILD_POLL_MS ?? 500);
/** How long the service may stay unreachable before the command gives up (the rebuild itself goes on when it is back). */
const DOWN_TIMEOUT_MS = Number(process.env.REBUILD_DOWN_TIMEOUT_MS ?? 15 * 60_000);
const RETRY_MS = Number(process.env.REBUILD_RETRY_MS ?? 1_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Unreachable (refused, reset, timed out) or answering 5xx: the service is down or restarting. */
class ServiceDown extends Error {}

/** The operator's credentials: ONESTOP_TOKEN, or a service account's client id and secret (see @onestop/auth). */
const credentials = tokenSourceFromEnv(process.env);

async function request(url: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  const authorization = `Bearer ${await credentials.token()}`;
  try {
    response = await fetch(url, { ...init, headers: { ...init?.headers, authorization }, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new ServiceDown(cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
  }
  if (response.status >= 500) throw new ServiceDown(`answered ${response.status}`);
  return response;
}

/**
 * Calls `attempt` until the service answers; while it does not, says so once and retries every
 * RETRY_MS, for DOWN_TIMEOUT_MS at most. The rebuild's progress is persisted by the service, so
 * it resumes from its last checkpoint when the service is back.
 */
async function whileDown<T>(base: string, attempt: () => Promise<T>, onBack?: () => void): Promise<T> {
  let downSince: number | undefined;
  for (;;) {
    try {
      const result = await attempt();
      if (downSince !== undefined) {
        process.stderr.write(`${process.stderr.isTTY ? "\n" : ""}service at ${base} is back after ${Math.round((Date.now() - downSince) / 1000)} s\n`);
        onBack?.();
      }
      return result;
    } catch (error) {
      if (!(error instanceof ServiceDown)) throw error;
      if (downSince === undefined) {
        downSince = Date.now();
        process.stderr.write(
          `${process.stderr.isTTY ? "\n" : ""}service at ${base} is unreachable (${error.message}); retrying every ${RETRY_MS / 1000} s for up to ${Math.round(DOWN_TIMEOUT_MS / 60_000)} min ` +
            `(the rebuild resumes from its last checkpoint when the service restarts)\n`,
        );
      }
      if (Date.now() - downSince > DOWN_TIMEOUT_MS)
        throw new Error(`service at ${base} still unreachable after ${Math.round(DOWN_TIMEOUT_MS / 1000)} s (${error.message}); run the command again to follow the rebuild once it is back`);
      await sleep(RETRY_MS);
    }
  }
}

async function startOrJoin(base: string): Promise<RebuildProgress> {
  const response = await whileDown(base, () => request(`${base}/v1/admin/rebuild`, { method: "POST" }));
  const body = (await json(response)) as RebuildProgress & { running?: RebuildProgress };
  if (response.status === 202) return body;
  if (response.status === 409 && body.running) {
    process.stderr.write(`rebuild ${body.running.id} is already running: following it\n`);
    return body.running;
  }
  throw new Error(`POST /v1/admin/rebuild answered ${response.status}: ${JSON.stringify(body)}`);
}

async function follow(base: string, id: string): Promise<RebuildProgress> {
  const tty = process.stderr.isTTY;
  let lastLine = "";
  let resumes: number | undefined;
  for (;;) {
    const response = await whileDown(
      base,
      () => request(`${base}/v1/admin/rebuild/${encodeURIComponent(id)}`),
      () => (lastLine = ""),
    );
    if (!response.ok) throw new Error(`GET /v1/admin/rebuild/${id} answered ${response.status}: ${JSON.stringify(await json(response))}`);
    const progress = (await response.json()) as RebuildProgress;
    const resumed = progress.history?.filter((entry) => entry.event === "resumed") ?? [];
    if (resumes !== undefined && resumed.length > resumes) {
      const last = resumed.at(-1)!;
      process.stderr.write(`${tty ? "\n" : ""}rebuild ${id} resumed on ${last.instance} from its checkpoint (${last.replayed} events read, ${last.chunks} chunks written)\n`);
    }
    resumes = resumed.length;
    const line = progressLine(progress);
    // A terminal gets one line redrawn in place; a log gets a line whenever it changes.
    if (tty) process.stderr.write(`\r${line}`);
    else if (line !== lastLine) process.stderr.write(`${line}\n`);
    lastLine = line;
    if (progress.state === "done" || progress.state === "failed") {
      if (tty) process.stderr.write("\n");
      return progress;
    }
    await sleep(POLL_MS);
  }
}

async function main(): Promise<number> {
  const base = (process.argv[2] ?? process.env.REPORTING_URL ?? "http://127.0.0.1:8085").replace(/\/$/, "");
  const started = await startOrJoin(base);
  const finished = await follow(base, started.id);
  if (finished.state === "failed") {
    process.stderr.write(`rebuild ${finished.id} failed: ${finished.error}; the previous collection is still active\n`);
    return 1;
  }
  const r = finished.result!;
  process.stdout.write(
    `rebuild ${finished.id} switched to ${r.collection} at ${finished.switchedAt}: ${r.events} events, ${r.dossiers} dossiers, ` +
      `${r.caughtUp} caught up, ${r.skipped} skipped${r.resumes > 0 ? `, resumed ${r.resumes} time(s)` : ""}\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
