/**
 * Benchmark (a): how fast the projection absorbs a replay of the golden half-year (≈ 974k events
 * at BENCH_SCALE=1) from a JetStream stream, against
 *   - the limit: the rate at which the bus delivers the same events to a reader doing no work
 *     (`readStream`, ordered consumer, 1.000 per fetch);
 *   - the naive baseline: one database update per event (an upsert pushing the event onto its
 *     dossier's document), run on a sample of BENCH_NAIVE_EVENTS and extrapolated from its rate;
 *   - for reference, the live consumer's path on a sample of BENCH_LIVE_EVENTS:
 *     `MongoFactsStore.apply` (read, fold, conditional write), one event at a time.
 * "Ours" is the rebuild (`Rebuilder`): replay + fold in memory, records written in batches chunk
 * by chunk (a chunk written while the next one is folded; a checkpoint persisted after each), then
 * catch-up and switch; its rate counts the whole rebuild, writes included.
 * Servers (nats-server, FerretDB on SQLite) are started by the bench. Medians over BENCH_ROUNDS.
 *
 *   BENCH_SCALE=0.3 (default, ≈ 4 min; 1 = the 974k events, ≈ 12 min) BENCH_ROUNDS=3 BENCH_NAIVE_EVENTS=3000 BENCH_LIVE_EVENTS=500 pnpm --filter @onestop/reporting bench:throughput
 */
import { readStream, replayEvents } from "@onestop/bus";
import { STREAMS } from "@onestop/contracts";
import { streamReplay } from "../src/adapters/bus/replay-source.js";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { MongoRebuildStates } from "../src/adapters/store/rebuild-states.js";
import { Rebuilder } from "../src/app/rebuild.js";
import { factFromEnvelope } from "../src/domain/index.js";
import { envNumber, fmt, median, perSecond, publishGolden, startBenchServers } from "./support.js";

const scale = envNumber("BENCH_SCALE", 0.3);
const rounds = envNumber("BENCH_ROUNDS", 3);
const naiveSample = envNumber("BENCH_NAIVE_EVENTS", 3_000);
const liveSample = envNumber("BENCH_LIVE_EVENTS", 500);

const servers = await startBenchServers("throughput");
try {
  const t0 = performance.now();
  const published = await publishGolden(servers.js, scale);
  const publishMs = performance.now() - t0;
  console.log(`published ${fmt(published.events)} events of ${fmt(published.dossiers)} dossiers in ${(publishMs / 1000).toFixed(1)} s (${fmt(perSecond(published.events, publishMs))}/s)`);

  const busRates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const start = performance.now();
    let read = 0;
    for await (const message of readStream(servers.js, STREAMS.DOSSIER.name, { batchSize: 1_000 })) if (message.seq > 0) read += 1;
    if (read !== published.events) throw new Error(`the bus delivered ${read} of ${published.events} events`);
    busRates.push(perSecond(read, performance.now() - start));
    console.error(`bus round ${round}: ${fmt(busRates.at(-1)!)} events/s`);
  }

  const db = servers.mongo.db("bench_reporting");
  const store = await MongoFactsStore.open(db);
  // Progress persisted as in the service (a checkpoint written after every chunk).
  const rebuilder = new Rebuilder(store, [streamReplay(servers.js, STREAMS.DOSSIER.name, () => undefined)], { states: new MongoRebuildStates(db) });
  const ourRates: number[] = [];
  const foldRates: number[] = [];
  const phases: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const previous = store.activeCollection;
    const start = performance.now();
    await rebuilder.start();
    await rebuilder.settled();
    const elapsed = performance.now() - start;
    const progress = (await rebuilder.progress())!;
    if (progress.state !== "done") throw new Error(`rebuild ${progress.state}: ${progress.error}`);
    const { events, durationsMs } = progress.result!;
    if (events !== published.events) throw new Error(`the rebuild read ${events} of ${published.events} events`);
    ourRates.push(perSecond(events, elapsed));
    foldRates.push(perSecond(events, durationsMs.replay));
    console.error(`rebuild round ${round}: ${fmt(ourRates.at(-1)!)} events/s`);
    phases.push(`replay+fold ${durationsMs.replay} ms, write ${durationsMs.write} ms (overlapping), catch-up ${durationsMs.catchUp} ms, whole ${Math.round(elapsed)} ms`);
    if (previous !== "dossier_facts") await db.collection(previous).drop(); // keep the disk to one spare version
  }

  // The naive handler and the live path on the first events of the same stream.
  const sample = Math.min(naiveSample, published.events);
  const naive = db.collection<{ _id: string; events: unknown[] }>("naive_dossiers");
  let start = performance.now();
  let done = 0;
  for await (const { event } of replayEvents(servers.js, STREAMS.DOSSIER.name, { batchSize: 1_000 })) {
    if (done === sample) break;
    await naive.updateOne({ _id: event.subject }, { $push: { events: { id: event.id, type: event.type, time: event.time } } }, { upsert: true });
    done += 1;
  }
  const naiveRate = perSecond(done, performance.now() - start);
  console.error(`naive: ${fmt(naiveRate)} events/s`);
  const live = await MongoFactsStore.open(servers.mongo.db("bench_live"));
  const liveCount = Math.min(liveSample, published.events);
  start = performance.now();
  done = 0;
  for await (const { event } of replayEvents(servers.js, STREAMS.DOSSIER.name, { batchSize: 1_000 })) {
    if (done === liveCount) break;
    const fact = factFromEnvelope(event);
    if (fact) await live.apply(event.subject, fact);
    done += 1;
  }
  const liveRate = perSecond(done, performance.now() - start);

  const ours = median(ourRates);
  const bus = median(busRates);
  const line = (label: string, rate: number) =>
    console.log(`${label.padEnd(52)} ${fmt(rate).padStart(9)} events/s   ${(published.events / rate).toFixed(1).padStart(7)} s for ${fmt(published.events)}`);
  console.log(`\nrounds: ${rounds}; rebuild phases: ${phases.join(" | ")}`);
  console.log(`bus rates ${busRates.map(fmt).join(", ")}; rebuild rates ${ourRates.map(fmt).join(", ")} events/s`);
  line("limit: bus delivery, no work (median)", bus);
  line("ours: rebuild, whole (median)", ours);
  line("ours: rebuild, replay + fold only (median)", median(foldRates));
  line(`naive: one update per event (${fmt(sample)} sample, extrapolated)`, naiveRate);
  line(`live path: apply per event (${fmt(liveCount)} sample, extrapolated)`, liveRate);
  console.log(`\nours / limit = ${((100 * ours) / bus).toFixed(0)} % of the bus rate; replay + fold alone ${((100 * median(foldRates)) / bus).toFixed(0)} %`);
  console.log(`ours / naive = ${(ours / naiveRate).toFixed(1)} × faster; ours / live path = ${(ours / liveRate).toFixed(1)} ×`);
} finally {
  await servers.stop();
}
