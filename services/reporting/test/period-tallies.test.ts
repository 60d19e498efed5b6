/**
 * Stored per-agency tallies against a real FerretDB: served while nothing changed, recomputed for
 * the one agency whose dossier changed, never stale after a crash between the facts write and
 * the change count, and always equal to the report computed from every record at query time.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoClient, type Db } from "mongodb";
import { defaultCalendar } from "@onestop/calendar";
import { testEnv } from "@onestop/testkit";
import { dossiersOfPeriod, emptyFacts, foldEvent, tthcForm, type DossierFacts, type EnvelopeInput, type Period, type ReportScope } from "../src/domain/index.js";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import { MongoTallyStore } from "../src/adapters/store/tally-store.js";
import { PeriodTallies } from "../src/app/period-tallies.js";
import { TallyRefresher } from "../src/app/tally-refresher.js";
import * as e from "./domain/events.js";
import { InMemoryFacts } from "./domain/projection.js";
import { StreamGenerator } from "./golden/generator.js";
import { seedProcedures } from "./golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "./golden/targets.js";

const env = testEnv();
const Q2: Period = { from: "2024-04-01", to: "2024-06-30" };
const Q3: Period = { from: "2024-07-01", to: "2024-09-30" };
const COMMUNE = "000.01.31.H04";
const DISTRICT = "000.00.31.H04";
const SECTORS = [{ code: "HO_TICH", name: "Hộ tịch" }];

// Marital status certificate, 3 working days: received Mon 8/7/2024, due Thu 11/7/2024.
const hoTich3 = (code: string, agencyCode: string, level: "COMMUNE" | "DISTRICT", channel: "ONLINE" | "IN_PERSON") =>
  e.received({ code, procedureCode: "1.004873", sectorCode: "HO_TICH", agencyCode, level, channel, receivedAt: "2024-07-08T10:00:00+07:00", dueDate: "2024-07-11", workingDays: 3 });

let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = await MongoClient.connect(env.mongoUrl);
  db = mongo.db(`${env.dbName}_tallies`);
});

afterAll(async () => {
  await mongo?.close();
});

async function opened(name: string, sectors = SECTORS) {
  const database = db.client.db(`${env.dbName}_${name}`);
  const store = await MongoFactsStore.open(database);
  const tallies = new PeriodTallies(store, new MongoTallyStore(database, () => store.activeCollection), defaultCalendar);
  const form = async (period: Period, scope: ReportScope = {}) => {
    const { input, refresh } = await tallies.periodDossiers(period, scope);
    return { form: tthcForm(input, sectors), input, refresh };
  };
  return { store, form, database, tallies };
}

describe("stored tallies", () => {
  it("given three dossiers of two agencies, when a late decision arrives, then only its agency's tally of its quarter is recomputed", async () => {
    const { store, form } = await opened("late");
    for (const event of [
      hoTich3("A1", COMMUNE, "COMMUNE", "ONLINE"),
      e.resolved("A1", "2024-07-10T09:00:00+07:00"), // before Thu 11/7: early
      hoTich3("A2", COMMUNE, "COMMUNE", "IN_PERSON"),
      hoTich3("B1", DISTRICT, "DISTRICT", "ONLINE"),
      e.resolved("B1", "2024-07-12T09:00:00+07:00"), // Fri 12/7, after the due day: overdue
    ]) {
      await store.apply(event.subject, e.fact(event));
    }

    const first = await form(Q3);
    expect(first.refresh).toEqual({ agencies: 2, recomputed: 2 });
    expect(first.form.totals.received.total).toBe(3);
    expect(first.form.totals.resolved).toMatchObject({ total: 2, early: 1, onTime: 0, overdue: 1 });
    // A2 is still open at 30/9, its due day 11/7 long past.
    expect(first.form.totals.pending).toMatchObject({ total: 1, overdue: 1 });
    expect((await form(Q2)).refresh.recomputed).toBe(2);

    const again = await form(Q3);
    expect(again.refresh).toEqual({ agencies: 2, recomputed: 0 });
    expect(again.form).toEqual(first.form);

    // Thu 11/7 15:00: on the due day, so on time.
    const late = e.resolved("A2", "2024-07-11T15:00:00+07:00");
    await store.apply(late.subject, e.fact(late));
    const after = await form(Q3);
    expect(after.refresh).toEqual({ agencies: 2, recomputed: 1 });
    expect(after.form.totals.resolved).toMatchObject({ total: 3, early: 1, onTime: 1, overdue: 1 });
    expect(after.form.totals.pending.total).toBe(0);
    // A July event cannot change the second quarter: its tallies stay.
    expect((await form(Q2)).refresh.recomputed).toBe(0);
  });

  it("given a dossier received by a commune and transferred to a district agency, then the stored tallies credit the district, recomputing both agencies", async () => {
    const { store, form } = await opened("transfer");
    const direct = new InMemoryFacts();
    const apply = async (...events: EnvelopeInput[]) => {
      for (const event of events) {
        await store.apply(event.subject, e.fact(event));
        direct.given(event);
      }
    };
    // X1: the commune's own, resolved Wed 10/7 (before Thu 11/7): early. Y1: the district's own, still open.
    // T1: received by the commune Mon 8/7, due Thu 11/7; transferred Tue 9/7, resolved by the district Wed 10/7: early.
    await apply(
      hoTich3("X1", COMMUNE, "COMMUNE", "ONLINE"),
      e.resolved("X1", "2024-07-10T09:00:00+07:00"),
      hoTich3("Y1", DISTRICT, "DISTRICT", "IN_PERSON"),
      hoTich3("T1", COMMUNE, "COMMUNE", "ONLINE"),
    );
    expect((await form(Q3)).refresh).toEqual({ agencies: 2, recomputed: 2 });
    expect((await form(Q3, { agencyCode: COMMUNE })).form.totals).toMatchObject({ received: { total: 2 }, resolved: { total: 1 }, pending: { total: 1 } });
    expect((await form(Q2)).refresh.recomputed).toBe(2);

    await apply(e.transferred("T1", "2024-07-09T09:00:00+07:00", COMMUNE, DISTRICT));
    // The transfer counts for both: the commune loses T1, the district gains it.
    expect((await form(Q3)).refresh).toEqual({ agencies: 2, recomputed: 2 });
    expect((await form(Q3, { agencyCode: COMMUNE })).form.totals).toMatchObject({ received: { total: 1 }, resolved: { total: 1 }, pending: { total: 0 } });
    // Y1 and T1, both open on 30/9 and past their due day 11/7.
    expect((await form(Q3, { agencyCode: DISTRICT })).form.totals).toMatchObject({ received: { total: 2 }, pending: { total: 2, overdue: 2 } });

    await apply(e.resolved("T1", "2024-07-10T14:00:00+07:00"));
    const district = await form(Q3, { agencyCode: DISTRICT });
    expect(district.refresh.recomputed).toBeGreaterThan(0);
    expect(district.form.totals).toMatchObject({ received: { total: 2, online: 1, inPerson: 1 }, resolved: { total: 1, early: 1 }, pending: { total: 1, overdue: 1 } });
    // The commune's resolved dossier is its own X1 only.
    const commune = (await form(Q3, { agencyCode: COMMUNE })).form.totals;
    expect(commune).toMatchObject({ received: { total: 1 }, resolved: { total: 1, early: 1 }, pending: { total: 0 } });
    // July events leave the second quarter's tallies as they were.
    expect((await form(Q2)).refresh.recomputed).toBe(0);

    // T1 keeps its receipt's level: the commune-level form has X1 and T1, the district level Y1 alone.
    for (const scope of [{}, { agencyCode: COMMUNE }, { agencyCode: DISTRICT }, { level: "COMMUNE" as const }, { level: "DISTRICT" as const }]) {
      const expected = tthcForm(dossiersOfPeriod(direct.all(), Q3, scope, defaultCalendar), SECTORS);
      const stored = (await form(Q3, scope)).form;
      expect({ rows: stored.rows, totals: stored.totals }, JSON.stringify(scope)).toEqual({ rows: expected.rows, totals: expected.totals });
      expect(stored.checks.every((check) => check.holds), JSON.stringify(scope)).toBe(true);
    }
    expect((await form(Q3, { level: "COMMUNE" })).form.totals.received.total).toBe(2);
    expect((await form(Q3, { level: "DISTRICT" })).form.totals.received.total).toBe(1);

    // The record keeps the destination, and the district's candidates include the dossier it was given.
    const { fromMs, toMs } = { fromMs: Date.parse("2024-07-01T00:00:00+07:00"), toMs: Date.parse("2024-09-30T23:59:59.999+07:00") };
    const districts = await store.candidates(fromMs, toMs, {}, [DISTRICT]);
    expect(districts.map((facts) => facts.dossierCode).sort()).toEqual(["T1", "Y1"]);
    expect(districts.find((facts) => facts.dossierCode === "T1")!.events).toContainEqual(expect.objectContaining({ kind: "TRANSFERRED", toAgencyCode: DISTRICT }));
    expect((await store.candidates(fromMs, toMs, { agencyCode: DISTRICT })).length).toBe(2);
  });

  it("given the decision folded before the transfer it follows (events out of order), then the transfer still moves the dossier in the stored tallies", async () => {
    const { store, form } = await opened("transfer-late");
    for (const event of [hoTich3("T2", COMMUNE, "COMMUNE", "ONLINE"), e.resolved("T2", "2024-07-10T14:00:00+07:00")]) await store.apply(event.subject, e.fact(event));
    expect((await form(Q3, { agencyCode: COMMUNE })).form.totals.resolved.total).toBe(1);

    // Through the live path's batch fold, with another dossier's receipt in the same batch.
    const transfer = e.transferred("T2", "2024-07-09T09:00:00+07:00", COMMUNE, DISTRICT);
    const other = hoTich3("X2", COMMUNE, "COMMUNE", "IN_PERSON");
    await store.applyBatch([transfer, other].map((event) => ({ dossierCode: event.subject, event: e.fact(event) })));
    const all = await form(Q3);
    // The district is known from the transfer alone; both agencies' tallies are computed again.
    expect(all.refresh).toEqual({ agencies: 2, recomputed: 2 });
    expect((await form(Q3, { agencyCode: COMMUNE })).form.totals).toMatchObject({ received: { total: 1, inPerson: 1 }, resolved: { total: 0 } });
    expect((await form(Q3, { agencyCode: DISTRICT })).form.totals).toMatchObject({ received: { total: 1, online: 1 }, resolved: { total: 1, early: 1 } });
    // A district agency holding only a commune-level dossier still answers the commune-level form.
    expect((await form(Q3, { level: "COMMUNE" })).form.totals.resolved.total).toBe(1);
  });

  it("given a transferred dossier written by a rebuild, then its destination is known to the stored tallies of the new collection", async () => {
    const { store, form } = await opened("transfer-rebuild");
    const record = new InMemoryFacts().given(
      hoTich3("T3", COMMUNE, "COMMUNE", "ONLINE"),
      e.transferred("T3", "2024-07-09T09:00:00+07:00", COMMUNE, DISTRICT),
      e.resolved("T3", "2024-07-10T14:00:00+07:00"),
    );
    const target = await store.createRebuildTarget();
    await target.writeChunk(record.all());
    await store.switchTo(target);
    const { refresh, form: all } = await form(Q3);
    expect(refresh).toEqual({ agencies: 2, recomputed: 2 });
    expect(all.totals.resolved.total).toBe(1);
    expect((await form(Q3, { agencyCode: DISTRICT })).form.totals.resolved).toMatchObject({ total: 1, early: 1 });
    expect((await form(Q3, { agencyCode: COMMUNE })).form.totals.received.total).toBe(0);
  });

  it("given new events, when the background refresher has run, then the next query of its quarters recomputes nothing", async () => {
    const { store, form, tallies } = await opened("refresher");
    const receipt = hoTich3("R1", COMMUNE, "COMMUNE", "ONLINE");
    await store.apply(receipt.subject, e.fact(receipt));
    const refreshed: string[] = [];
    const refresher = new TallyRefresher({
      refresh: async (period) => (await tallies.periodDossiers(period, {})).refresh,
      intervalMs: 60_000,
      quarterStartDay: 1,
      onRefreshed: (period, refresh) => refreshed.push(`${period.from}:${refresh.recomputed}`),
      onError: (error) => {
        throw error;
      },
      now: () => new Date("2024-08-15T10:00:00+07:00"),
    });
    expect(refresher.periods()).toEqual([Q3, Q2]);
    await refresher.refreshOnce();
    expect(refreshed).toEqual(["2024-07-01:1", "2024-04-01:1"]);
    const after = await form(Q3);
    expect(after.refresh.recomputed).toBe(0);
    expect(after.form.totals.received.online).toBe(1);
  });

  it("given a crash between the facts write and the change count, when the event is redelivered, then the stale tally is recomputed", async () => {
    const { store, form, database } = await opened("crash");
    const receipt = hoTich3("C1", COMMUNE, "COMMUNE", "ONLINE");
    await store.apply(receipt.subject, e.fact(receipt));
    expect((await form(Q3)).form.totals.pending.total).toBe(1);

    // The count's write fails after the facts were written: the handler fails, the event is not acknowledged.
    const counters = database.collection<{ _id: string; agencies: unknown }>(`${store.activeCollection}_changes`);
    const saved = (await counters.findOne({}))!;
    await counters.updateOne({ _id: saved._id }, { $set: { agencies: "not a document" } });
    const decision = e.resolved("C1", "2024-07-10T09:00:00+07:00");
    await expect(store.apply(decision.subject, e.fact(decision))).rejects.toThrow();
    await counters.updateOne({ _id: saved._id }, { $set: { agencies: saved.agencies } });
    // Meanwhile the stored tally is stale: the decision is in the facts but not counted yet.
    expect((await form(Q3)).form.totals.resolved.total).toBe(0);

    // Redelivery: the fold finds the event already there, the change is counted anyway.
    expect(await store.apply(decision.subject, e.fact(decision))).toBe(false);
    const after = await form(Q3);
    expect(after.refresh.recomputed).toBe(1);
    expect(after.form.totals.resolved).toMatchObject({ total: 1, early: 1 });
    expect(after.form.totals.pending.total).toBe(0);
  });

  it("given stored tallies, when a payment arrives and when tallies of the old layout are found, then the tally is computed again", async () => {
    const { store, form, database } = await opened("payment");
    const receipt = e.received({ code: "F1", procedureCode: "1.004873", sectorCode: "HO_TICH", agencyCode: COMMUNE, channel: "ONLINE", receivedAt: "2024-07-08T10:00:00+07:00", dueDate: "2024-07-11", workingDays: 3, fees: [8000] });
    await store.apply(receipt.subject, e.fact(receipt));
    expect((await form(Q3)).input.lines).toMatchObject([{ payable: true, paidOnline: false, count: 1 }]);

    const payment = e.paymentSucceeded("F1", "PAY-F1", "NATIONAL_PLATFORM", 8000, "2024-07-08T10:30:00+07:00");
    await store.apply(payment.subject, e.fact(payment));
    const paid = await form(Q3);
    expect(paid.refresh.recomputed).toBe(1);
    expect(paid.input.lines).toMatchObject([{ payable: true, paidOnline: true, count: 1 }]);

    // A period document written before the payment and digitisation flags (no format, 11 fields a line).
    const tallies = database.collection<{ _id: string }>(`${store.activeCollection}_tallies`);
    const stored = (await tallies.findOne({ _id: "2024-07-01|2024-09-30" })) as unknown as { agencies: Array<{ agencyCode: string; stamp: number }> } | null;
    expect(stored).not.toBeNull();
    const oldLayout = stored!.agencies.map(({ agencyCode, stamp }) => ({ agencyCode, stamp, lines: "C|HO_TICH|1.004873|ONLINE|FULL|1|ONLINE|P:1|0|0|1" }));
    await tallies.replaceOne({ _id: "2024-07-01|2024-09-30" }, { agencies: oldLayout, computedAt: new Date() });
    const again = await form(Q3);
    expect(again.refresh.recomputed).toBe(1);
    expect(again.input.lines).toEqual(paid.input.lines);
  });

  it("given a decision before its receipt, then the record waits for its receipt, and counts once it arrives", async () => {
    const { store, form } = await opened("orphan");
    const decision = e.resolved("O1", "2024-07-10T09:00:00+07:00");
    await store.apply(decision.subject, e.fact(decision));
    let { input } = await form(Q3);
    expect(input.awaitingReceipt).toBe(1);
    expect(input.lines).toEqual([]);

    const receipt = hoTich3("O1", COMMUNE, "COMMUNE", "ONLINE");
    await store.apply(receipt.subject, e.fact(receipt));
    ({ input } = await form(Q3));
    expect(input.awaitingReceipt).toBe(0);
    expect(input.lines).toMatchObject([{ agencyCode: COMMUNE, entry: "ONLINE", outcome: { kind: "RESOLVED", legal: "EARLY" }, count: 1 }]);
  });

  it("given a rebuilt collection of a generated half-year, then stored tallies give exactly the report computed from every record, per scope", async () => {
    const { procedures, sectors } = seedProcedures();
    const period = { from: "2023-12-15", to: "2024-06-30" };
    const generator = new StreamGenerator({ seed: 7, period, targets: scaleTargets(SEED_002_TARGETS, 0.002), procedures, calendar: defaultCalendar });
    const records = new Map<string, DossierFacts>();
    for (const dossier of generator.dossiers()) {
      for (const event of dossier.events) records.set(event.subject, foldEvent(records.get(event.subject) ?? emptyFacts(event.subject), e.fact(event)));
    }
    const { store, form } = await opened("generated", sectors);
    const target = await store.createRebuildTarget();
    await target.writeChunk([...records.values()]);
    await store.switchTo(target);

    const sector = procedures[0]!.sectorCode;
    const scopes: ReportScope[] = [{}, { level: "DISTRICT" }, { agencyCode: COMMUNE }, { sectorCode: sector }, { level: "PROVINCE", sectorCode: sector }];
    for (const scope of scopes) {
      const direct = tthcForm(dossiersOfPeriod(records.values(), period, scope, defaultCalendar), sectors);
      const { form: stored } = await form(period, scope);
      expect(stored.totals.received.total, JSON.stringify(scope)).toBeGreaterThan(0);
      expect({ rows: stored.rows, totals: stored.totals }, JSON.stringify(scope)).toEqual({ rows: direct.rows, totals: direct.totals });
    }
    expect((await form(period)).form.totals).toEqual(generator.truth.total);
  });
});
