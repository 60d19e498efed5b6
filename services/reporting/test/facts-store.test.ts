/**
 * The facts store's writers without a lock: a dossier's events folded at the same time in one
 * process (three streams' consumers, several messages in flight each, redeliveries) all go through
 * the version check, and a loser reads, folds and tries again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoClient } from "mongodb";
import { defaultCalendar } from "@onestop/calendar";
import { testEnv } from "@onestop/testkit";
import { dossiersOfPeriod, emptyFacts, foldEvent, tthcForm, type DossierFacts, type Period } from "../src/domain/index.js";
import { documentOf, factsOf, MongoFactsStore, type FactsDocument } from "../src/adapters/store/facts-store.js";
import { MongoTallyReader } from "../src/adapters/store/tally-reader.js";
import * as e from "./domain/events.js";

const env = testEnv();
const Q3: Period = { from: "2024-07-01", to: "2024-09-30" };
const SECTORS = [{ code: "CU_TRU", name: "Cư trú" }];
let mongo: MongoClient;

beforeAll(async () => {
  mongo = await MongoClient.connect(env.mongoUrl);
});

afterAll(async () => {
  await mongo?.close();
});

/** Residence, 3 working days, 8.000 đ: received Mon 8/7/2024, due Thu 11/7; a supplement restarts the clock. */
function lifeOf(code: string) {
  return [
    e.received({ code, procedureCode: "1.004194", sectorCode: "CU_TRU", channel: "ONLINE", receivedAt: "2024-07-08T09:00:00+07:00", dueDate: "2024-07-11", workingDays: 3, fees: [8000] }),
    e.paymentSucceeded(code, `PAY-${code}`, "NATIONAL_PLATFORM", 8000, "2024-07-08T09:30:00+07:00"),
    e.componentDigitised(code, "2024-07-08T10:00:00+07:00"),
    e.documentReused(code, "2024-07-08T10:05:00+07:00"),
    e.supplementRequested(code, "2024-07-09T09:00:00+07:00"),
    e.supplementReceived(code, "2024-07-10T09:00:00+07:00"),
    e.resolved(code, "2024-07-12T09:00:00+07:00"),
    e.resultIssued(code, "2024-07-12T10:00:00+07:00"),
    e.resultReturned(code, "2024-07-15T09:00:00+07:00", "ONLINE", true),
  ];
}

describe("concurrent folds of one dossier", () => {
  it("given every event of a dossier delivered twice and all folded at once, then the record is the serial fold, and each event changed it once", async () => {
    const database = mongo.db(`${env.dbName}_concurrent`);
    const store = await MongoFactsStore.open(database);
    const events = lifeOf("K1");
    // Nothing is stored yet: the first writers race to insert the record, the others to update it.
    const changed = await Promise.all([...events, ...events].map((event) => store.apply(event.subject, e.fact(event))));

    expect(changed.filter(Boolean)).toHaveLength(events.length);
    const serial = events.reduce<DossierFacts>((facts, event) => foldEvent(facts, e.fact(event)), emptyFacts("K1"));
    const stored = await database.collection<FactsDocument>(store.activeCollection).findOne({ _id: "K1" });
    expect(factsOf(stored!)).toEqual(serial);
    expect(stored!.version).toBe(events.length); // one write per event that changed the record

    // The stored tallies, counted from those concurrent folds, give the report computed from the record.
    const input = { period: Q3, scope: {}, lines: (await new MongoTallyReader(() => store.talliesOf(), store.series).periodLines(Q3, {}))!, awaitingReceipt: 0 };
    const direct = tthcForm(dossiersOfPeriod([serial], Q3, {}, defaultCalendar), SECTORS);
    expect(tthcForm(input, SECTORS).totals).toEqual(direct.totals);
    expect(direct.totals.resolved.total).toBe(1);
  });

  it("given two dossiers' events interleaved and folded at once, then each record is its own serial fold", async () => {
    const database = mongo.db(`${env.dbName}_interleaved`);
    const store = await MongoFactsStore.open(database);
    const [a, b] = [lifeOf("M1"), lifeOf("M2")];
    const interleaved = a.flatMap((event, i) => [event, b[i]!, a[a.length - 1 - i]!]);
    await Promise.all(interleaved.map((event) => store.apply(event.subject, e.fact(event))));

    const collection = database.collection<FactsDocument>(store.activeCollection);
    for (const [code, events] of [
      ["M1", a],
      ["M2", b],
    ] as const) {
      const serial = events.reduce<DossierFacts>((facts, event) => foldEvent(facts, e.fact(event)), emptyFacts(code));
      expect(factsOf((await collection.findOne({ _id: code }))!), code).toEqual(serial);
    }
  });
});

describe("batched folds", () => {
  const serialFold = (code: string, events: ReturnType<typeof lifeOf>) => events.reduce<DossierFacts>((facts, event) => foldEvent(facts, e.fact(event)), emptyFacts(code));
  const batchOf = (events: ReturnType<typeof lifeOf>) => events.map((event) => ({ dossierCode: event.subject, event: e.fact(event) }));

  it("given several dossiers' events shuffled with duplicates in batches, then each record is its serial fold, written once per batch", async () => {
    const database = mongo.db(`${env.dbName}_batches`);
    const store = await MongoFactsStore.open(database);
    const lives = ["B1", "B2", "B3"].map((code) => [code, lifeOf(code)] as const);
    const all = lives.flatMap(([, events]) => events);
    // Out of business-time order, each event twice, the second half of the stream first.
    const stream = [...all.slice(all.length / 2), ...all, ...all.slice(0, all.length / 2)].reverse();
    await store.applyBatch(batchOf(stream.slice(0, 10)));
    await store.applyBatch(batchOf(stream.slice(10)));

    const collection = database.collection<FactsDocument>(store.activeCollection);
    for (const [code, events] of lives) {
      const stored = await collection.findOne({ _id: code });
      expect(factsOf(stored!), code).toEqual(serialFold(code, events));
      expect(stored!.version, code).toBeLessThanOrEqual(2); // inserted by one batch, updated by the other at most
    }
  });

  it("given a batch delivered again after its write (a crash before the acknowledgement), then nothing changes and the tallies still match", async () => {
    const database = mongo.db(`${env.dbName}_redelivered`);
    const store = await MongoFactsStore.open(database);
    const events = lifeOf("R1");
    await store.applyBatch(batchOf(events));
    const collection = database.collection<FactsDocument>(store.activeCollection);
    const written = await collection.findOne({ _id: "R1" });
    await store.applyBatch(batchOf(events));
    expect(await collection.findOne({ _id: "R1" })).toEqual(written);

    const input = { period: Q3, scope: {}, lines: (await new MongoTallyReader(() => store.talliesOf(), store.series).periodLines(Q3, {}))!, awaitingReceipt: 0 };
    expect(tthcForm(input, SECTORS).totals).toEqual(tthcForm(dossiersOfPeriod([serialFold("R1", events)], Q3, {}, defaultCalendar), SECTORS).totals);
  });

  it("given two batches of one dossier's events racing (two consumers, two instances), then the loser folds again and nothing is lost", async () => {
    const database = mongo.db(`${env.dbName}_racing_batches`);
    const [one, two] = [await MongoFactsStore.open(database), await MongoFactsStore.open(database)];
    const events = lifeOf("C1");
    // Rounds of racing batches: the record is created by one, then both update the same version.
    await Promise.all([one.applyBatch(batchOf(events.slice(0, 2))), two.applyBatch(batchOf(events.slice(2, 4)))]);
    await Promise.all([one.applyBatch(batchOf(events.slice(4, 6))), two.applyBatch(batchOf(events.slice(6)))]);

    const stored = await database.collection<FactsDocument>(one.activeCollection).findOne({ _id: "C1" });
    expect(factsOf(stored!)).toEqual(serialFold("C1", events));
  });
  it("given a record stored with its facts as fields (before factsJson), when an event is folded, then it is read and written back as text", async () => {
    const database = mongo.db(`${env.dbName}_old_layout`);
    const store = await MongoFactsStore.open(database);
    const events = lifeOf("O1");
    const old = serialFold("O1", events.slice(0, 3));
    const { factsJson: _text, ...fields } = documentOf(old, 1);
    const collection = database.collection<FactsDocument>(store.activeCollection);
    await collection.insertOne({ ...fields, facts: old } as FactsDocument);
    await store.applyBatch(batchOf(events.slice(3)));
    const stored = await collection.findOne({ _id: "O1" });
    expect(stored!.facts).toBeUndefined();
    expect(factsOf(stored!)).toEqual(serialFold("O1", events));
  });
});
