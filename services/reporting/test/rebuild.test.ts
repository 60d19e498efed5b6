/**
 * The rebuild as a background job, in-process on the test kit's store: the real facts store,
 * HTTP routes and report queries, with a stream stand-in that can be held half-way so the test
 * can look at the service while a rebuild runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { MongoClient, type Db } from "mongodb";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { authenticate, createTokenVerifier, Jurisdiction } from "@onestop/auth";
import { defaultCalendar } from "@onestop/calendar";
import { loadSeedAgencyRegistry } from "@onestop/catalogue";
import { authEnv, serviceAuthorization, testEnv, waitFor } from "@onestop/testkit";
import { factFromEnvelope, formatCount, type EnvelopeInput } from "../src/domain/index.js";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { MongoFrozenReports } from "../src/adapters/store/frozen-reports.js";
import { MongoTallyReader } from "../src/adapters/store/tally-reader.js";
import { adminRouter, reportsRouter } from "../src/adapters/http/router.js";
import { RebuildInProgressError, Rebuilder, type RebuildProgress, type ReplaySource } from "../src/app/rebuild.js";
import { MongoRebuildStates } from "../src/adapters/store/rebuild-states.js";
import { ReportQueries } from "../src/app/reports.js";
import { progressLine } from "../src/cli/progress-bar.js";
import * as e from "./domain/events.js";
import { prng, StreamGenerator } from "./golden/generator.js";
import { seedProcedures } from "./golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "./golden/targets.js";

const env = testEnv();
const PERIOD = { from: "2023-12-15", to: "2024-06-30" };
const PERIOD_Q3 = { from: "2024-07-01", to: "2024-09-30" };
const FORM = `/v1/reports/tthc?from=${PERIOD.from}&to=${PERIOD.to}`;

/** An in-memory stream: a replay reads up to its current end, and can be held at a chosen point. */
class HeldStream implements ReplaySource {
  constructor(readonly name = "DOSSIER") {}
  readonly events: EnvelopeInput[] = [];
  private holds: ((fromSeq: number, seq: number) => boolean) | undefined;
  private released = Promise.resolve();
  private release: (() => void) | undefined;
  private reached: (() => void) | undefined;
  reachedHold: Promise<void> = Promise.resolve();

  /** Holds the replay from `fromSeq` before it reads `seq` (the stream's length + 1: before it ends). */
  holdWhen(holds: (fromSeq: number, seq: number) => boolean): void {
    this.holds = holds;
    this.released = new Promise((resolve) => (this.release = resolve));
    this.reachedHold = new Promise((resolve) => (this.reached = resolve));
  }

  releaseHold(): void {
    this.holds = undefined;
    this.release?.();
  }

  async *replay(fromSeq: number, onPosition?: (position: { seq: number; pending: number }) => void) {
    for (let seq = fromSeq; ; seq++) {
      if (this.holds?.(fromSeq, seq)) {
        this.reached?.();
        await this.released;
      }
      if (seq > this.events.length) return;
      onPosition?.({ seq, pending: this.events.length - seq });
      yield { seq, event: this.events[seq - 1]! };
    }
  }
}

const stream = new HeldStream();
let mongo: MongoClient;
let store: MongoFactsStore;
let rebuilder: Rebuilder;
let server: Server;
let base: string;
let truth: StreamGenerator["truth"];
let reportDeps: Omit<ConstructorParameters<typeof ReportQueries>[0], "store" | "tallies" | "frozen">;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
const get = async (path: string): Promise<{ status: number; body: any }> => {
  const response = await fetch(`${base}${path}`, { headers: await serviceAuthorization() });
  return { status: response.status, body: await response.json() };
};
// biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
const post = async (path: string): Promise<{ status: number; location: string | null; body: any }> => {
  const response = await fetch(`${base}${path}`, { method: "POST", headers: await serviceAuthorization() });
  return { status: response.status, location: response.headers.get("location"), body: await response.json() };
};

beforeAll(async () => {
  const { procedures, sectors } = seedProcedures();
  // About 950 dossiers of the golden half-year: enough to hold a rebuild half-way through.
  const generator = new StreamGenerator({ seed: 31, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, 0.003), procedures, calendar: defaultCalendar });
  for (const dossier of generator.dossiers()) stream.events.push(...dossier.events);
  expect(stream.events.length % 2).toBe(1);
  truth = generator.truth;

  mongo = await MongoClient.connect(env.mongoUrl);
  const db = mongo.db(`${env.dbName}_rebuild`);
  store = await MongoFactsStore.open(db);
  let ids = 0;
  rebuilder = new Rebuilder(store, [stream], { newId: () => `r${++ids}` });
  reportDeps = { lag: { pendingEvents: async () => 0 }, calendar: defaultCalendar, sectors, procedures };
  const reports = new ReportQueries({ ...reportDeps, store, tallies: new MongoTallyReader(() => store.talliesOf(), store.series), frozen: MongoFrozenReports.open(db) });
  const app = express();
  // Wired as main.ts wires the service.
  const registry = loadSeedAgencyRegistry();
  if (!registry.ok) throw new Error("seed registry does not load");
  const jurisdiction = new Jurisdiction(registry.value);
  app.use("/v1", authenticate(createTokenVerifier({ issuer: authEnv().OIDC_ISSUER, audience: authEnv().OIDC_AUDIENCE, clockToleranceSec: 30 })));
  const audit = new AuditTrail(await MongoAuditLog.open(db));
  app.use(reportsRouter({ reports, jurisdiction, audit, quarterStartDay: 1 }));
  app.use(adminRouter(rebuilder, jurisdiction, audit));
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  stream.releaseHold(); // a failed test must not leave a rebuild held
  await rebuilder?.settled();
  await new Promise((resolve) => server?.close(resolve));
  await mongo?.close();
});

describe("rebuild in the background", () => {
  it("answers 404 before any rebuild, then builds the first version from the whole stream", async () => {
    expect((await get("/v1/admin/rebuild")).status).toBe(404);
    const started = await post("/v1/admin/rebuild");
    expect(started.status).toBe(202);
    expect(started.location).toBe("/v1/admin/rebuild/r1");
    expect(started.body).toMatchObject({ id: "r1", state: "replaying" });
    await rebuilder.settled();
    const done = await get("/v1/admin/rebuild/r1");
    expect(done.body).toMatchObject({ state: "done", replayed: stream.events.length, total: stream.events.length, result: { events: stream.events.length, dossiers: truth.dossiers + truth.outside } });
    expect((await get(FORM)).body.totals).toEqual(truth.total);
  });

  it("serves queries from the old version while replaying, shows progress, refuses a second rebuild, and switches when caught up", async () => {
    const oldCollection = store.activeCollection;
    const half = Math.floor(stream.events.length / 2);
    stream.holdWhen((fromSeq, seq) => fromSeq === 1 && seq === half + 1);
    const started = await post("/v1/admin/rebuild");
    expect(started.status).toBe(202);
    await stream.reachedHold;

    const during = await get(`/v1/admin/rebuild/${started.body.id}`);
    expect(during.body).toMatchObject({ id: "r2", state: "replaying", replayed: half, total: stream.events.length });
    expect(during.body.switchedAt).toBeUndefined();
    // Half of an odd count: 49% (floored), half of the bar (rounded).
    expect(progressLine(during.body, 10)).toBe(`[#####.....]  49% ${formatCount(half)}/${formatCount(stream.events.length)} events, replaying`);
    const second = await post("/v1/admin/rebuild");
    expect(second.status).toBe(409);
    expect(second.body.running).toMatchObject({ id: "r2", state: "replaying" });
    expect(store.activeCollection).toBe(oldCollection);
    expect((await get(FORM)).body.totals).toEqual(truth.total);

    // A new dossier arrives meanwhile: the live consumer folds it into the old version only.
    const late: EnvelopeInput = {
      ...stream.events[0]!,
      id: "late/received",
      subject: "000.01.31.H04-240610-999999",
      data: { ...(stream.events[0]!.data as object), dossierCode: "000.01.31.H04-240610-999999", receivedAt: "2024-06-10T09:00:00+07:00", dueAt: "2024-07-30T23:59:59.999+07:00" },
      time: "2024-06-10T09:00:00+07:00",
    };
    stream.events.push(late);
    await store.apply(late.subject, factFromEnvelope(late)!);
    const withLate = (await get(FORM)).body.totals;
    expect(withLate.received.total).toBe(truth.total.received.total + 1);

    stream.releaseHold();
    await waitFor(async () => (await get("/v1/admin/rebuild")).body.state === "done", { timeoutMs: 20_000, description: "the rebuild done" });
    const done = (await get("/v1/admin/rebuild")).body;
    expect(done).toMatchObject({ id: "r2", replayed: stream.events.length, total: stream.events.length, result: { caughtUp: 0 } });
    expect(Date.parse(done.switchedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    expect(store.activeCollection).toBe(done.result.collection);
    expect(store.activeCollection).not.toBe(oldCollection);
    expect((await get(FORM)).body.totals).toEqual(withLate);
    expect(
      await mongo
        .db(`${env.dbName}_rebuild`)
        .collection("projection_meta")
        .findOne({ _id: "dossier_facts" as never }),
    ).toMatchObject({ active: done.result.collection });
  });

  it("folds into the new version what reached the stream after its full replay, before switching to it", async () => {
    const oldCollection = store.activeCollection;
    const before = (await get(FORM)).body.totals;
    // Held once the new version is written, at the start of its catch-up.
    stream.holdWhen((fromSeq) => fromSeq > 1);
    const started = await post("/v1/admin/rebuild");
    await stream.reachedHold;
    expect((await get(`/v1/admin/rebuild/${started.body.id}`)).body).toMatchObject({ state: "catching-up", replayed: stream.events.length });
    const resolved: EnvelopeInput = {
      id: "late/resolved",
      type: "vn.onestop.dossier.resolved.v1",
      subject: "000.01.31.H04-240610-999999",
      time: "2024-06-12T10:00:00+07:00",
      data: { dossierCode: "000.01.31.H04-240610-999999", resolvedAt: "2024-06-12T10:00:00+07:00", outcome: "OUTCOME_APPROVED" },
    };
    stream.events.push(resolved);
    await store.apply(resolved.subject, factFromEnvelope(resolved)!);
    expect(store.activeCollection).toBe(oldCollection);
    const live = (await get(FORM)).body.totals;
    expect(live.resolved.total).toBe(before.resolved.total + 1);

    stream.releaseHold();
    await rebuilder.settled();
    const done = (await get(`/v1/admin/rebuild/${started.body.id}`)).body;
    expect(done).toMatchObject({ state: "done", replayed: stream.events.length, total: stream.events.length, result: { caughtUp: 1 } });
    expect(store.activeCollection).not.toBe(oldCollection);
    expect((await get(FORM)).body.totals).toEqual(live);
  });
});

describe("bounded fold: chunks written as they fill up", () => {
  /**
   * Every 8th dossier of a small half-year (all levels, channels and outcomes), shuffled, with
   * duplicates and one malformed event: dossiers straddle chunks, events come out of order.
   */
  function shuffledStream(): { events: EnvelopeInput[]; dossiers: number } {
    const { procedures } = seedProcedures();
    const generator = new StreamGenerator({ seed: 32, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, 0.003), procedures, calendar: defaultCalendar });
    const sample = [...generator.dossiers()].filter((_, i) => i % 8 === 0);
    const events = sample.flatMap((dossier) => dossier.events);
    const random = prng(11);
    const delivered = [...events, ...events.filter(() => random() < 0.1)];
    for (let i = delivered.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
    }
    delivered.splice(delivered.length >> 1, 0, { ...events[0]!, id: "bad/received", data: { dossierCode: events[0]!.subject } });
    return { events: delivered, dossiers: sample.length };
  }

  async function rebuildWith(db: Db, events: readonly EnvelopeInput[], chunkDossiers: number, whileHalfway?: (progress: RebuildProgress) => void) {
    const source = new HeldStream();
    source.events.push(...events);
    const target = await MongoFactsStore.open(db);
    const rebuild = new Rebuilder(target, [source], { chunkDossiers });
    if (whileHalfway) source.holdWhen((fromSeq, seq) => fromSeq === 1 && seq === (events.length >> 1) + 1);
    await rebuild.start();
    if (whileHalfway) {
      await source.reachedHold;
      whileHalfway((await rebuild.progress())!);
      source.releaseHold();
    }
    await rebuild.settled();
    const progress = (await rebuild.progress())!;
    expect(progress.error).toBeUndefined();
    // Versions and the rebuild's marks (which chunk inserted a record) depend on the chunking; the records do not.
    const documents = await db
      .collection(target.activeCollection)
      .find({}, { projection: { version: 0, rebuildAttempt: 0, rebuildChunk: 0 } })
      .sort({ _id: 1 })
      .toArray();
    const reports = new ReportQueries({ ...reportDeps, store: target, tallies: new MongoTallyReader(() => target.talliesOf(), target.series), frozen: MongoFrozenReports.open(db) });
    const form = (await reports.tthc(PERIOD, {})).report;
    const indicators = (await reports.indicators(PERIOD, {})).report;
    return { progress, documents, form, indicators };
  }

  it("gives with 3 dossiers per chunk the same records and reports as with one chunk for the whole stream", async () => {
    const { events, dossiers } = shuffledStream();
    const halfway: RebuildProgress[] = [];
    const tiny = await rebuildWith(mongo.db(`${env.dbName}_chunk3`), events, 3, (progress) => halfway.push(progress));
    const whole = await rebuildWith(mongo.db(`${env.dbName}_chunkall`), events, 1_000_000);

    // Half-way through the stream chunks are already written, and the state says the stream is still being read.
    expect(halfway[0]).toMatchObject({ state: "replaying", replayed: events.length >> 1 });
    expect(halfway[0]!.flushed).toBeGreaterThan(0);
    expect(whole.progress.result).toMatchObject({ events: events.length, dossiers, merged: 0, chunks: 1, skipped: 1 });
    const { merged, chunks, ...same } = tiny.progress.result!;
    expect(same).toMatchObject({ events: events.length, dossiers, skipped: 1, caughtUp: 0, lastSeqs: { DOSSIER: events.length } });
    expect(chunks).toBeGreaterThan(events.length / 6);
    expect(merged).toBeGreaterThan(dossiers);
    expect(tiny.progress.flushed).toBe(tiny.progress.result!.dossiers + merged);
    expect(whole.progress.flushed).toBe(whole.progress.result!.dossiers);

    expect(tiny.documents).toHaveLength(dossiers);
    expect(tiny.documents).toEqual(whole.documents);
    expect(tiny.form).toEqual(whole.form);
    // The sample has finished, pending and overdue dossiers, so the comparison covers them.
    const { received, resolved, pending } = tiny.form.totals;
    expect([received.inPerson, received.carriedOver, resolved.overdue, pending.total].every((count) => count > 0)).toBe(true);
    expect(tiny.indicators).toEqual(whole.indicators);
  });

  it("given a DOSSIER and a PAYMENT stream, then it replays both in turn and catches each up from its own position", async () => {
    const db = mongo.db(`${env.dbName}_streams`);
    const dossiers = new HeldStream("DOSSIER");
    const payments = new HeldStream("PAYMENT");
    // Residence, 3 working days, 8.000 đ: received Mon 8/7/2024, due Thu 11/7.
    const receipt = (code: string) =>
      e.received({ code, procedureCode: "1.004194", sectorCode: "CU_TRU", channel: "ONLINE", receivedAt: "2024-07-08T09:00:00+07:00", dueDate: "2024-07-11", workingDays: 3, fees: [8000] });
    dossiers.events.push(receipt("S1"), receipt("S2"));
    payments.events.push(
      e.paymentSucceeded("S1", "PAY-S1", "NATIONAL_PLATFORM", 8000, "2024-07-08T10:00:00+07:00"),
      e.paymentSucceeded("S2", "PAY-S2", "OTHER_GATEWAY", 8000, "2024-07-08T10:00:00+07:00"),
      e.paymentSucceeded("S3", "PAY-S3", "DESK", 8000, "2024-07-08T10:00:00+07:00"), // its receipt never came
    );
    const target = await MongoFactsStore.open(db);
    const rebuild = new Rebuilder(target, [dossiers, payments]);
    // Held at the start of the PAYMENT stream's catch-up (the DOSSIER one found nothing new).
    payments.holdWhen((fromSeq) => fromSeq > 1);
    await rebuild.start();
    await payments.reachedHold;
    expect(await rebuild.progress()).toMatchObject({ state: "catching-up", replayed: 5, total: 5 });
    payments.events.push(e.paymentRefunded("S1", "PAY-S1", 8000, "2024-07-20T10:00:00+07:00"));
    payments.releaseHold();
    await rebuild.settled();
    expect(await rebuild.progress()).toMatchObject({ state: "done", replayed: 6, total: 6, result: { events: 5, dossiers: 3, caughtUp: 1, lastSeqs: { DOSSIER: 2, PAYMENT: 4 } } });

    const reports = new ReportQueries({ ...reportDeps, store: target, tallies: new MongoTallyReader(() => target.talliesOf(), target.series), frozen: MongoFrozenReports.open(db) });
    // S1 refunded in full, S2 paid through a gateway: 1 of the 2 payable dossiers; S3 waits for its receipt.
    const { report } = await reports.quarterly(PERIOD_Q3, {});
    expect(report.total.onlinePayment).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(await new MongoTallyReader(() => target.talliesOf(), target.series).awaitingReceipt()).toBe(1);
  });

  /** Records of the active collection, without versions and the rebuild's marks (they depend on how it went). */
  const recordsOf = (db: Db, store: MongoFactsStore) =>
    db
      .collection(store.activeCollection)
      .find({}, { projection: { version: 0, rebuildAttempt: 0, rebuildChunk: 0 } })
      .sort({ _id: 1 })
      .toArray();

  it("given two instances asked at once, then one starts the rebuild and the other refuses; while the lease is held nobody takes it over; once the holder stops, the other resumes at once from its checkpoint", async () => {
    const { events } = shuffledStream();
    const reference = await rebuildWith(mongo.db(`${env.dbName}_lease_ref`), events, 20);
    const db = mongo.db(`${env.dbName}_lease`);
    const states = new MongoRebuildStates(db);
    const source = new HeldStream();
    source.events.push(...events);
    const half = events.length >> 1;
    source.holdWhen((fromSeq, seq) => fromSeq === 1 && seq === half + 1);
    const stores = [await MongoFactsStore.open(db), await MongoFactsStore.open(db)] as const;
    const one = new Rebuilder(stores[0], [source], { states, instance: "one", chunkDossiers: 20, leaseMs: 60_000 });
    const other = new Rebuilder(stores[1], [source], { states, instance: "other", chunkDossiers: 20, leaseMs: 60_000 });

    const [a, b] = await Promise.allSettled([one.start(), other.start()]);
    expect([a.status, b.status].sort()).toEqual(["fulfilled", "rejected"]);
    const [holder, waiting] = a.status === "fulfilled" ? [one, other] : [other, one];
    const refusal = (a.status === "rejected" ? a : b) as PromiseRejectedResult;
    expect(refusal.reason).toBeInstanceOf(RebuildInProgressError);
    await source.reachedHold;
    const id = holder.running()!.id;
    expect(await waiting.resume()).toBeUndefined(); // the lease is held
    await expect(waiting.start()).rejects.toMatchObject({ running: { id, owner: holder.instance, state: "replaying" } });
    expect(await waiting.progress()).toMatchObject({ id, state: "replaying", owner: holder.instance });

    const stopping = holder.stop();
    source.releaseHold();
    await stopping;
    const stopped = (await states.get(id))!;
    expect(stopped.progress).toMatchObject({ state: "replaying" });
    expect(stopped.progress.owner).toBeUndefined();
    expect(stopped.progress.history.map((entry) => [entry.event, entry.instance])).toEqual([
      ["started", holder.instance],
      ["stopped", holder.instance],
    ]);
    expect(stopped.checkpoint.chunks).toBeGreaterThan(3);

    const resumed = (await waiting.resume())!;
    expect(resumed).toMatchObject({ id, state: "replaying", owner: waiting.instance, chunks: stopped.checkpoint.chunks });
    expect(resumed.replayed).toBeGreaterThanOrEqual(stopped.checkpoint.replayed); // counted on from the checkpoint
    expect(resumed.history.at(-1)).toMatchObject({ event: "resumed", instance: waiting.instance, replayed: stopped.checkpoint.replayed, chunks: stopped.checkpoint.chunks });
    await waiting.settled();
    const done = (await holder.progress(id))!;
    expect(done).toMatchObject({ state: "done", result: { resumes: 1 } });
    expect(done.history.map((entry) => entry.event)).toEqual(["started", "stopped", "resumed", "switched", "done"]);
    const { durationsMs: _d1, resumes: _r1, collection: _c1, ...counters } = done.result!;
    const { durationsMs: _d2, resumes: _r2, collection: _c2, ...expected } = reference.progress.result!;
    expect(counters).toEqual(expected);
    // The instance that finished it switched its store to the new collection.
    expect(await recordsOf(db, waiting === one ? stores[0] : stores[1])).toEqual(reference.documents);
  });

  it("given an instance whose lease lapsed (as another instance's clock sees it), then the other takes the rebuild over, the first one's next write is refused and it stops without a word, and the result is the same", async () => {
    const { events } = shuffledStream();
    const reference = await rebuildWith(mongo.db(`${env.dbName}_lapse_ref`), events, 20);
    const db = mongo.db(`${env.dbName}_lapse`);
    const states = new MongoRebuildStates(db);
    const source = new HeldStream();
    source.events.push(...events);
    source.holdWhen((fromSeq, seq) => fromSeq === 1 && seq === (events.length >> 1) + 1);
    const failures: unknown[] = [];
    const slow = new Rebuilder(await MongoFactsStore.open(db), [source], { states, instance: "slow", chunkDossiers: 20, leaseMs: 60_000, onFailed: (_p, error) => failures.push(error) });
    const laterStore = await MongoFactsStore.open(db);
    const later = new Rebuilder(laterStore, [source], { states, instance: "later", chunkDossiers: 20, leaseMs: 60_000, now: () => new Date(Date.now() + 120_000) });
    const { id } = await slow.start();
    await source.reachedHold;
    const taken = (await later.resume())!;
    expect(taken).toMatchObject({ id, owner: "later" });
    source.releaseHold();
    await Promise.all([slow.settled(), later.settled()]);
    expect(failures).toEqual([]);
    expect(slow.running()).toBeUndefined();
    const done = (await slow.progress(id))!;
    expect(done).toMatchObject({ state: "done", result: { resumes: 1 } });
    expect(done.history.map((entry) => [entry.event, entry.instance])).toEqual([
      ["started", "slow"],
      ["resumed", "later"],
      ["switched", "later"],
      ["done", "later"],
    ]);
    expect(await recordsOf(db, laterStore)).toEqual(reference.documents);
    expect(
      (
        await new ReportQueries({ ...reportDeps, store: laterStore, tallies: new MongoTallyReader(() => laterStore.talliesOf(), laterStore.series), frozen: MongoFrozenReports.open(db) }).tthc(
          PERIOD,
          {},
        )
      ).report,
    ).toEqual(reference.form);
  });

  it("refuses two replay sources of the same name, and a chunk size that is not a positive integer, naming the option", () => {
    expect(() => new Rebuilder(store, [stream, new HeldStream("DOSSIER")])).toThrow(/distinct names/);
    expect(() => new Rebuilder(store, [stream], { chunkDossiers: 0 })).toThrow(/chunkDossiers must be a positive integer, got 0/);
    expect(() => new Rebuilder(store, [stream], { chunkDossiers: 2.5 })).toThrow(/chunkDossiers/);
  });
});
