/**
 * One measured rebuild fold, in a process of its own (started by memory.bench.ts, so every run
 * starts from the same empty heap and its peak RSS is its own): replays the first BENCH_RUN_EVENTS
 * messages of the DOSSIER stream at NATS_URL and prints one JSON line (RunResult).
 *   - "unbounded": the previous rebuild fold, kept here as the baseline only: every dossier's
 *     record in one map until the end of the stream, measured there (its peak).
 *   - "bounded": `Rebuilder` with BENCH_CHUNK_DOSSIERS per chunk; a stand-in target takes
 *     BENCH_WRITE_US_PER_RECORD (150 µs, about FerretDB's pace) to write each record, so the next
 *     chunk is folded meanwhile, as with the real store; it measures the heap at the end of each
 *     write (the chunk written and the next one folded both held: the fold's peaks) and drops the
 *     records, as the real target does once they are written (FerretDB is not needed for this).
 * Heap is measured after a forced GC (run with --expose-gc).
 */
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { STREAMS } from "@onestop/contracts";
import { streamReplay } from "../src/adapters/bus/replay-source.js";
import { DEFAULT_CHUNK_DOSSIERS, Rebuilder, type RebuildableFactsStore, type ReplaySource } from "../src/app/rebuild.js";
import { emptyFacts, factFromEnvelope, finishedAt, foldEvent, MalformedEventError, type DossierFacts } from "../src/domain/index.js";
import { envNumber } from "./support.js";

export type Variant = "unbounded" | "bounded";

export interface RunResult {
  variant: Variant;
  events: number;
  /** Records handed to the target: distinct dossiers for "unbounded"; for "bounded" a dossier straddling a chunk boundary counts in each chunk. */
  records: number;
  /** Records finished (decision, refusal, withdrawal or closure) among them. */
  resolved: number;
  chunks: number;
  heapStartMb: number;
  heapPeakMb: number;
  rssPeakMb: number;
  ms: number;
}

const MB = 1024 * 1024;

/** The first `limit` messages of a source. */
function firstEvents(source: ReplaySource, limit: number): ReplaySource {
  return {
    name: source.name,
    async *replay(fromSeq, onPosition) {
      if (fromSeq > limit) return;
      for await (const item of source.replay(fromSeq, onPosition)) {
        if (item.seq > limit) return;
        yield item;
      }
    },
  };
}

/** Before this change the rebuild folded the whole stream into one map, then wrote it: the baseline. */
async function unboundedFold(source: ReplaySource, onFolded: (records: readonly DossierFacts[]) => void): Promise<number> {
  const facts = new Map<string, DossierFacts>();
  let events = 0;
  for await (const { event } of source.replay(1)) {
    events += 1;
    try {
      const fact = factFromEnvelope(event);
      if (fact) facts.set(event.subject, foldEvent(facts.get(event.subject) ?? emptyFacts(event.subject), fact));
    } catch (error) {
      if (!(error instanceof MalformedEventError)) throw error;
    }
  }
  onFolded([...facts.values()]);
  return events;
}

/**
 * Stands in for the store: each chunk's write takes `writeUsPerRecord` per record (as a real store
 * would, so the next chunk is folded meanwhile), then it is handed to `onChunk` (still held, with
 * the next one being folded: the peak) and forgotten.
 */
function standInStore(onChunk: (records: readonly DossierFacts[]) => void, writeUsPerRecord: number): RebuildableFactsStore {
  const unused = () => Promise.reject(new Error("not used by this benchmark"));
  let active = "dossier_facts";
  return {
    get activeCollection() {
      return active;
    },
    createRebuildTarget: async (name = "memory-only") => ({
      name,
      writeChunk: async (records) => {
        await new Promise((resolve) => setTimeout(resolve, (records.length * writeUsPerRecord) / 1000));
        onChunk(records);
        return { inserted: records.length, merged: 0 };
      },
      deriveTallies: async () => undefined,
      apply: async () => false,
    }),
    switchTo: async (target) => {
      active = target.name;
    },
    apply: unused,
    applyBatch: unused,
    candidates: unused,
  };
}

async function run(variant: Variant, limit: number, chunkDossiers: number, natsUrl: string): Promise<RunResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const heapNow = () => {
    gc();
    return process.memoryUsage().heapUsed / MB;
  };
  const nc = await connect({ servers: natsUrl });
  try {
    const source = firstEvents(
      streamReplay(jetstream(nc), STREAMS.DOSSIER.name, () => undefined),
      limit,
    );
    const heapStartMb = heapNow();
    let heapPeakMb = heapStartMb;
    let records = 0;
    let resolved = 0;
    let chunks = 0;
    const handedOver = (chunk: readonly DossierFacts[]) => {
      heapPeakMb = Math.max(heapPeakMb, heapNow());
      records += chunk.length;
      resolved += chunk.filter((facts) => finishedAt(facts) !== undefined).length;
      chunks += 1;
    };
    const started = performance.now();
    let events: number;
    if (variant === "unbounded") events = await unboundedFold(source, handedOver);
    else {
      const rebuilder = new Rebuilder(standInStore(handedOver, envNumber("BENCH_WRITE_US_PER_RECORD", 150)), [source], { chunkDossiers });
      await rebuilder.start();
      await rebuilder.settled();
      const progress = (await rebuilder.progress())!;
      if (progress.state !== "done") throw new Error(`rebuild ${progress.state}: ${progress.error}`);
      events = progress.result!.events;
    }
    const ms = Math.round(performance.now() - started);
    return { variant, events, records, resolved, chunks, heapStartMb, heapPeakMb, rssPeakMb: process.resourceUsage().maxRSS / 1024, ms };
  } finally {
    await nc.close();
  }
}

const variant = process.env.BENCH_RUN_VARIANT;
if (variant !== "unbounded" && variant !== "bounded") throw new Error(`BENCH_RUN_VARIANT must be "unbounded" or "bounded", got "${variant}"`);
const natsUrl = process.env.NATS_URL;
if (!natsUrl) throw new Error("NATS_URL must name the bench's nats-server");
const result = await run(variant, envNumber("BENCH_RUN_EVENTS", Infinity), envNumber("BENCH_CHUNK_DOSSIERS", DEFAULT_CHUNK_DOSSIERS), natsUrl);
process.stdout.write(`${JSON.stringify(result)}\n`);
