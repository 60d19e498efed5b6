/**
 * Kept tallies against a real FerretDB: every fold moves its dossier between tally lines, and the
 * tallies stay exactly those derived from the records whatever the delivery does — duplicates,
 * reordering, other batch splits, a crash between any two steps (tally-journal.ts), two instances
 * racing — with no record read by a query.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoClient, type Db } from "mongodb";
import { defaultCalendar } from "@onestop/calendar";
import { testEnv } from "@onestop/testkit";
import { ContributionSum, dossiersOfPeriod, emptyFacts, encodeLine, foldEvent, parseSeries, type DossierFacts, type EnvelopeInput, type Period, type TallyLine } from "../src/domain/index.js";
import { MongoFactsStore, type FactsStoreOptions } from "../src/adapters/store/facts-store.js";
import { MongoTallyReader } from "../src/adapters/store/tally-reader.js";
import { decodeCounts } from "../src/adapters/store/kept-tallies.js";
import type { JournalStep } from "../src/adapters/store/tally-journal.js";
import * as e from "./domain/events.js";
import { StreamGenerator } from "./golden/generator.js";
import { seedProcedures } from "./golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "./golden/targets.js";

const env = testEnv();
const SERIES = parseSeries("1,3", 1);
const PERIODS: Period[] = [
  { from: "2024-01-01", to: "2024-03-31" },
  { from: "2024-04-01", to: "2024-06-30" },
  { from: "2024-07-01", to: "2024-09-30" },
  { from: "2024-03-01", to: "2024-03-31" },
  { from: "2024-06-01", to: "2024-06-30" },
];
/** Short enough for a test to wait out a crashed owner's journal. */
const TIMING = { ownMs: 2_000, staleMs: 2_500 };

let mongo: MongoClient;
let events: EnvelopeInput[];

beforeAll(async () => {
  mongo = await MongoClient.connect(env.mongoUrl);
  const { procedures } = seedProcedures();
  const generator = new StreamGenerator({ seed: 31, period: { from: "2024-01-01", to: "2024-06-30" }, targets: scaleTargets(SEED_002_TARGETS, 0.0006), procedures, calendar: defaultCalendar });
  events = [...generator.dossiers()].flatMap((dossier) => dossier.events);
});

afterAll(async () => {
  await mongo?.close();
});

/** A deterministic shuffle: deliveries out of business-time order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const batchOf = (envelopes: readonly EnvelopeInput[]) => envelopes.map((envelope) => ({ dossierCode: envelope.subject, event: e.fact(envelope) }));

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function serialRecords(envelopes: readonly EnvelopeInput[]): DossierFacts[] {
  const records = new Map<string, DossierFacts>();
  for (const envelope of envelopes) records.set(envelope.subject, foldEvent(records.get(envelope.subject) ?? emptyFacts(envelope.subject), e.fact(envelope)));
  return [...records.values()];
}

/** Lines compared without their agency, merged: a query without an agency reads the groups' lines, which have none. */
const sorted = (lines: TallyLine[]) => {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(encodeLine(line), (merged.get(encodeLine(line)) ?? 0) + line.count);
  return [...merged].map(([text, count]) => `${text}|${count}`).sort();
};

const open = (db: Db, options: FactsStoreOptions = {}) => MongoFactsStore.open(db, { series: SERIES, timing: TIMING, ...options });

/** Every kept period read from the tallies equals the one computed from the records; no record waits for its journal. */
async function expectExact(db: Db, store: MongoFactsStore, records: readonly DossierFacts[]) {
  const reader = new MongoTallyReader(() => store.talliesOf(), store.series);
  for (const period of PERIODS) {
    const kept = await reader.periodLines(period, {});
    expect(sorted(kept!), `${period.from} to ${period.to}`).toEqual(sorted(dossiersOfPeriod(records, period, {}, defaultCalendar).lines));
  }
  // Scoped by level, by sector, by agency: the lines of that scope only.
  const sample = records.find((record) => record.receipt)!.receipt!;
  for (const scope of [{ level: "COMMUNE" as const }, { sectorCode: sample.sectorCode }, { agencyCode: sample.agencyCode, level: sample.level }]) {
    const expected = dossiersOfPeriod(records, PERIODS[1]!, scope, defaultCalendar).lines;
    expect(expected.length, JSON.stringify(scope)).toBeGreaterThan(0);
    expect(sorted((await reader.periodLines(PERIODS[1]!, scope))!), JSON.stringify(scope)).toEqual(sorted(expected));
  }
  expect(await reader.awaitingReceipt()).toBe(records.filter((record) => !record.receipt).length);
  const named = (
    await db
      .collection<{ journal?: string }>(store.activeCollection)
      .find({}, { projection: { journal: 1 } })
      .toArray()
  ).flatMap((record) => record.journal ?? []);
  expect(await db.collection(`${store.activeCollection}_tally_journal`).countDocuments({ _id: { $in: named } as never })).toBe(0);
}

describe("kept tallies", () => {
  it("given the stream shuffled, with duplicates, in batches of 50, then every kept period equals the records' report", async () => {
    const db = mongo.db(`${env.dbName}_kept_shuffled`);
    const store = await open(db);
    const delivered = shuffled([...events, ...events.filter((_, i) => i % 7 === 0)], 5);
    for (const batch of chunks(delivered, 50)) await store.applyBatch(batchOf(batch));
    await expectExact(db, store, serialRecords(events));
    // The tallies equal those derived from scratch, document by document.
    const sum = new ContributionSum({ series: SERIES, calendar: defaultCalendar });
    for (const record of serialRecords(events)) sum.add(record);
    const stored = await store.talliesOf().read([...sum.tallies.keys()]);
    for (const [id, lines] of sum.tallies) expect(Object.fromEntries(stored.get(id) ?? new Map()), id).toEqual(Object.fromEntries(lines));
  });

  for (const step of ["journal-written", "records-written", "tallies-applied"] as const satisfies readonly JournalStep[]) {
    it(`given a crash after "${step}", when the batch is delivered again split otherwise after a restart, then the tallies are exact`, async () => {
      const db = mongo.db(`${env.dbName}_kept_crash_${step}`);
      const first = shuffled(events, 11);
      const half = Math.floor(first.length / 2);
      const warm = await open(db);
      await warm.applyBatch(batchOf(first.slice(0, half)));
      // The crashing process: its batch stops right after the step.
      let crashed = false;
      const crashing = await open(db, {
        onStep: (at) => {
          if (at === step && !crashed) {
            crashed = true;
            throw new Error(`crash after ${at}`);
          }
        },
      });
      const batch = first.slice(half);
      await expect(crashing.applyBatch(batchOf(batch))).rejects.toThrow(`crash after ${step}`);
      // Restarted: a new process redelivers the unacknowledged batch, in two other pieces and reversed.
      const restarted = await open(db);
      await restarted.applyBatch(batchOf(batch.slice(0, 40).reverse()));
      await restarted.applyBatch(batchOf(batch.slice(40).reverse()));
      await expectExact(db, restarted, serialRecords(events));
    }, 30_000);
  }

  it("given two instances folding overlapping batches at once, then the tallies are exact", async () => {
    const db = mongo.db(`${env.dbName}_kept_racing`);
    const [one, two] = [await open(db), await open(db)];
    const a = shuffled(events, 21);
    const b = shuffled(events, 22);
    await Promise.all([
      (async () => {
        for (const batch of chunks(a, 40)) await one.applyBatch(batchOf(batch));
      })(),
      (async () => {
        for (const batch of chunks(b, 40)) await two.applyBatch(batchOf(batch));
      })(),
    ]);
    await expectExact(db, one, serialRecords(events));
  }, 60_000);

  it("given a late event for a resolved dossier of March 2024, then only March and Q1 2024 tallies change", async () => {
    const db = mongo.db(`${env.dbName}_kept_late`);
    const store = await open(db);
    const life = [
      e.received({ code: "L1", procedureCode: "1.004873", sectorCode: "HO_TICH", channel: "ONLINE", receivedAt: "2024-03-04T09:00:00+07:00", dueDate: "2024-03-07", workingDays: 3 }),
      e.resolved("L1", "2024-03-06T09:00:00+07:00"),
      e.received({ code: "L2", procedureCode: "1.004873", sectorCode: "HO_TICH", channel: "ONLINE", receivedAt: "2024-08-05T09:00:00+07:00", dueDate: "2024-08-08", workingDays: 3 }),
    ];
    await store.applyBatch(batchOf(life));
    const collection = store.talliesOf().collection;
    const revisions = async () => Object.fromEntries((await collection.find({}, { projection: { rev: 1 } }).toArray()).map((document) => [document._id, document.rev]));
    const before = await revisions();
    await store.applyBatch(batchOf([e.resultReturned("L1", "2024-03-08T09:00:00+07:00", "POSTAL", false)]));
    const after = await revisions();
    const changed = Object.keys(after).filter((id) => after[id] !== before[id]);
    expect(changed.sort()).toEqual(["2024-03|000.01.31.H04", "2024-03|~COMMUNE:HO_TICH", "2024-Q1|000.01.31.H04", "2024-Q1|~COMMUNE:HO_TICH"]);
    const march = decodeCounts((await collection.findOne({ _id: "2024-03|000.01.31.H04" }))!.lines);
    expect([...march.values()]).toEqual([1]);
    expect([...march.keys()][0]).toContain("|1|0|0|0"); // supplement no, result by post yes, not paid, not digitised, not reused
  });

  it("given tallies kept for quarters only, when opened to keep months too, then they are derived again from the records", async () => {
    const db = mongo.db(`${env.dbName}_kept_derive`);
    const quarters = await MongoFactsStore.open(db, { series: parseSeries("3", 1) });
    for (const batch of chunks(events, 200)) await quarters.applyBatch(batchOf(batch));
    const reader = (store: MongoFactsStore) => new MongoTallyReader(() => store.talliesOf(), store.series);
    expect(await reader(quarters).periodLines({ from: "2024-03-01", to: "2024-03-31" }, {})).toBeUndefined();
    const both = await open(db);
    await expectExact(db, both, serialRecords(events));
  });
});
