/**
 * Benchmark (b): latency of the report queries on a large read model (default 1.000.000
 * dossiers: the golden half-year generated at 3,12× Bắc Giang's size, spread over 210 agencies),
 * side by side on the same FerretDB:
 *   - ours: ReportQueries, served from the kept tallies (the first query of the period after a
 *     late event, then warm queries, whole province and scoped);
 *   - baseline: the same report computed at query time from the per-dossier collection (every
 *     candidate record loaded, classified and folded: what the service did before the tallies).
 * Both produce the same form; the bench checks it. Medians of BENCH_ROUNDS rounds (baseline:
 * BENCH_BASELINE_ROUNDS, default 1: on FerretDB it reads about 1.000 records a second, so a
 * baseline query on 1M dossiers takes minutes; "skip" skips it). Knobs: BENCH_DOSSIERS, BENCH_ROUNDS, BENCH_BASELINE_ROUNDS.
 */
import { defaultCalendar } from "@onestop/calendar";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { MongoFrozenReports } from "../src/adapters/store/frozen-reports.js";
import { MongoTallyReader } from "../src/adapters/store/tally-reader.js";
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
/** "skip": no baseline (it takes minutes per query at 1M on FerretDB). */
const BASELINE_ROUNDS = process.env.BENCH_BASELINE_ROUNDS === "skip" ? 0 : envNumber("BENCH_BASELINE_ROUNDS", 1);
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

  // Load: generate, fold each dossier, write through the rebuild path (which counts the agencies).
  const generator = new StreamGenerator({ seed: 2, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, SCALE), procedures, calendar: defaultCalendar });
  const target = await store.createRebuildTarget();
  const t0 = performance.now();
  let chunk: DossierFacts[] = [];
  let written = 0;
  let serial = 0;
  let chunks = 0;
  const flush = async () => {
    // As a new rebuild writes its chunks: the target sums the kept tallies meanwhile.
    await target.writeChunk(chunk, { attempt: 0, chunk: ++chunks });
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
  console.log(`\nloaded ${formatCount(written)} dossiers in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  // As a rebuild does after its last chunk: the kept tallies written (summed while the chunks went in).
  const deriveStart = performance.now();
  await target.deriveTallies();
  console.log(`kept tallies written in ${((performance.now() - deriveStart) / 1000).toFixed(0)} s`);
  await store.switchTo(target);

  const reports = new ReportQueries({
    store,
    tallies: new MongoTallyReader(() => store.talliesOf(), store.series),
    frozen: MongoFrozenReports.open(db),
    lag: { pendingEvents: async () => 0 },
    calendar: defaultCalendar,
    sectors,
    procedures,
  });
  // Today's query-time computation: every candidate record read and classified.
  const baseline = async (period: Period, scope: ReportScope) => {
    const { fromMs, toMs } = boundsOf(period);
    const records = await store.candidates(fromMs, toMs, scope);
    return tthcForm({ ...dossiersOfPeriod(records, period, scope, defaultCalendar), awaitingReceipt: 0 }, sectors);
  };
  const timed = async <T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> => {
    const start = performance.now();
    const value = await run();
    return { ms: performance.now() - start, value };
  };

  const Q2: Period = { from: "2024-04-01", to: "2024-06-30" };
  // The agency with the most dossiers still open at Q2's end: each round resolves one late.
  const { fromMs, toMs } = boundsOf(Q2);
  const openByAgency = new Map<string, DossierFacts[]>();
  for (const facts of await store.candidates(fromMs, toMs, {})) {
    const finished = finishedAt(facts);
    if (finished !== undefined && Date.parse(finished) <= toMs) continue;
    const agency = facts.receipt!.agencyCode;
    openByAgency.set(agency, [...(openByAgency.get(agency) ?? []), facts]);
  }
  const [agency, open] = [...openByAgency].sort((a, b) => b[1].length - a[1].length)[0] ?? ["", []];
  const province = { name: "tthc Q2/2024, whole province", run: () => reports.tthc(Q2, {}) };
  const scoped: Array<{ name: string; run: () => Promise<unknown> }> = [
    { name: "tthc Q2/2024, commune level", run: () => reports.tthc(Q2, { level: "COMMUNE" }) },
    { name: "tthc Q2/2024, one agency", run: () => reports.tthc(Q2, { agencyCode: agency }) },
    { name: "tthc Q2/2024, one sector", run: () => reports.tthc(Q2, { sectorCode: sectors[0]!.code }) },
    { name: "tthc 06/2024, one agency", run: () => reports.tthc({ from: "2024-06-01", to: "2024-06-30" }, { agencyCode: agency }) },
    { name: "quarterly form Q2/2024, one agency", run: () => reports.quarterly(Q2, { agencyCode: agency }) },
    { name: "Decision 766 Q2/2024, one agency", run: () => reports.indicators(Q2, { agencyCode: agency }) },
  ];

  // The first query of a period after a late event, each round a new late decision of a dossier
  // still open at Q2's end: the fold moved it between tally lines, the query only reads them.
  if (open.length < ROUNDS) throw new Error(`only ${open.length} dossiers of ${agency} open at the end of Q2: cannot measure ${ROUNDS} late events`);
  const before = await reports.tthc(Q2, { agencyCode: agency });
  const afterLate: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await store.apply(open[round]!.dossierCode, { kind: "RESOLVED", eventId: `bench-late-${round}`, at: "2024-06-28T10:00:00+07:00", outcome: "APPROVED" });
    afterLate.push((await timed(province.run)).ms);
  }
  const moved = (await reports.tthc(Q2, { agencyCode: agency })).report.totals.resolved.total - before.report.totals.resolved.total;
  console.log(`first query of Q2 after a late decision (${agency} resolved +${moved} of ${ROUNDS}): ${fmt(median(afterLate))} ms (median of ${ROUNDS}; target < 1.000 ms)`);
  if (moved !== ROUNDS) process.exitCode = 1;

  const results: Array<{ name: string; ms: number }> = [];
  for (const query of [province, ...scoped]) {
    const ours: number[] = [];
    for (let round = 0; round < ROUNDS; round++) ours.push((await timed(query.run)).ms);
    results.push({ name: query.name, ms: median(ours) });
    console.log(`${query.name}: kept tallies ${fmt(median(ours))} ms (median of ${ROUNDS})`);
  }
  const slowestScoped = Math.max(...results.slice(1).map((result) => result.ms));
  console.log(`slowest scoped query: ${fmt(slowestScoped)} ms (target < 300 ms)`);

  // The baseline reads and classifies every candidate record: on FerretDB about 1 ms per record.
  for (const [name, period, scope] of [
    ["tthc Q2/2024, one agency", Q2, { agencyCode: agency }],
    ["tthc Q2/2024, whole province", Q2, {}],
  ] as const) {
    const base: number[] = [];
    let same = true;
    if (BASELINE_ROUNDS < 1) continue;
    for (let round = 0; round < BASELINE_ROUNDS; round++) {
      const b = await timed(() => baseline(period, scope));
      base.push(b.ms);
      const ours = await reports.tthc(period, scope);
      same &&= JSON.stringify(b.value.totals) === JSON.stringify(ours.report.totals) && JSON.stringify(b.value.rows) === JSON.stringify(ours.report.rows);
    }
    const ours = results.find((result) => result.name === name)!.ms;
    console.log(
      `${name}: kept tallies ${fmt(ours)} ms vs computed at query time ${fmt(median(base))} ms (median of ${BASELINE_ROUNDS}): ratio ${(median(base) / ours).toFixed(0)}; same form: ${same}`,
    );
    if (!same) process.exitCode = 1;
  }
} finally {
  await servers.stop();
}
