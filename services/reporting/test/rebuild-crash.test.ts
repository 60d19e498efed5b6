/**
 * The rebuild survives the death of the service: reporting runs as a real process on a nats-server
 * of this file's own (the service's stream names are fixed, so a shared server's streams would
 * hold other files' events) and the test kit's store. About 950 dossiers of the golden half-year
 * are published in business-time order (a dossier's events far apart, so chunks of 25 dossiers
 * straddle them and merge), with duplicates, a malformed event and payments on a second stream.
 * A reference service rebuilds them once without interruption; the others are killed mid-rebuild
 * and started again, and must resume from their checkpoint and end with the same records, counters
 * and reports.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { ensureStreams } from "@onestop/bus";
import { defaultCalendar } from "@onestop/calendar";
import { subjectFor, type EventType } from "@onestop/contracts";
import { freePort, startNats, type NatsServer } from "@onestop/devservers";
import { serviceAuthorization, startServiceProcess, testToken, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { FACT_STREAMS } from "../src/adapters/bus/facts-consumer.js";
import type { RebuildProgress } from "../src/app/rebuild.js";
import type { EnvelopeInput } from "../src/domain/index.js";
import * as e from "./domain/events.js";
import { prng, StreamGenerator } from "./golden/generator.js";
import { seedProcedures } from "./golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "./golden/targets.js";

const env = testEnv();
const PERIOD = { from: "2023-12-15", to: "2024-06-30" };
const CHUNK = 25;
const LEASE_MS = 3_000;
const REPORTS = [
  `/v1/reports/tthc?from=${PERIOD.from}&to=${PERIOD.to}`,
  "/v1/reports/quarterly?year=2024&quarter=1",
  "/v1/reports/quarterly?year=2024&quarter=2",
  "/v1/reports/indicators-766?period=2024-Q2",
];

let dir: string;
let nats: NatsServer;
let nc: NatsConnection;
let mongo: MongoClient;
let published = 0;
const started: ServiceProcess[] = [];

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Body = any;
const get = async (base: string, path: string): Promise<{ status: number; body: Body }> => {
  const response = await fetch(`${base}${path}`, { headers: await serviceAuthorization() });
  return { status: response.status, body: await response.json() };
};

async function startReporting(db: string, port: number, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const service = await startServiceProcess("reporting", {
    NATS_URL: nats.url,
    MONGO_URL: env.mongoUrl,
    MONGO_DB: db,
    HTTP_PORT: String(port),
    GRPC_PORT: "0",
    REPORTING_CONSUMER: `reporting_${db}`,
    REBUILD_CHUNK_DOSSIERS: String(CHUNK),
    REBUILD_LEASE_MS: String(LEASE_MS),
    ...extra,
  });
  started.push(service);
  return service;
}

/** Until the live consumers have folded everything published (so they add nothing during the rebuild). */
async function drained(base: string): Promise<void> {
  await waitFor(async () => (await get(base, REPORTS[0]!)).body.lagEvents === 0, { timeoutMs: 60_000, description: "the live consumers drained" });
}

async function waitDone(base: string, id: string): Promise<RebuildProgress> {
  return waitFor(
    async () => {
      const response = await fetch(`${base}/v1/admin/rebuild/${id}`, { headers: await serviceAuthorization() }).catch(() => undefined);
      const progress = response?.ok ? ((await response.json()) as RebuildProgress) : undefined;
      return progress && (progress.state === "done" || progress.state === "failed") && progress;
    },
    { timeoutMs: 90_000, intervalMs: 100, description: `rebuild ${id} finished` },
  );
}

/** The rebuilt records, without what depends on how the rebuild went (versions, which chunk inserted each). */
async function recordsOf(db: string, collection: string) {
  return mongo
    .db(db)
    .collection(collection)
    .find({}, { projection: { version: 0, rebuildAttempt: 0, rebuildChunk: 0 } })
    .sort({ _id: 1 })
    .toArray();
}

async function reportsOf(base: string) {
  return Promise.all(
    REPORTS.map(async (path) => {
      const { status, body } = await get(base, path);
      expect(status, path).toBe(200);
      const { asOf: _asOf, lagEvents: _lag, ...report } = body;
      return report;
    }),
  );
}

/** What a rebuild's result says that does not depend on interruptions. */
const countersOf = (progress: RebuildProgress) => {
  const { events, dossiers, merged, chunks, skipped, caughtUp, lastSeqs } = progress.result!;
  return { replayed: progress.replayed, flushed: progress.flushed, events, dossiers, merged, chunks, skipped, caughtUp, lastSeqs };
};

async function persisted(db: string, id: string): Promise<Body> {
  return mongo
    .db(db)
    .collection("rebuilds")
    .findOne({ _id: id as never });
}

/** `pnpm rebuild` as the operator runs it. */
let operatorToken: string;

function runRebuildCommand(url: string): { exited: Promise<{ code: number | null; stdout: string; stderr: string }>; stderr: () => string } {
  const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", "src/rebuild-cli.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, REPORTING_URL: url, REBUILD_POLL_MS: "50", REBUILD_RETRY_MS: "200", ONESTOP_TOKEN: operatorToken },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { exited: new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr }))), stderr: () => stderr };
}

let reference: { progress: RebuildProgress; records: unknown[]; reports: unknown[] };

beforeAll(async () => {
  operatorToken = await testToken({ sub: "op-1", preferred_username: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24" });
  dir = mkdtempSync(join(tmpdir(), "reporting-rebuild-crash-"));
  nats = await startNats({ dir: join(dir, "nats"), port: await freePort() });
  nc = await connect({ servers: nats.url });
  await ensureStreams(
    await jetstreamManager(nc),
    FACT_STREAMS.map((stream) => ({ name: stream.name, subjects: [...stream.subjects] })),
  );
  mongo = await MongoClient.connect(env.mongoUrl);

  const { procedures } = seedProcedures();
  const generator = new StreamGenerator({ seed: 41, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, 0.003), procedures, calendar: defaultCalendar });
  const dossierEvents: EnvelopeInput[] = [];
  const payments: EnvelopeInput[] = [];
  let dossiers = 0;
  for (const dossier of generator.dossiers()) {
    dossierEvents.push(...dossier.events);
    // Every 7th dossier paid online an hour after its receipt: a second stream to resume from.
    if (dossiers++ % 7 === 0) {
      const receipt = dossier.events[0]!;
      payments.push(e.paymentSucceeded(dossier.code, `PAY-${dossier.code}`, "NATIONAL_PLATFORM", 8000, new Date(Date.parse(receipt.time) + 3_600_000).toISOString().replace("Z", "+00:00")));
    }
  }
  // Business-time order, as a live stream brings them; 10 % delivered twice; one malformed event.
  const random = prng(43);
  const ordered = [...dossierEvents].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const delivered = [...ordered];
  for (const event of ordered) if (random() < 0.1) delivered.splice(Math.floor(random() * delivered.length), 0, event);
  delivered.splice(delivered.length >> 1, 0, { ...ordered[0]!, id: "bad/received", data: { dossierCode: ordered[0]!.subject } });
  const js = jetstream(nc);
  const envelope = (event: EnvelopeInput) => JSON.stringify({ specversion: "1.0", source: "test", recordedtime: event.time, datacontenttype: "application/json", ...event });
  const agencyOf = (code: string) => code.split("-")[0]!;
  for (let i = 0; i < delivered.length; i += 500) {
    await Promise.all(delivered.slice(i, i + 500).map((event) => js.publish(subjectFor(event.type as EventType, { agencyCode: agencyOf(event.subject) } as never), envelope(event))));
  }
  await Promise.all(payments.map((event) => js.publish(subjectFor(event.type as EventType, { agencyCode: agencyOf(event.subject) } as never), envelope(event))));
  published = delivered.length + payments.length;

  // The reference: the same rebuild, never interrupted.
  const db = `${env.dbName}_ref`;
  const service = await startReporting(db, await freePort());
  await drained(service.httpUrl);
  const response = await fetch(`${service.httpUrl}/v1/admin/rebuild`, { method: "POST", headers: await serviceAuthorization() });
  expect(response.status).toBe(202);
  const progress = await waitDone(service.httpUrl, ((await response.json()) as RebuildProgress).id);
  expect(progress).toMatchObject({ state: "done", replayed: published, result: { resumes: 0, skipped: 1 } });
  expect(progress.result!.chunks).toBeGreaterThan(20);
  expect(progress.result!.merged).toBeGreaterThan(100);
  reference = { progress, records: await recordsOf(db, progress.result!.collection), reports: await reportsOf(service.httpUrl) };
  expect(reference.records.length).toBe(progress.result!.dossiers);
  expect(await service.stop()).toBe(0);
}, 240_000);

afterAll(async () => {
  for (const service of started) await service.stop("SIGKILL");
  await nc?.close();
  await mongo?.close();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a rebuild across a crash of the service", () => {
  it("given the service killed mid-rebuild, when it starts again, then it resumes from its checkpoint (not from zero), the command follows it across the restart, and the result equals an uninterrupted rebuild", async () => {
    const db = `${env.dbName}_kill`;
    const port = await freePort();
    const first = await startReporting(db, port);
    await drained(first.httpUrl);
    const command = runRebuildCommand(first.httpUrl);

    // Killed once a few chunks are written, in the middle of the replay.
    const running: RebuildProgress = await waitFor(
      async () => {
        const { body } = await get(first.httpUrl, "/v1/admin/rebuild");
        return body.state === "replaying" && body.chunks >= 4 && (body as RebuildProgress);
      },
      { timeoutMs: 60_000, intervalMs: 10, description: "a rebuild with 4 chunks written" },
    );
    await first.stop("SIGKILL");
    const left = await persisted(db, running.id);
    expect(left.progress.state).toBe("replaying");
    expect(left.checkpoint.chunks).toBeGreaterThanOrEqual(4);
    expect(left.checkpoint.replayed).toBeGreaterThan(0);
    expect(left.checkpoint.replayed).toBeLessThan(published);
    expect(left.owner).not.toBeNull();
    await waitFor(() => command.stderr().includes("unreachable"), { timeoutMs: 10_000, description: "the command noticing the service is down" });

    // The same instance (host:port) comes back: it takes its rebuild back at once, lease or not.
    const second = await startReporting(db, port);
    const resumed: RebuildProgress = await waitFor(
      async () => {
        const { body } = await get(second.httpUrl, "/v1/admin/rebuild");
        return body.history?.some((entry: { event: string }) => entry.event === "resumed") && (body as RebuildProgress);
      },
      { timeoutMs: 20_000, intervalMs: 20, description: "the rebuild resumed" },
    );
    expect(resumed.id).toBe(running.id);
    // Counted on from the checkpoint, not from zero.
    expect(resumed.replayed).toBeGreaterThanOrEqual(left.checkpoint.replayed);
    expect(resumed.chunks).toBeGreaterThanOrEqual(left.checkpoint.chunks);
    expect(resumed.history.find((entry) => entry.event === "resumed")).toMatchObject({ replayed: left.checkpoint.replayed, chunks: left.checkpoint.chunks });

    const cli = await command.exited;
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/service at \S+ is unreachable \(.+\); retrying every 0\.2 s/);
    expect(cli.stderr).toMatch(/service at \S+ is back after \d+ s/);
    expect(cli.stderr).toMatch(new RegExp(`rebuild ${running.id} resumed on \\S+ from its checkpoint \\(${left.checkpoint.replayed} events read, ${left.checkpoint.chunks} chunks written\\)`));
    expect(cli.stdout).toMatch(new RegExp(`^rebuild ${running.id} switched to ${running.collection} at .*, resumed 1 time\\(s\\)`));

    const done = await waitDone(second.httpUrl, running.id);
    expect(done).toMatchObject({ state: "done", collection: running.collection, result: { resumes: 1 } });
    expect(done.history.map((entry: { event: string }) => entry.event)).toEqual(["started", "resumed", "switched", "done"]);
    expect(countersOf(done)).toEqual(countersOf(reference.progress));
    expect(await recordsOf(db, running.collection)).toEqual(reference.records);
    expect(await reportsOf(second.httpUrl)).toEqual(reference.reports);
    // Shown after a restart too, with its history.
    expect(await second.stop()).toBe(0);
    const third = await startReporting(db, port);
    expect((await get(third.httpUrl, "/v1/admin/rebuild")).body).toMatchObject({ id: running.id, state: "done", history: done.history, result: done.result });
    expect(await third.stop()).toBe(0);
  }, 180_000);

  it("given a crash right after a chunk is written and before its checkpoint, then another instance resumes once the lease expired, folds the chunk again and merges it to no change, with the same result", async () => {
    const db = `${env.dbName}_fault`;
    const first = await startReporting(db, await freePort(), { REBUILD_FAULT: "kill-after-chunk-write:3" });
    await drained(first.httpUrl);
    const response = await fetch(`${first.httpUrl}/v1/admin/rebuild`, { method: "POST", headers: await serviceAuthorization() });
    expect(response.status).toBe(202);
    const { id, collection } = (await response.json()) as RebuildProgress;
    // The process kills itself after writing chunk 3.
    await waitFor(
      async () =>
        !(await fetch(`${first.httpUrl}/healthz`).then(
          (r) => r.ok,
          () => false,
        )),
      { timeoutMs: 60_000, description: "the service dead" },
    );
    const left = await persisted(db, id);
    expect(left.checkpoint.chunks).toBe(2);
    expect(left.progress.chunks).toBe(2);
    const written = await mongo.db(db).collection(collection).countDocuments({ rebuildChunk: 3 });
    expect(written).toBeGreaterThan(0); // chunk 3 is in the collection, the checkpoint does not know it

    // Another instance (another port): the dead one's lease must expire first.
    const other = await startReporting(db, await freePort());
    const done = await waitDone(other.httpUrl, id);
    expect(done).toMatchObject({ state: "done", result: { resumes: 1 } });
    const resumedBy = done.history.find((entry) => entry.event === "resumed")!;
    expect(resumedBy.instance).not.toBe(left.ownerInstance);
    expect(Date.parse(resumedBy.at)).toBeGreaterThanOrEqual(left.leaseUntilMs);
    // Chunk 3's records count as inserted (as in the uninterrupted rebuild), not as merges.
    expect(countersOf(done)).toEqual(countersOf(reference.progress));
    expect(await recordsOf(db, collection)).toEqual(reference.records);
    expect(await reportsOf(other.httpUrl)).toEqual(reference.reports);
    expect(await other.stop()).toBe(0);
  }, 180_000);
});
