// Liên thông end to end on our own nats-server (authorization on: lienthong and each sector
// system as its own NATS user) and FerretDB, lienthong wired in process, the reference sector
// simulators answering at once:
//   - bundles/s: birth bundles (3 steps, 2 in parallel) started as intake's command would, BENCH_WINDOW in flight;
//   - routing overhead per step: in death bundles (3 steps, one after the other, one bundle at a
//     time) the time from a sector system sending its result to the next sector system receiving
//     its request, beside two floors measured in the same run and the same process: a raw NATS
//     request/reply, and the same two JetStream hops (result published and pulled, request
//     published and pulled) without the store and the decider in between.
// Rounds alternate; medians of the rounds and the ratios are printed.
//   pnpm --filter @onestop/lienthong bench
//   BENCH_BUNDLES=150 BENCH_STEPS_BUNDLES=40 BENCH_ROUNDS=3 BENCH_WINDOW=32 pnpm --filter @onestop/lienthong bench
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { decodeEnvelope, ensureStreams, newEnvelope, publishEvent } from "@onestop/bus";
import { inboxPrefixOf, RequestBundleRequest } from "@onestop/contracts";
import { startFerretDb, startNats } from "@onestop/devservers";
import { preciseNowMs, startSectorSimulators } from "@onestop/sector-sim";
import { createLogger } from "@onestop/telemetry";
import { MongoClient } from "mongodb";
import { uuidv7 } from "uuidv7";
import { Lienthong } from "../src/app/lienthong.js";
import { wireLienthong } from "../src/wiring.js";

const BUNDLES = Number(process.env.BENCH_BUNDLES ?? 150);
const STEP_BUNDLES = Number(process.env.BENCH_STEPS_BUNDLES ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 32);
const DESK = "000.00.51.H06";
const BIRTH_FORM = {
  childFullName: "Nguyễn Minh Khôi",
  childBirthDate: "2026-11-28",
  childSex: "NAM",
  birthPlace: "Bệnh viện Sản Nhi tỉnh Bắc Ninh",
  motherIdNumber: "024190012345",
  fatherIdNumber: "024188054321",
  residenceAddress: "Số 12 đường Hoàng Văn Thụ, phường Bắc Giang",
  householdHeadIdNumber: "024188054321",
};
const DEATH_FORM = {
  deceasedFullName: "Trần Văn Bảy",
  deceasedIdNumber: "024140011111",
  deathDate: "2026-11-30",
  deathPlace: "Phường Bắc Giang",
  residenceAddress: "Phường Bắc Giang",
  claimantIdNumber: "024170022222",
  bankAccount: "0123456789",
};

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const median = (values: number[]) => percentile(values, 0.5);

const dir = mkdtempSync(join(tmpdir(), "onestop-lienthong-bench-"));
const nats = await startNats({ dir: join(dir, "nats"), authorization: true });
const ferret = await startFerretDb({ dir: join(dir, "ferretdb") });
const credentials = nats.credentials!;
const as = (user: string) => connect({ servers: nats.url, user, pass: credentials[user]!.password, inboxPrefix: inboxPrefixOf(user), name: `bench-${user}` });

const mongo = await MongoClient.connect(ferret.url);
const lienthongNats = await as("lienthong");
const wired = await wireLienthong({
  nats: lienthongNats,
  db: mongo.db("bench_lienthong"),
  log: createLogger({ service: "lienthong-bench", level: "error" }),
  consumer: "lienthong-inbound",
  sectorConsumerPrefix: "",
  timerPollMs: 1_000,
  outboxRetryMs: 500,
  outboxSweepMs: 30_000,
  streamReplicas: 1,
  intake: { resolve: async () => {} },
});
const sims = await startSectorSimulators({ natsUrl: nats.url, credentials });
const harness = await as("harness");
const js = jetstream(harness);

/** Resolves each bundle's completion as lienthong announces it. */
const completions = new Map<string, () => void>();
const completedSub = harness.subscribe("lienthong.bundle.completed", {
  callback: (_error, message) => {
    const bundleId = (decodeEnvelope(message.data).data as { bundleId: string }).bundleId;
    completions.get(bundleId)?.();
  },
});
await harness.flush();

let serial = 0;
/** Starts one bundle as intake's start command does and resolves once it is completed. */
async function runBundle(bundleCode: "BIRTH" | "DEATH"): Promise<string> {
  const at = new Date().toISOString();
  const dossierCode = `${DESK}-261202-${String(++serial).padStart(6, "0")}`;
  const data = RequestBundleRequest.toJSON(
    RequestBundleRequest.fromJSON({ bundleCode, dossierCode, requestedAt: at, receivingAgencyCode: DESK, inputs: bundleCode === "BIRTH" ? BIRTH_FORM : DEATH_FORM }),
  );
  const bundleId = Lienthong.bundleIdOf(dossierCode);
  const done = new Promise<void>((resolve) => completions.set(bundleId, resolve));
  await publishEvent(
    js,
    "lienthong.bundle.start",
    newEnvelope({ id: uuidv7(), type: "vn.onestop.lienthong.start_bundle.v1", source: "urn:onestop:system:intake", subject: dossierCode, time: at, data }),
  );
  await done;
  completions.delete(bundleId);
  return bundleId;
}

async function throughput(): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next++ < BUNDLES) await runBundle("BIRTH");
    }),
  );
  return BUNDLES / ((performance.now() - start) / 1_000);
}

/** Result sent → next request received, per step hand-over of sequential death bundles. */
async function stepHops(): Promise<number[]> {
  const hops: number[] = [];
  const seenBy = (sector: "sector-hotich" | "sector-cutru" | "sector-bhxh", bundleId: string) => sims.nats[sector]!.seen.find((seen) => seen.bundleId === bundleId)!;
  for (let i = 0; i < STEP_BUNDLES; i++) {
    const bundleId = await runBundle("DEATH");
    const [registration, removal, allowance] = [seenBy("sector-hotich", bundleId), seenBy("sector-cutru", bundleId), seenBy("sector-bhxh", bundleId)];
    hops.push(removal.receivedAtMs - registration.answeredAtMs!, allowance.receivedAtMs - removal.answeredAtMs!);
  }
  return hops;
}

// The floors, on the harness user's connections (a sector side and a router side).
const payload = new TextEncoder().encode(JSON.stringify(newEnvelope({ type: "bench", source: "urn:bench", subject: "x", time: new Date().toISOString(), data: { inputs: DEATH_FORM } })));
const sectorSide = await as("harness");
const routerSide = await as("harness");
routerSide.subscribe("bench.echo", { callback: (_error, message) => void message.respond(message.data) });
await routerSide.flush();

async function requestReply(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = preciseNowMs();
    await sectorSide.request("bench.echo", payload, { timeout: 5_000 });
    latencies.push(preciseNowMs() - t0);
  }
  return latencies;
}

await ensureStreams(await jetstreamManager(harness), [{ name: "BENCH_HOPS", subjects: ["bench.hop.>"] }]);
const jsm = await jetstreamManager(harness);
for (const [durable, subject] of [
  ["bench-router", "bench.hop.result"],
  ["bench-sector", "bench.hop.request"],
] as const) {
  await jsm.consumers.add("BENCH_HOPS", { durable_name: durable, filter_subject: subject, ack_policy: AckPolicy.Explicit });
}
/** The router side pulls each result and publishes the next request at once: the hand-over with nothing in between. */
async function startEchoRouter(nc: NatsConnection) {
  const routerJs = jetstream(nc);
  const messages = await (await routerJs.consumers.get("BENCH_HOPS", "bench-router")).consume({ max_messages: 64 });
  void (async () => {
    for await (const message of messages) {
      await routerJs.publish("bench.hop.request", message.data);
      message.ack();
    }
  })();
  return messages;
}
const routerMessages = await startEchoRouter(routerSide);
const sectorJs = jetstream(sectorSide);
let arrived: (() => void) | undefined;
const sectorMessages = await (await sectorJs.consumers.get("BENCH_HOPS", "bench-sector")).consume({
  max_messages: 64,
  callback: (message) => {
    message.ack();
    arrived?.();
  },
});

async function jetStreamHops(count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const received = new Promise<void>((resolve) => (arrived = resolve));
    const t0 = preciseNowMs();
    await sectorJs.publish("bench.hop.result", payload);
    await received;
    latencies.push(preciseNowMs() - t0);
  }
  return latencies;
}

/**
 * What a hand-over costs the store alone: lienthong reads the bundle, writes it conditional on its
 * version (with the outbox), schedules its timer; the relay reads it and empties the outbox.
 */
const floorStore = mongo.db("bench_floor");
const floorBundles = floorStore.collection<{ _id: string; version: number; bundle: unknown; outbox: unknown[]; pending: boolean }>("bundles");
const floorTimers = floorStore.collection<{ _id: string; bundles: string[] }>("timers");
async function storeRoundTrips(count: number): Promise<number[]> {
  const latencies: number[] = [];
  const bundle = { form: DEATH_FORM, steps: Array.from({ length: 3 }, (_, i) => ({ code: `step-${i}`, inputs: Object.keys(DEATH_FORM), holds: [], outputs: {} })) };
  for (let i = 0; i < count; i++) {
    const id = uuidv7();
    await floorBundles.insertOne({ _id: id, version: 1, bundle, outbox: [], pending: false });
    const t0 = preciseNowMs();
    const stored = (await floorBundles.findOne({ _id: id }))!;
    await floorBundles.updateOne({ _id: id, version: stored.version }, { $set: { bundle, version: stored.version + 1, pending: true }, $push: { outbox: { $each: [payload.length] } } });
    await floorTimers.updateOne({ _id: `t:${i % 60}` }, { $addToSet: { bundles: id } }, { upsert: true });
    const again = (await floorBundles.findOne({ _id: id }))!;
    await floorBundles.updateOne({ _id: id, version: again.version }, { $set: { outbox: [], pending: false } });
    latencies.push(preciseNowMs() - t0);
  }
  return latencies;
}

const rounds = { rate: [] as number[], hops: [] as number[][], rr: [] as number[][], jsHops: [] as number[][], store: [] as number[][] };
const began = performance.now();
try {
  // Warm-up: connections, the store's collections, JIT.
  await Promise.all(Array.from({ length: 8 }, () => runBundle("BIRTH")));
  await requestReply(50);
  await jetStreamHops(50);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["floors", "ours"] : ["ours", "floors"];
    for (const side of order) {
      if (side === "floors") {
        rounds.rr.push(await requestReply(STEP_BUNDLES * 2));
        rounds.jsHops.push(await jetStreamHops(STEP_BUNDLES * 2));
        rounds.store.push(await storeRoundTrips(STEP_BUNDLES * 2));
      } else {
        rounds.rate.push(await throughput());
        rounds.hops.push(await stepHops());
      }
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS} done (${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
  }
  const p = (runs: number[][], q: number) => median(runs.map((run) => percentile(run, q)));
  const ms = (value: number) => `${value.toFixed(2).padStart(7)} ms`;
  const hop = { p50: p(rounds.hops, 0.5), p99: p(rounds.hops, 0.99) };
  const rr = { p50: p(rounds.rr, 0.5), p99: p(rounds.rr, 0.99) };
  const jsHop = { p50: p(rounds.jsHops, 0.5), p99: p(rounds.jsHops, 0.99) };
  const store = { p50: p(rounds.store, 0.5), p99: p(rounds.store, 0.99) };
  console.log(`\n${ROUNDS} rounds, medians; nats-server (authorization on) + FerretDB (SQLite), lienthong in process, simulators answering at once`);
  console.log(`bundles/s end to end: ${median(rounds.rate).toFixed(1)} birth bundles/s (${BUNDLES} per round, ${WINDOW} in flight; rounds ${rounds.rate.map((r) => r.toFixed(1)).join(", ")})`);
  console.log(`step hand-over (result sent → next request received), ${STEP_BUNDLES * 2} per round:`);
  console.log(`  lienthong routing             p50 ${ms(hop.p50)}   p99 ${ms(hop.p99)}`);
  console.log(`  floor: NATS request/reply     p50 ${ms(rr.p50)}   p99 ${ms(rr.p99)}`);
  console.log(`  floor: two JetStream hops     p50 ${ms(jsHop.p50)}   p99 ${ms(jsHop.p99)}`);
  console.log(`  floor: its store round trips  p50 ${ms(store.p50)}   p99 ${ms(store.p99)}   (2 reads, 3 writes on FerretDB, no NATS)`);
  console.log(
    `routing overhead beyond request/reply: p50 ${ms(hop.p50 - rr.p50)}   p99 ${ms(hop.p99 - rr.p99)}   (ratio p50 ${(hop.p50 / rr.p50).toFixed(1)}×, p99 ${(hop.p99 / rr.p99).toFixed(1)}×)`,
  );
  console.log(
    `routing overhead beyond the JetStream hops: p50 ${ms(hop.p50 - jsHop.p50)}   p99 ${ms(hop.p99 - jsHop.p99)}   (ratio p50 ${(hop.p50 / jsHop.p50).toFixed(1)}×, p99 ${(hop.p99 / jsHop.p99).toFixed(1)}×)`,
  );
} finally {
  completedSub.unsubscribe();
  await routerMessages.close();
  await sectorMessages.close();
  await sims.stop();
  await wired.stop();
  await Promise.all([lienthongNats, harness, sectorSide, routerSide].map((nc) => nc.drain()));
  await mongo.close();
  await Promise.all([nats.stop(), ferret.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
