/**
 * Operator command: asks the running service to rebuild its facts projection, then follows the
 * rebuild with a progress bar until the service has switched to the new collection and caught
 * up. The service does the work (it owns the switch, and its old collection answers queries
 * meanwhile); this only talks to its HTTP API. When a rebuild is already running it follows that one.
 *
 *   REPORTING_URL=http://127.0.0.1:8085 pnpm --filter @onestop/reporting rebuild
 */
import type { RebuildProgress } from "./app/rebuild.js";
import { progressLine } from "./cli/progress-bar.js";

const POLL_MS = Number(process.env.REBUILD_POLL_MS ?? 500);

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function startOrJoin(base: string): Promise<RebuildProgress> {
  const response = await fetch(`${base}/v1/admin/rebuild`, { method: "POST" });
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
  for (;;) {
    const response = await fetch(`${base}/v1/admin/rebuild/${encodeURIComponent(id)}`);
    if (!response.ok) throw new Error(`GET /v1/admin/rebuild/${id} answered ${response.status}: ${JSON.stringify(await json(response))}`);
    const progress = (await response.json()) as RebuildProgress;
    const line = progressLine(progress);
    // A terminal gets one line redrawn in place; a log gets a line whenever it changes.
    if (tty) process.stderr.write(`\r${line}`);
    else if (line !== lastLine) process.stderr.write(`${line}\n`);
    lastLine = line;
    if (progress.state === "done" || progress.state === "failed") {
      if (tty) process.stderr.write("\n");
      return progress;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
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
      `${r.caughtUp} caught up, ${r.skipped} skipped\n`,
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
