/**
 * Benchmark (c): the service's memory against the number of events projected.
 *   - Rebuild path: the heap peak of the rebuild's fold after N events of the golden half-year
 *     (N from BENCH_MEMORY_STEPS), bounded (`Rebuilder`: BENCH_CHUNK_DOSSIERS records at most,
 *     written chunk by chunk) against the previous unbounded fold (every dossier's record in
 *     memory until the end of the stream) as baseline. Each run is a process of its own
 *     (bench/memory-run.ts: same starting heap, its own peak RSS); BENCH_ROUNDS runs per size and
 *     variant, medians printed. Chunks are handed to a stand-in target (measured, then dropped),
 *     so FerretDB is not needed for this part.
 *   - Live path (the durable consumer folding each event into FerretDB through
 *     `MongoFactsStore.applyBatch`): heap and RSS after N events, N from
 *     BENCH_LIVE_STEPS (small: that path runs at tens of events per second on FerretDB/SQLite).
 * Heap is measured after a forced GC (run with --expose-gc, as the bench script does).
 *
 *   BENCH_MEMORY_STEPS=100000,300000,1000000 BENCH_ROUNDS=3 BENCH_CHUNK_DOSSIERS=20000 BENCH_LIVE_STEPS=300,600,1200 pnpm --filter @onestop/reporting bench:memory
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { consumerLag, startFactsConsumer } from "../src/adapters/bus/facts-consumer.js";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { DEFAULT_CHUNK_DOSSIERS } from "../src/app/rebuild.js";
import type { FactsStore } from "../src/app/ports.js";
import type { RunResult, Variant } from "./memory-run.js";
import { envNumber, fmt, median, publishGolden, startBenchServers } from "./support.js";

const steps = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(",")
    .map(Number)
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
const rebuildSteps = steps("BENCH_MEMORY_STEPS", "100000,300000,1000000");
const liveSteps = steps("BENCH_LIVE_STEPS", "300,600,1200");
const rounds = envNumber("BENCH_ROUNDS", 3);
const chunkDossiers = envNumber("BENCH_CHUNK_DOSSIERS", DEFAULT_CHUNK_DOSSIERS);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc (pnpm bench:memory does)");
const MB = 1024 * 1024;
function measure(): { heapMb: number; rssMb: number } {
  gc!();
  const usage = process.memoryUsage();
  return { heapMb: usage.heapUsed / MB, rssMb: usage.rss / MB };
}

const runScript = fileURLToPath(new URL("./memory-run.ts", import.meta.url));

/** One rebuild fold in a fresh process; resolves with what it measured. */
function measureRun(variant: Variant, events: number, natsUrl: string): Promise<RunResult> {
  const child = spawn(process.execPath, ["--expose-gc", "--conditions=onestop:source", "--import", "tsx", runScript], {
    env: { ...process.env, NATS_URL: natsUrl, BENCH_RUN_VARIANT: variant, BENCH_RUN_EVENTS: String(events), BENCH_CHUNK_DOSSIERS: String(chunkDossiers) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (data: Buffer) => (out += data.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${variant} run over ${events} events exited with ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!) as RunResult);
    });
  });
}

const mb = (n: number) => n.toFixed(1);

const servers = await startBenchServers("memory");
try {
  const published = await publishGolden(servers.js, 1, Math.max(...rebuildSteps, ...liveSteps));
  console.error(`published ${fmt(published.events)} events`);
  const start = measure();
  console.log(`at start: heap ${start.heapMb.toFixed(0)} MB, rss ${start.rssMb.toFixed(0)} MB`);

  const sizes = [...new Set(rebuildSteps.map((s) => Math.min(s, published.events)))];
  const runs = new Map<string, RunResult[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const events of sizes) {
      // Alternate which variant goes first, so neither always runs on a warmer machine.
      const order: Variant[] = round % 2 ? ["unbounded", "bounded"] : ["bounded", "unbounded"];
      for (const variant of order) {
        const result = await measureRun(variant, events, servers.nats.url);
        if (result.events !== events) throw new Error(`the ${variant} run read ${result.events} of ${events} events`);
        runs.set(`${variant}:${events}`, [...(runs.get(`${variant}:${events}`) ?? []), result]);
        console.error(
          `round ${round}, ${fmt(events)} events, ${variant}: heap peak ${mb(result.heapPeakMb)} MB (start ${mb(result.heapStartMb)}), rss peak ${mb(result.rssPeakMb)} MB, ${result.chunks} chunk(s), ${fmt(result.ms)} ms`,
        );
      }
    }
  }
  const medianOf = (variant: Variant, events: number, pick: (r: RunResult) => number) => median(runs.get(`${variant}:${events}`)!.map(pick));
  const above = (r: RunResult) => r.heapPeakMb - r.heapStartMb;

  console.log(`\nrebuild path: heap peak of the fold, above the run's start (forced GC; medians of ${rounds} runs, one process each); chunks of ${fmt(chunkDossiers)} records`);
  console.log("events      dossiers   resolved   unbounded MB   bounded MB   unbounded/bounded   peak RSS MB unbounded / bounded   chunks");
  for (const events of sizes) {
    const baseline = runs.get(`unbounded:${events}`)![0]!;
    const unbounded = medianOf("unbounded", events, above);
    const bounded = medianOf("bounded", events, above);
    console.log(
      `${fmt(events).padStart(9)} ${fmt(baseline.records).padStart(10)} ${fmt(baseline.resolved).padStart(10)} ${mb(unbounded).padStart(14)} ${mb(bounded).padStart(12)} ${`${(unbounded / bounded).toFixed(1)} ×`.padStart(19)}` +
        ` ${`${mb(medianOf("unbounded", events, (r) => r.rssPeakMb))} / ${mb(medianOf("bounded", events, (r) => r.rssPeakMb))}`.padStart(33)} ${String(runs.get(`bounded:${events}`)![0]!.chunks).padStart(8)}`,
    );
  }
  if (sizes.length > 1) {
    const [first, last] = [sizes[0]!, sizes.at(-1)!];
    const moreResolved = runs.get(`unbounded:${last}`)![0]!.resolved - runs.get(`unbounded:${first}`)![0]!.resolved;
    console.log(`\nfrom ${fmt(first)} to ${fmt(last)} events (${fmt(moreResolved)} more resolved dossiers), heap peak growth per 1.000 more resolved dossiers:`);
    for (const variant of ["unbounded", "bounded"] as const) {
      const growth = medianOf(variant, last, above) - medianOf(variant, first, above);
      console.log(`  ${variant.padEnd(9)} ${mb(medianOf(variant, first, above))} → ${mb(medianOf(variant, last, above))} MB: ${fmt((growth * 1024 * 1000) / moreResolved)} KB per 1.000`);
    }
  }

  console.log("\nlive path (durable consumer + FerretDB), after N events:");
  console.log("events   heap MB   rss MB");
  const db = servers.mongo.db("bench_memory_live");
  const store = await MongoFactsStore.open(db);
  let applied = 0;
  const counting: FactsStore = {
    apply: async (code, event) => {
      const changed = await store.apply(code, event);
      applied += 1;
      return changed;
    },
    applyBatch: async (events) => {
      await store.applyBatch(events);
      applied += events.length;
    },
    candidates: (...args) => store.candidates(...args),
  };
  const jsm = await jetstreamManager(servers.nc);
  const log = { warn: () => undefined, error: (message: string) => console.error(message) };
  const consumer = await startFactsConsumer({ nats: servers.nc, js: servers.js, jsm, store: counting, durable: "bench-memory", log });
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
