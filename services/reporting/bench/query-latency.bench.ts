/**
 * Benchmark (b): latency of the report queries on a large read model (default 1.000.000
 * dossiers: the golden half-year generated at 3,12× Bắc Giang's size, spread over 210 agencies),
 * side by side on the same FerretDB:
 *   - ours: ReportQueries, served from the stored per-agency tallies (warm; plus the first query
 *     that computes them, and the query after one late event, which recomputes one agency);
 *   - baseline: the same report computed at query time from the per-dossier collection (every
 *     candidate record loaded, classified and folded: what the service did before the tallies).
 * Both produce the same form; the bench checks it. Medians of BENCH_ROUNDS rounds (baseline:
 * BENCH_BASELINE_ROUNDS, default 1: on FerretDB it reads about 1.000 records a second, so a
 * baseline query on 1M dossiers takes minutes). Knobs: BENCH_DOSSIERS, BENCH_ROUNDS, BENCH_BASELINE_ROUNDS.
 */
import { defaultCalendar } from "@onestop/calendar";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { MongoFrozenReports } from "../src/adapters/store/frozen-reports.js";
import { MongoTallyStore } from "../src/adapters/store/tally-store.js";
import { ReportQueries } from "../src/app/reports.js";
import {
  boundsOf,
  dossiersOfPeriod,
  emptyFacts,
  factFromEnvelope,
  finishedAt,
  foldEvent,
  formatCount,
  tthcForm,
  type DossierFacts,
  type Level,
  type Period,
  type ReportScope,
} from "../src/domain/index.js";
import { StreamGenerator } from "../test/golden/generator.js";
import { seedProcedures } from "../test/golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "../test/golden/targets.js";
import { envNumber, fmt, median, PERIOD, startBenchServers } from "./support.js";

const DOSSIERS = envNumber("BENCH_DOSSIERS", 1_000_000);
const ROUNDS = envNumber("BENCH_ROUNDS", 7);
const BASELINE_ROUNDS = envNumber("BENCH_BASELINE_ROUNDS", 1);
// The golden half-year at scale 1 has 321.163 dossiers (in the period and outside it).
const SCALE = DOSSIERS / 321_163;
const WRITE_CHUNK = 10_000;

/** 180 communes, 10 districts, 20 provincial departments: codes in the registry's format. */
function agencyFor(level: Level, serial: number): string {
  const two = (n: number) => String(n).padStart(2, "0");
  if (level === "COMMUNE") return `000.${two(1 + (serial % 90))}.${31 + ((serial >> 7) % 2)}.H04`;
  if (level === "DISTRICT") return `000.00.${31 + (serial % 10)}.H04`;
  return `000.00.${two(1 + (serial % 20))}.H04`;
}

const { procedures, sectors } = seedProcedures();
const servers = await startBenchServers("query-latency");
try {
  const db = servers.mongo.db("bench_reporting");
  const store = await MongoFactsStore.open(db);
  const tallyStore = new MongoTallyStore(db, () => store.activeCollection);

  // Load: generate, fold each dossier, write through the rebuild path (which counts the agencies).
  const generator = new StreamGenerator({ seed: 2, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, SCALE), procedures, calendar: defaultCalendar });
  const target = await store.createRebuildTarget();
  const t0 = performance.now();
  let chunk: DossierFacts[] = [];
  let written = 0;
  let serial = 0;
  const flush = async () => {
    await target.writeChunk(chunk);
    written += chunk.length;
    chunk = [];
    const rate = Math.round((written / (performance.now() - t0)) * 1000);
    process.stdout.write(`\rloading ${formatCount(written)} dossiers (${formatCount(rate)}/s)   `);
  };
  for (const dossier of generator.dossiers()) {
    let record = emptyFacts(dossier.code);
    for (const event of dossier.events) record = foldEvent(record, factFromEnvelope(event)!);
    if (record.receipt) record = { ...record, receipt: { ...record.receipt, agencyCode: agencyFor(record.receipt.level, serial++) } };
    chunk.push(record);
    if (chunk.length >= WRITE_CHUNK) await flush();
  }
  await flush();
  await store.switchTo(target);
  console.log(`\nloaded ${formatCount(written)} dossiers in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const reports = new ReportQueries({ store, tallies: tallyStore, frozen: MongoFrozenReports.open(db), lag: { pendingEvents: async () => 0 }, calendar: defaultCalendar, sectors, procedures });
  const baseline = async (period: Period, scope: ReportScope) => {
    const { fromMs, toMs } = boundsOf(period);
    const [records, awaitingReceipt] = await Promise.all([store.candidates(fromMs, toMs, scope), store.awaitingReceipt()]);
    return tthcForm({ ...dossiersOfPeriod(records, period, scope, defaultCalendar), awaitingReceipt }, sectors);
  };
  const timed = async <T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> => {
    const start = performance.now();
    const value = await run();
    return { ms: performance.now() - start, value };
  };

  const Q2: Period = { from: "2024-04-01", to: "2024-06-30" };
  const province = { name: "tthc Q2/2024, whole province", run: () => reports.tthc(Q2, {}) };
  const queries: Array<{ name: string; run: () => Promise<unknown> }> = [
    province,
    { name: "tthc Q2/2024, commune level", run: () => reports.tthc(Q2, { level: "COMMUNE" }) },
    { name: "tthc Q2/2024, one commune", run: () => reports.tthc(Q2, { agencyCode: agencyFor("COMMUNE", 0) }) },
    { name: "quarterly form Q2/2024", run: () => reports.quarterly(Q2, {}) },
    { name: "Decision 766 Q2/2024", run: () => reports.indicators(Q2, {}) },
  ];

  const cold = await timed(province.run);
  console.log(`first query of Q2 (computes every agency's tally from the facts): ${fmt(cold.ms)} ms`);
  const warm = new Map<string, number>();
  for (const query of queries) {
    const ours: number[] = [];
    for (let round = 0; round < ROUNDS; round++) ours.push((await timed(query.run)).ms);
    warm.set(query.name, median(ours));
    console.log(`${query.name}: stored tallies ${fmt(median(ours))} ms (median of ${ROUNDS})`);
  }

  // The baseline reads and classifies every candidate record: on FerretDB about 1 ms per record.
  const base: number[] = [];
  let same = true;
  for (let round = 0; round < BASELINE_ROUNDS; round++) {
    const b = await timed(() => baseline(Q2, {}));
    base.push(b.ms);
    const ours = await reports.tthc(Q2, {});
    same &&= JSON.stringify(b.value.totals) === JSON.stringify(ours.report.totals) && JSON.stringify(b.value.rows) === JSON.stringify(ours.report.rows);
  }
  const [ours, baselineMs] = [warm.get(province.name)!, median(base)];
  console.log(`${province.name}: stored tallies ${fmt(ours)} ms vs computed at query time ${fmt(baselineMs)} ms (median of ${BASELINE_ROUNDS}): ratio ${(baselineMs / ours).toFixed(0)}; same form: ${same}`);
  if (!same) process.exitCode = 1;

  // One late decision for a dossier still open at Q2's end: only its agency's tally goes stale
  // (on FerretDB the recomputation still scans every record: no index use).
  const { fromMs, toMs } = boundsOf(Q2);
  const agency = agencyFor("COMMUNE", 0);
  const openAtEnd = (await store.candidates(fromMs, toMs, { agencyCode: agency })).find((facts) => finishedAt(facts) === undefined || Date.parse(finishedAt(facts)!) > toMs);
  if (!openAtEnd) throw new Error(`no dossier of ${agency} open at the end of Q2: cannot measure the late event`);
  const before = await reports.tthc(Q2, { agencyCode: agency });
  await store.apply(openAtEnd.dossierCode, { kind: "RESOLVED", eventId: "bench-late-decision", at: "2024-06-28T10:00:00+07:00", outcome: "APPROVED" });
  const after = await timed(province.run);
  const next = await timed(province.run);
  const moved = (await reports.tthc(Q2, { agencyCode: agency })).report.totals.resolved.total - before.report.totals.resolved.total;
  console.log(`after one late decision (${agency} resolved +${moved}): the next query recomputes its agency in ${fmt(after.ms)} ms; the one after is served in ${fmt(next.ms)} ms`);
} finally {
  await servers.stop();
}
