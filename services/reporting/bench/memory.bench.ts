/**
 * Benchmark (c): the service's memory against the number of events projected.
 *   - Rebuild path (`Rebuilder`, replay + fold in memory): heap and RSS at the moment the fold
 *     is complete (just before the new collection is written, its peak), after N events of the
 *     golden half-year, N from BENCH_MEMORY_STEPS. The new collection is not written (a
 *     recording target stands in for it), so FerretDB is not needed for this part.
 *   - Live path (the durable consumer folding each event into FerretDB through
 *     `MongoFactsStore.apply` and the ledger): heap and RSS after N events, N from
 *     BENCH_LIVE_STEPS (small: that path runs at tens of events per second on FerretDB/SQLite).
 * Heap is measured after a forced GC (run with --expose-gc, as the bench script does).
 *
 *   BENCH_MEMORY_STEPS=100000,300000,1000000 BENCH_LIVE_STEPS=300,600,1200 pnpm --filter @onestop/reporting bench:memory
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { ProcessedEventLedger } from "@onestop/bus";
import { KeyedLock } from "@onestop/service-kit";
import { consumerLag, startFactsConsumer } from "../src/adapters/bus/facts-consumer.js";
import { dossierReplay } from "../src/adapters/bus/replay-source.js";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { Rebuilder, type RebuildableFactsStore, type ReplaySource } from "../src/app/rebuild.js";
import type { FactsStore } from "../src/app/ports.js";
import { fmt, publishGolden, startBenchServers } from "./support.js";

const steps = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(",")
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
const rebuildSteps = steps("BENCH_MEMORY_STEPS", "100000,300000,1000000");
const liveSteps = steps("BENCH_LIVE_STEPS", "300,600,1200");

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (pnpm bench:memory does)");
const MB = 1024 * 1024;
function measure(): { heapMb: number; rssMb: number } {
  gc!();
  const usage = process.memoryUsage();
  return { heapMb: usage.heapUsed / MB, rssMb: usage.rss / MB };
}

/** The first `limit` messages of a source. */
function firstEvents(source: ReplaySource, limit: number): ReplaySource {
  return {
    async *replay(fromSeq, onPosition) {
      if (fromSeq > limit) return;
      for await (const item of source.replay(fromSeq, onPosition)) {
        if (item.seq > limit) return;
        yield item;
      }
    },
  };
}

/** Stands in for the store: records the memory when the fold hands over its records, writes nothing. */
function recordingStore(onFolded: (dossiers: number) => void): RebuildableFactsStore {
  const unused = () => Promise.reject(new Error("not used by this benchmark"));
  return {
    createRebuildTarget: async () => ({
      name: "memory-only",
      insertAll: async (records) => onFolded(records.length),
      apply: async () => false,
    }),
    switchTo: async () => undefined,
    apply: unused,
    candidates: unused,
    awaitingReceipt: unused,
  };
}

const servers = await startBenchServers("memory");
try {
  const published = await publishGolden(servers.js, 1, Math.max(...rebuildSteps, ...liveSteps));
  console.error(`published ${fmt(published.events)} events`);
  const source = dossierReplay(servers.js, () => undefined);
  const start = measure();
  console.log(`at start: heap ${start.heapMb.toFixed(0)} MB, rss ${start.rssMb.toFixed(0)} MB`);

  console.log("\nrebuild path (replay + fold in memory), at its peak:");
  console.log("events      dossiers   heap MB   rss MB   heap above start per dossier");
  for (const n of rebuildSteps.map((s) => Math.min(s, published.events))) {
    let peak = { heapMb: 0, rssMb: 0 };
    let dossiers = 0;
    const rebuilder = new Rebuilder(
      recordingStore((count) => {
        peak = measure();
        dossiers = count;
      }),
      firstEvents(source, n),
    );
    rebuilder.start();
    await rebuilder.settled();
    const state = rebuilder.progress()!;
    if (state.state !== "done") throw new Error(`rebuild ${state.state}: ${state.error}`);
    const perDossier = ((peak.heapMb - start.heapMb) * MB) / dossiers;
    console.log(`${fmt(n).padStart(9)} ${fmt(dossiers).padStart(10)} ${peak.heapMb.toFixed(0).padStart(9)} ${peak.rssMb.toFixed(0).padStart(8)}   ${fmt(perDossier)} B`);
  }

  console.log("\nlive path (durable consumer + FerretDB), after N events:");
  console.log("events   heap MB   rss MB");
  const db = servers.mongo.db("bench_memory_live");
  const store = await MongoFactsStore.open(db, new KeyedLock());
  let applied = 0;
  const counting: FactsStore = {
    apply: async (code, event) => {
      const changed = await store.apply(code, event);
      applied += 1;
      return changed;
    },
    candidates: (...args) => store.candidates(...args),
    awaitingReceipt: () => store.awaitingReceipt(),
  };
  const jsm = await jetstreamManager(servers.nc);
  const log = { warn: () => undefined, error: (message: string) => console.error(message) };
  const consumer = await startFactsConsumer({ nats: servers.nc, js: servers.js, jsm, store: counting, ledger: await ProcessedEventLedger.open(db), durable: "bench-memory", log });
  try {
    const lag = consumerLag(jsm, "bench-memory");
    for (const n of liveSteps) {
      while (applied < n) await new Promise((resolve) => setTimeout(resolve, 100));
      const now = measure();
      console.log(`${fmt(n).padStart(6)} ${now.heapMb.toFixed(0).padStart(9)} ${now.rssMb.toFixed(0).padStart(8)}   (lag ${fmt(await lag.pendingEvents())})`);
    }
  } finally {
    await consumer.stop();
  }
} finally {
  await servers.stop();
}
