/**
 * The delayed-dossiers read model against the test kit's real store: events delivered twice, out
 * of order, by concurrent writers, and a crash between the record's write and the bucket's; the
 * buckets always end as the facts say (an open dossier in its holder's bucket, nowhere else).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MongoClient, type Db } from "mongodb";
import { defaultCalendar } from "@onestop/calendar";
import { testEnv } from "@onestop/testkit";
import { MongoDelayedStore, bucketOf, type DelayedStep } from "../src/adapters/store/delayed-store.js";
import { DelayedQueries } from "../src/app/delayed.js";
import type { DossierEvent } from "../src/app/ports.js";
import * as e from "./domain/events.js";

const env = testEnv();
const A = "000.00.03.H06";
const B = "000.00.09.H06";
let mongo: MongoClient;
let db: Db;
let serial = 0;

beforeAll(async () => {
  mongo = await MongoClient.connect(env.mongoUrl);
  db = mongo.db(`${env.dbName}_delayed`);
});

afterAll(async () => {
  await mongo?.close();
});

const store = (onStep?: (step: DelayedStep) => void) => MongoDelayedStore.open(db, defaultCalendar, { prefix: `t${++serial}`, ...(onStep ? { onStep } : {}) });

/** Received Tue 1/10/2024, 3 working days: due Fri 4/10; transferred from A to B on 2/10; still open. */
function lifeOf(code: string) {
  const events = [
    e.received({
      code,
      procedureCode: "3.000333",
      sectorCode: "LY_LICH_TU_PHAP",
      agencyCode: A,
      level: "PROVINCE",
      channel: "ONLINE",
      receivedAt: "2024-10-01T09:00:00+07:00",
      dueDate: "2024-10-04",
      workingDays: 3,
    }),
    e.supplementRequested(code, "2024-10-01T15:00:00+07:00"),
    e.supplementReceived(code, "2024-10-02T09:00:00+07:00"),
    e.transferred(code, "2024-10-02T11:00:00+07:00", A, B),
  ];
  return events.map((envelope): DossierEvent => ({ dossierCode: code, event: e.fact(envelope) }));
}

const codesOf = async (delayed: MongoDelayedStore, agency?: string) => (await delayed.openDossiers(agency)).map((d) => d.dossierCode).sort();

describe("the delayed read model", () => {
  it("holds an open dossier in its holder's bucket only, the same whether its events come in order, reversed or twice", async () => {
    const inOrder = store();
    const reversed = store();
    const codes = ["D-1", "D-2", "D-3"];
    const lives = codes.map(lifeOf);
    for (const life of lives) for (const event of life) await inOrder.applyBatch([event]);
    for (const life of lives) for (const event of [...life].reverse()) await reversed.applyBatch([event]);
    await reversed.applyBatch(lives.flat()); // every event a second time, in one batch
    for (const delayed of [inOrder, reversed]) {
      expect(await codesOf(delayed, B)).toEqual(codes);
      expect(await codesOf(delayed, A)).toEqual([]);
      expect(await codesOf(delayed)).toEqual(codes);
    }
    expect(await inOrder.openDossiers(B)).toEqual(await reversed.openDossiers(B));
    // The supplement restarted the clock on 2/10: due Mon 7/10, held by B since the transfer.
    expect((await inOrder.openDossiers(B)).find((d) => d.dossierCode === "D-1")).toMatchObject({
      agencyCode: B,
      heldSince: "2024-10-02T11:00:00+07:00",
      dueAtMs: Date.parse("2024-10-07T23:59:59.999+07:00"),
    });
  });

  it("drops a dossier from the buckets once it is resolved, even when the decision arrives before the receipt", async () => {
    const delayed = store();
    const [receipt, ...rest] = lifeOf("R-1");
    await delayed.applyBatch([{ dossierCode: "R-1", event: e.fact(e.resolved("R-1", "2024-10-03T09:00:00+07:00")) }]);
    await delayed.applyBatch(rest);
    await delayed.applyBatch([receipt!]);
    expect(await codesOf(delayed)).toEqual([]);
    await delayed.applyBatch(lifeOf("R-2"));
    expect(await codesOf(delayed)).toEqual(["R-2"]);
    await delayed.applyBatch([{ dossierCode: "R-2", event: e.fact(e.resolved("R-2", "2024-10-03T09:00:00+07:00")) }]);
    expect(await codesOf(delayed)).toEqual([]);
  });

  it("heals a crash between the record's write and the bucket's on the batch's redelivery", async () => {
    let crash = true;
    const delayed = store((step) => {
      if (step === "records-written" && crash) throw new Error("crash after the records were written");
    });
    const batch = lifeOf("C-1");
    await expect(delayed.applyBatch(batch)).rejects.toThrow("crash after the records were written");
    expect(await codesOf(delayed)).toEqual([]); // the record holds the events, the bucket not yet
    crash = false;
    await delayed.applyBatch(batch); // redelivery: nothing to fold, the buckets are derived again
    expect(await codesOf(delayed, B)).toEqual(["C-1"]);

    // Crashing after the transfer's record write leaves the summary in A's bucket until the redelivery.
    const moving = store((step) => {
      if (step === "records-written" && crash) throw new Error("crash");
    });
    const [receipt, request, back, transfer] = lifeOf("C-2");
    await moving.applyBatch([receipt!, request!, back!]);
    expect(await codesOf(moving, A)).toEqual(["C-2"]);
    crash = true;
    await expect(moving.applyBatch([transfer!])).rejects.toThrow("crash");
    expect(await codesOf(moving, A)).toEqual(["C-2"]);
    crash = false;
    await moving.applyBatch([transfer!]);
    expect(await codesOf(moving, A)).toEqual([]);
    expect(await codesOf(moving, B)).toEqual(["C-2"]);
  });

  it("ends as the facts say when writers fold the same dossiers' events at the same time", async () => {
    const delayed = store();
    const codes = Array.from({ length: 20 }, (_, i) => `P-${i}`);
    const events = codes.flatMap(lifeOf);
    // Each event in its own concurrent batch, plus the whole lot twice: every record raced for.
    await Promise.all([...events.map((event) => delayed.applyBatch([event])), delayed.applyBatch(events), delayed.applyBatch([...events].reverse())]);
    expect(await codesOf(delayed, B)).toEqual(codes.sort());
    expect(await codesOf(delayed, A)).toEqual([]);
    const buckets = await db.collection<{ _id: string; entries?: Record<string, { v: number; dossierCode: string }> }>(`t${serial}_buckets`).find({}).toArray();
    // Each dossier's summary in exactly one bucket, the one its code and holder name.
    const placed = buckets.flatMap((bucket) => Object.values(bucket.entries ?? {}).map((entry) => [entry.dossierCode, bucket._id]));
    expect(placed.sort()).toEqual(codes.map((code) => [code, bucketOf(B, code)]).sort());
  });

  it("answers the list judged at the time of the question, newest counts and pages", async () => {
    const delayed = store();
    await delayed.applyBatch(["Q-1", "Q-2", "Q-3"].flatMap(lifeOf));
    const queries = (now: string) => new DelayedQueries({ store: delayed, lag: { pendingEvents: async () => 0 }, calendar: defaultCalendar, now: () => new Date(now) });
    const request = { scope: { agencyCode: B }, withinDays: 2, pageSize: 2, offset: 0 };
    // Due Mon 7/10: at risk on Fri 4/10 (1 working day left), overdue on Tue 8/10.
    const friday = await queries("2024-10-04T10:00:00+07:00").list(request);
    expect(friday).toMatchObject({ total: 3, counts: { overdue: 0, atRisk: 3 }, nextPageToken: "2" });
    expect(friday.dossiers.map((d) => [d.dossierCode, d.status, d.workingDaysLeft])).toEqual([
      ["Q-1", "AT_RISK", 1],
      ["Q-2", "AT_RISK", 1],
    ]);
    const tuesday = await queries("2024-10-08T10:00:00+07:00").list({ ...request, offset: 2 });
    expect(tuesday.dossiers.map((d) => [d.dossierCode, d.status, d.overdueWorkingDays])).toEqual([["Q-3", "OVERDUE", 1]]);
    expect(tuesday.nextPageToken).toBeUndefined();
    expect((await queries("2024-10-08T10:00:00+07:00").list({ ...request, scope: { agencyCode: A } })).total).toBe(0);
  });
});
