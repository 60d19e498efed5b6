// FerretDB (SQLite) store operations on ~1 KB dossiers: the patched build (infra/ferretdb/patches)
// at growing collection sizes, and stock 1.24.2 at the smallest size, in the same run. At that size
// stock and patched alternate (insert batches and measuring rounds); one collection per server grows
// from size to size. Per-operation medians, stock/patched ratios and the target "every _id
// operation's median at the largest size within 2× of its median at the smallest" are printed.
//   pnpm bench:store                                  (10k, 100k, 1M; the 1M load takes minutes)
//   BENCH_SIZES=10000,100000 BENCH_OUT=/tmp/store-bench.json pnpm bench:store
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, startFerretDb, type FerretDbServer } from "@onestop/devservers";
import { BSON, MongoClient, type Collection } from "mongodb";

const SIZES = (process.env.BENCH_SIZES ?? "10000,100000,1000000").split(",").map(Number);
const BATCH = 1_000; // documents per insertMany, and updateOnes per bulkWrite
const ROUNDS = 5; // alternating stock/patched measuring rounds at the smallest size
const AGENCIES = 200;
// The services' write concern, so the numbers are the ones they get.
const WRITE_CONCERN = { w: "majority", journal: true } as const;
// Stock never answers a bulk of ≥100 updates and wedges the server: measured once, last, then killed.
const STOCK_BULK_TIMEOUT_MS = 20_000;
// A guard so that a patched bulk that hangs fails the run instead of stalling it.
const PATCHED_BULK_TIMEOUT_MS = 120_000;
// Per operation and size: sampling stops early past this (after one sample), for slow scans at 1M.
const SAMPLE_BUDGET_MS = 60_000;
const GROWTH_TARGET = 2;

type Side = "stock" | "patched";
type OpName = "insert" | "findOne" | "update" | "updateIf" | "bulk" | "findByAgency";
type MeasuredOp = Exclude<OpName, "insert">; // inserts are timed while loading
type Samples = Record<OpName, number[]>;

const OPS: { name: OpName; label: string; byId: boolean }[] = [
  { name: "insert", label: `insertMany ${BATCH} docs`, byId: false },
  { name: "findOne", label: "findOne({_id})", byId: true },
  { name: "update", label: "updateOne({_id}, $set+$inc)", byId: true },
  { name: "updateIf", label: "updateOne({_id, n: {$gte: 0}}, $inc)", byId: true },
  { name: "bulk", label: `bulkWrite ${BATCH} updateOne, distinct _ids`, byId: true },
  { name: "findByAgency", label: "find({agency}) indexed, toArray", byId: false },
];

// Samples per size; stock scans for every _id operation (hundreds of ms each at 10k), so fewer there.
const SAMPLE_COUNTS: Record<Side, Record<MeasuredOp, number>> = {
  patched: { findOne: 200, update: 200, updateIf: 200, bulk: 5, findByAgency: 5 },
  stock: { findOne: 30, update: 30, updateIf: 30, bulk: 0, findByAgency: 5 },
};

interface Store {
  side: Side;
  server: FerretDbServer;
  client: MongoClient;
  dossiers: Collection<Dossier>;
  size: number;
}

// Deterministic pseudo-random numbers (mulberry32), so every run samples the same way.
let seed = 0x5eed;
function random(below: number): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * below);
}

const agencyCode = (a: number) => `000.${String(10 + Math.floor(a / 20)).padStart(2, "0")}.${String(10 + (a % 20)).padStart(2, "0")}.H${String(a % 63).padStart(2, "0")}`;
const agencyOf = (i: number) => (i * 7_919) % AGENCIES;
const codeOf = (i: number) => `${agencyCode(agencyOf(i))}-2501${String(1 + (i % 28)).padStart(2, "0")}-${String(i).padStart(7, "0")}`;

function dossier(i: number) {
  const received = new Date(Date.UTC(2025, 0, 1 + (i % 28), 1 + (i % 9), i % 60));
  return {
    _id: codeOf(i),
    agency: agencyCode(agencyOf(i)),
    procedureCode: `1.00${4_000 + (i % 900)}`,
    channel: i % 3 === 0 ? "COUNTER" : "ONLINE",
    status: "RECEIVED",
    receivedAt: received,
    dueAt: new Date(received.getTime() + 5 * 86_400_000),
    applicant: {
      idNumber: `0240${String(90_000_000 + i).padStart(8, "0")}`,
      fullName: "Nguyễn Thị Hoa",
      phone: `09${String(12_345_678 + i).slice(-8)}`,
      email: `applicant${i}@example.vn`,
      address: { street: `${1 + (i % 300)} Đường Lê Lợi`, ward: "Phường Bến Nghé", province: "Thành phố Hồ Chí Minh" },
    },
    components: [
      { typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", pages: 2, fileId: `f-${i}-1` },
      { typeCode: "CCCD", name: "Căn cước công dân (bản sao có chứng thực)", pages: 1, fileId: `f-${i}-2` },
      { typeCode: "GXN_CU", name: "Giấy xác nhận tình trạng hôn nhân đã cấp trước đây", pages: 1, fileId: `f-${i}-3` },
    ],
    note: "Hồ sơ tiếp nhận qua Cổng Dịch vụ công; đã kiểm tra thành phần, chờ thụ lý và phân công cán bộ xử lý.",
    version: 1,
    n: 0,
  };
}
type Dossier = ReturnType<typeof dossier>;

const randomCode = (store: Store) => codeOf(random(store.size));

function expectMatched(result: { matchedCount: number }, expected: number): void {
  if (result.matchedCount !== expected) throw new Error(`matched ${result.matchedCount} documents, expected ${expected}`);
}

// Distinct _ids, as a bulk write usually has: with repeats the patched build takes a slower path
// (one commit per statement), and random repeats are likely at 10k but rare at 1M.
function bulkOfUpdates(store: Store) {
  const picked = new Set<number>();
  while (picked.size < BATCH) picked.add(random(store.size));
  return [...picked].map((i) => ({ updateOne: { filter: { _id: codeOf(i) }, update: { $inc: { n: 1 } } } }));
}

const OPERATIONS: Record<MeasuredOp, (store: Store) => Promise<void>> = {
  findOne: async (store) => {
    if (!(await store.dossiers.findOne({ _id: randomCode(store) }))) throw new Error("findOne found nothing");
  },
  update: async (store) => expectMatched(await store.dossiers.updateOne({ _id: randomCode(store) }, { $set: { status: "IN_REVIEW", updatedAt: new Date() }, $inc: { version: 1 } }), 1),
  updateIf: async (store) => expectMatched(await store.dossiers.updateOne({ _id: randomCode(store), n: { $gte: 0 } }, { $inc: { n: 1 } }), 1),
  bulk: async (store) => expectMatched(await withTimeout(store.dossiers.bulkWrite(bulkOfUpdates(store)), PATCHED_BULK_TIMEOUT_MS, `${store.side} bulkWrite at ${store.size}`), BATCH),
  findByAgency: async (store) => {
    const found = await store.dossiers.find({ agency: agencyCode(random(AGENCIES)) }).toArray();
    if (found.length === 0) throw new Error("find by agency found nothing");
  },
};

class Timeout extends Error {}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`${what}: no answer within ${ms / 1_000} s`)), ms)));
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** Runs `op` `count` times (at least once), stopping early once `budgetMs` is spent. */
async function sample(count: number, budgetMs: number, op: () => Promise<void>, into: number[]): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (i > 0 && performance.now() - start > budgetMs) break;
    into.push(await timed(op));
  }
}

/** One measuring pass over the operations; `share` of the size's samples (and budget) when split in rounds. */
async function measure(store: Store, into: Samples, share: number): Promise<void> {
  for (const name of Object.keys(OPERATIONS) as MeasuredOp[]) {
    const count = Math.ceil(SAMPLE_COUNTS[store.side][name] * share);
    if (count > 0) await sample(count, SAMPLE_BUDGET_MS * share, () => OPERATIONS[name](store), into[name]);
  }
}

/** Loads every store up to `size` documents, batch by batch, alternating which store goes first. */
async function load(stores: Store[], size: number, samples: Map<Store, Samples>): Promise<void> {
  process.stdout.write(`loading ${stores.map((s) => s.side).join(" and ")} to ${sizeLabel(size)}\n`);
  for (let batch = 0; stores[0]!.size < size; batch++) {
    for (const store of batch % 2 === 0 ? stores : [...stores].reverse()) {
      const from = store.size;
      const docs = Array.from({ length: BATCH }, (_, i) => dossier(from + i));
      samples.get(store)!.insert.push(await timed(() => store.dossiers.insertMany(docs)));
      store.size += BATCH;
    }
    if (stores[0]!.size % 100_000 === 0) process.stdout.write(`  loaded ${sizeLabel(stores[0]!.size)} (${stores.map((s) => s.side).join(", ")})\n`);
  }
  settleWriteback();
}

/**
 * Flushes what the load left for the kernel to write: measured right after loading 1M documents,
 * operations otherwise compete with a gigabyte of write-back, which is the load's cost, not theirs.
 */
function settleWriteback(): void {
  execFileSync("sync");
}

/** Stock's bulk of updates, last: returns its time, or why it has none (and the server is killed). */
async function stockBulk(store: Store): Promise<number | string> {
  const bulk = store.dossiers.bulkWrite(bulkOfUpdates(store));
  const start = performance.now();
  try {
    await withTimeout(bulk, STOCK_BULK_TIMEOUT_MS, "stock bulkWrite");
    return performance.now() - start;
  } catch (error) {
    if (!(error instanceof Timeout)) throw error;
    await store.server.process.kill();
    await store.client.close(true);
    return `did not return within ${STOCK_BULK_TIMEOUT_MS / 1_000} s`;
  }
}

function buildBinary(side: Side): string {
  const output = execFileSync("bash", [join(repoRoot(), "infra/ferretdb/build.sh"), ...(side === "stock" ? ["--stock"] : [])], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return output.trim().split("\n").at(-1)!;
}

async function openStore(side: Side, binary: string, dir: string): Promise<Store> {
  const server = await startFerretDb({ dir: join(dir, side), binary });
  const client = await MongoClient.connect(server.url);
  const dossiers = client.db("bench_store").collection<Dossier>("dossiers", { writeConcern: WRITE_CONCERN });
  await dossiers.createIndex({ agency: 1 });
  return { side, server, client, dossiers, size: 0 };
}

const emptySamples = (): Samples => ({ insert: [], findOne: [], update: [], updateIf: [], bulk: [], findByAgency: [] });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sizeLabel = (size: number) => (size >= 1_000_000 ? `${size / 1_000_000}M` : size >= 1_000 ? `${size / 1_000}k` : String(size));
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

interface Column {
  side: Side;
  size: number;
  samples: Samples;
  /** Stock's single bulk: its time, or why there is none. */
  stockBulk?: number | string;
}

const title = (c: Column) => `${c.side} ${sizeLabel(c.size)}`;

function medianOf(column: Column, op: OpName): number | undefined {
  if (op === "bulk" && column.stockBulk !== undefined) return typeof column.stockBulk === "number" ? column.stockBulk : undefined;
  return median(column.samples[op]);
}

function cell(column: Column, op: OpName): string {
  if (op === "bulk" && typeof column.stockBulk === "string") return column.stockBulk;
  const value = medianOf(column, op);
  const count = op === "bulk" && column.stockBulk !== undefined ? 1 : column.samples[op].length;
  return value === undefined ? "—" : `${ms(value)} (${count})`;
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);
const ratioText = (value: number | undefined) => (value === undefined ? "—" : `${value.toFixed(2)}×`);

/** Largest size's median over the smallest's, for every `_id` operation. */
function growth(base: Column, largest: Column): Partial<Record<OpName, { ratio: number | undefined; pass: boolean }>> {
  return Object.fromEntries(
    OPS.filter((op) => op.byId).map((op) => {
      const value = ratio(medianOf(largest, op.name), medianOf(base, op.name));
      return [op.name, { ratio: value, pass: value !== undefined && value <= GROWTH_TARGET }];
    }),
  );
}

function printTable(stock: Column, patched: Column[]): void {
  const base = patched[0]!;
  const largest = patched.at(-1)!;
  const grows = largest !== base;
  const verdicts = growth(base, largest);
  const header = ["operation: median ms (samples)", ...[stock, ...patched].map(title), "stock/patched", ...(grows ? [`${sizeLabel(largest.size)}/${sizeLabel(base.size)}`, "target"] : [])];
  const rows = OPS.map((op) => {
    const verdict = verdicts[op.name] ? (verdicts[op.name]!.pass ? "PASS" : "FAIL") : "";
    const growthCells = grows ? [ratioText(ratio(medianOf(largest, op.name), medianOf(base, op.name))), verdict] : [];
    return [op.label, ...[stock, ...patched].map((c) => cell(c, op.name)), ratioText(ratio(medianOf(stock, op.name), medianOf(base, op.name))), ...growthCells];
  });
  const rate = (c: Column) => (c.samples.insert.length === 0 ? "—" : String(Math.round((BATCH * 1_000) / median(c.samples.insert)!)));
  rows.splice(1, 0, ["  insert rate, docs/s", ...[stock, ...patched].map(rate), "", ...(grows ? ["", ""] : [])]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join("  "));
  if (grows) {
    const passed = Object.values(verdicts).every((v) => v.pass);
    console.log(`\ntarget: every _id operation's median at ${sizeLabel(largest.size)} within ${GROWTH_TARGET}× of its median at ${sizeLabel(base.size)}: ${passed ? "PASS" : "FAIL"}`);
  }
}

function writeReport(path: string, stock: Column, patched: Column[], extra: Record<string, unknown>): void {
  const summary = (c: Column) =>
    Object.fromEntries(
      OPS.map((op) => [op.name, typeof c.stockBulk === "string" && op.name === "bulk" ? { outcome: c.stockBulk } : { medianMs: medianOf(c, op.name) ?? null, samples: c.samples[op.name].length }]),
    );
  const verdicts = patched.length > 1 ? growth(patched[0]!, patched.at(-1)!) : undefined;
  const report = {
    ...extra,
    columns: Object.fromEntries([stock, ...patched].map((c) => [title(c), summary(c)])),
    growthTarget: verdicts && { maxRatio: GROWTH_TARGET, passed: Object.values(verdicts).every((v) => v.pass), byOperation: verdicts },
  };
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

function checkSizes(): void {
  const valid = SIZES.length > 0 && SIZES.every((s, i) => Number.isInteger(s) && s > 0 && s % BATCH === 0 && (i === 0 || s > SIZES[i - 1]!));
  if (!valid) throw new Error(`BENCH_SIZES must be ascending multiples of ${BATCH}, got ${process.env.BENCH_SIZES}`);
}

checkSizes();
const started = performance.now();
const binaries = { stock: buildBinary("stock"), patched: buildBinary("patched") };
const dir = mkdtempSync(join(tmpdir(), "onestop-store-bench-"));
const stores: Store[] = [];
try {
  const stock = await openStore("stock", binaries.stock, dir);
  stores.push(stock);
  const patched = await openStore("patched", binaries.patched, dir);
  stores.push(patched);
  const docBytes = BSON.calculateObjectSize(dossier(SIZES[0]! - 1));
  console.log(`dossiers of ${docBytes} bytes (BSON), write concern w: "majority", j: true; stock ${binaries.stock}, patched ${binaries.patched}`);

  const [base, ...larger] = SIZES as [number, ...number[]];
  const samples = new Map<Store, Samples>([
    [stock, emptySamples()],
    [patched, emptySamples()],
  ]);
  await load([stock, patched], base, samples);
  for (let round = 0; round < ROUNDS; round++) {
    for (const store of round % 2 === 0 ? [stock, patched] : [patched, stock]) await measure(store, samples.get(store)!, 1 / ROUNDS);
    process.stdout.write(`  ${sizeLabel(base)}: round ${round + 1}/${ROUNDS} done\n`);
  }
  const stockColumn: Column = { side: "stock", size: base, samples: samples.get(stock)!, stockBulk: await stockBulk(stock) };
  stores.splice(stores.indexOf(stock), 1);
  const patchedColumns: Column[] = [{ side: "patched", size: base, samples: samples.get(patched)! }];

  for (const size of larger) {
    const grown = emptySamples();
    await load([patched], size, new Map([[patched, grown]]));
    await measure(patched, grown, 1);
    process.stdout.write(`  ${sizeLabel(size)}: measured\n`);
    patchedColumns.push({ side: "patched", size, samples: grown });
  }

  const seconds = (performance.now() - started) / 1_000;
  console.log(`\nFerretDB 1.24.2 (SQLite), one client, one operation at a time; total ${seconds.toFixed(0)} s`);
  console.log(`(samples): an operation's sampling stops after ${SAMPLE_BUDGET_MS / 1_000} s per size, hence fewer where it is slow`);
  printTable(stockColumn, patchedColumns);
  if (process.env.BENCH_OUT) writeReport(process.env.BENCH_OUT, stockColumn, patchedColumns, { docBytes, writeConcern: WRITE_CONCERN, binaries, totalSeconds: seconds });
} finally {
  for (const store of stores) {
    await store.client.close();
    await store.server.stop();
  }
  rmSync(dir, { recursive: true, force: true });
}
