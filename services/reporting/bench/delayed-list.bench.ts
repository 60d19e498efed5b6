/**
 * Benchmark: the delayed-dossiers list of one agency at 1.000.000 dossiers (BENCH_DOSSIERS),
 * side by side on the same FerretDB:
 *   - ours: DelayedQueries over the delayed read model (the agency's BUCKETS documents read by `_id`);
 *   - baseline: a scan of the facts: the agency's open records found in `dossier_facts` by a
 *     filter on its fields (what the service could do without the read model), each judged the same way.
 * Both must give the same list. Target: ours < 300 ms (median).
 *
 * Data: 200 agencies, the one benchmarked holding 5 % of the dossiers; received over the last
 * 120 days before now; 3 % still open (as in Bắc Giang's half-year: 9.893 pending of 314.849), the
 * others resolved. The read model is loaded through its own fold (applyBatch, in batches of 2.000
 * dossiers' events, as the consumer hands them) and the facts records through the facts store's
 * document layout. Rounds alternate; medians of BENCH_ROUNDS (ours, default 15) and
 * BENCH_BASELINE_ROUNDS (scan, default 3).
 */
import { defaultCalendar, formatInstant } from "@onestop/calendar";
import { documentOf, MongoFactsStore, factsOf } from "../src/adapters/store/facts-store.js";
import { MongoDelayedStore } from "../src/adapters/store/delayed-store.js";
import { DelayedQueries } from "../src/app/delayed.js";
import type { DossierEvent } from "../src/app/ports.js";
import { emptyFacts, foldEvent, formatCount, openDossierOf, selectDelayed, type DossierFacts, type FactEvent, type Level } from "../src/domain/index.js";
import { envNumber, fmt, median, startBenchServers } from "./support.js";

const DOSSIERS = envNumber("BENCH_DOSSIERS", 1_000_000);
const ROUNDS = envNumber("BENCH_ROUNDS", 15);
const BASELINE_ROUNDS = envNumber("BENCH_BASELINE_ROUNDS", 3);
const TARGET_MS = 300;
const AGENCIES = 200;
const AGENCY = "000.00.03.H06";
const OPEN = Number.MAX_SAFE_INTEGER;
const CHUNK = 2_000;

/** A deterministic pseudo-random stream (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agencyOf = (n: number) => (n === 0 ? AGENCY : `000.${String(10 + (n % 80)).padStart(2, "0")}.${31 + (n % 9)}.H06`);
const levelOf = (n: number): Level => (n === 0 ? "PROVINCE" : n % 3 === 0 ? "COMMUNE" : n % 3 === 1 ? "DISTRICT" : "PROVINCE");

/** The events of dossier `i`: a receipt and, for 97 %, the decision. */
function* dossiers(now: number): Generator<{ code: string; events: FactEvent[] }> {
  const next = random(42);
  for (let i = 0; i < DOSSIERS; i++) {
    const agencyIndex = next() < 0.05 ? 0 : 1 + Math.floor(next() * (AGENCIES - 1));
    const agencyCode = agencyOf(agencyIndex);
    const receivedMs = now - Math.floor(next() * 120 * 86_400_000);
    const receivedAt = formatInstant(receivedMs);
    const days = [3, 5, 7, 10][i % 4]!;
    const dueAt = `${defaultCalendar.addWorkingDays(receivedAt.slice(0, 10), days)}T23:59:59.999+07:00`;
    const code = `${agencyCode}-${receivedAt.slice(2, 10).replaceAll("-", "")}-${String(i).padStart(7, "0")}`;
    const events: FactEvent[] = [
      {
        kind: "RECEIVED",
        eventId: `r-${i}`,
        receipt: {
          eventId: `r-${i}`,
          procedureCode: ["3.000333", "1.001193", "1.011441", "1.004873"][i % 4]!,
          sectorCode: ["LY_LICH_TU_PHAP", "HO_TICH", "XAY_DUNG", "HO_TICH"][i % 4]!,
          agencyCode,
          level: levelOf(agencyIndex),
          channel: next() < 0.95 ? "ONLINE" : "IN_PERSON",
          onlineMode: "FULL",
          receivedAt,
          dueAt,
          timeLimit: { amount: days, unit: "WORKING_DAYS", sameDay: false },
          feeAmounts: [0],
        },
      },
    ];
    const resolvedMs = receivedMs + Math.floor(next() * days * 1.3 * 86_400_000);
    if (next() >= 0.03 && resolvedMs < now) events.push({ kind: "RESOLVED", eventId: `d-${i}`, at: formatInstant(resolvedMs), outcome: "APPROVED" });
    yield { code, events };
  }
}

const servers = await startBenchServers("delayed-list");
try {
  const db = servers.mongo.db("bench_reporting");
  await MongoFactsStore.open(db); // the facts collection with its indexes, as the service makes it
  const facts = db.collection("dossier_facts");
  const delayedStore = MongoDelayedStore.open(db, defaultCalendar);
  const now = Date.now();

  // Load both from the same dossiers.
  const loadStarted = performance.now();
  let foldMs = 0;
  let batch: DossierEvent[] = [];
  let documents: ReturnType<typeof documentOf>[] = [];
  let loaded = 0;
  const flush = async () => {
    const foldStarted = performance.now();
    if (batch.length) await delayedStore.applyBatch(batch);
    foldMs += performance.now() - foldStarted;
    if (documents.length) await facts.insertMany(documents as never[], { ordered: false });
    batch = [];
    documents = [];
  };
  for (const { code, events } of dossiers(now)) {
    let record: DossierFacts = emptyFacts(code);
    for (const event of events) {
      record = foldEvent(record, event);
      batch.push({ dossierCode: code, event });
    }
    documents.push(documentOf(record, 1));
    loaded += 1;
    if (loaded % CHUNK === 0) await flush();
    if (loaded % 100_000 === 0) console.log(`  loaded ${fmt(loaded)} dossiers (${fmt((performance.now() - loadStarted) / 1000)} s; delayed fold ${fmt((loaded / foldMs) * 1000)} dossiers/s)`);
  }
  await flush();
  console.log(`loaded ${fmt(DOSSIERS)} dossiers in ${fmt((performance.now() - loadStarted) / 1000)} s; the delayed fold took ${fmt(foldMs / 1000)} s (${fmt((DOSSIERS / foldMs) * 1000)} dossiers/s)`);

  const queries = new DelayedQueries({ store: delayedStore, lag: { pendingEvents: async () => 0 }, calendar: defaultCalendar, now: () => new Date(now) });
  const request = { scope: { agencyCode: AGENCY }, withinDays: 2, pageSize: 100, offset: 0 };
  const ours = async () => (await queries.list(request)).dossiers.map((d) => d.dossierCode);
  const baseline = async () => {
    const open = [];
    for await (const document of facts.find({ agencyCode: AGENCY, finishedAtMs: OPEN }, { projection: { factsJson: 1, facts: 1 } })) {
      const summary = openDossierOf(factsOf(document as never), defaultCalendar);
      if (summary) open.push(summary);
    }
    return selectDelayed(open, { agencyCode: AGENCY }, now, defaultCalendar, 2)
      .slice(0, 100)
      .map((d) => d.dossierCode);
  };

  const page = await queries.list(request);
  console.log(`agency ${AGENCY}: ${formatCount(page.total)} delayed (${formatCount(page.counts.overdue)} overdue, ${formatCount(page.counts.atRisk)} at risk), first page ${page.dossiers.length}`);
  const expected = await baseline();
  if (JSON.stringify(await ours()) !== JSON.stringify(expected)) throw new Error("the read model and the scan disagree on the list");
  if (expected.length === 0) throw new Error("no delayed dossier: nothing was measured");

  const time = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return performance.now() - started;
  };
  const oursMs: number[] = [];
  const baselineMs: number[] = [];
  for (let round = 0; round < Math.max(ROUNDS, BASELINE_ROUNDS); round++) {
    if (round < ROUNDS) oursMs.push(await time(ours));
    if (round < BASELINE_ROUNDS) baselineMs.push(await time(baseline));
  }
  const oursMedian = median(oursMs);
  const baselineMedian = median(baselineMs);
  console.log(`\ndelayed list of one agency at ${fmt(DOSSIERS)} dossiers (same FerretDB, same run):`);
  console.log(`  read model (buckets by _id): median ${oursMedian.toFixed(1)} ms over ${oursMs.length} rounds`);
  console.log(`  baseline (scan of the facts): median ${baselineMedian.toFixed(1)} ms over ${baselineMs.length} rounds`);
  console.log(`  ratio: ${(baselineMedian / oursMedian).toFixed(1)}x faster; target < ${TARGET_MS} ms: ${oursMedian < TARGET_MS ? "met" : "NOT met"}`);
  if (oursMedian >= TARGET_MS) process.exitCode = 1;
} finally {
  await servers.stop();
}
