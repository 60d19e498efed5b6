/**
 * The services' side of the audit record: concurrent requests share appends (group commit), and
 * while requests keep coming each append is one insert, the head catching up once none is waiting.
 */
import { MongoClient, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "@onestop/auth";
import { testEnv, uniqueName } from "@onestop/testkit";
import { AuditTrail, HEAD_ID, MongoAuditLog, type AppendStep } from "../src/index.js";

const env = testEnv();
let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  mongo = await MongoClient.connect(env.mongoUrl);
  db = mongo.db(env.dbName);
});

afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
});

const caller: Caller = { principal: { subject: "svc-test", kind: "service", roles: ["service"] }, from: { transport: "rest", address: "127.0.0.1" } };
const event = (n: number) => ({ caller, action: "dossier.submit", target: { type: "dossier", id: `000.00.51.H06-251201-${String(n).padStart(4, "0")}` }, outcome: "ok" as const });

describe("a burst of requests", () => {
  it("records every one in one chain, with fewer head writes than appends, and the head at the chain's end once it is over", async () => {
    const collection = uniqueName("trail");
    const steps: Record<AppendStep, number> = { "record-inserted": 0, "head-advanced": 0 };
    const trail = new AuditTrail(await MongoAuditLog.open(db, { collection, onStep: (step) => void (steps[step] += 1) }));
    // Requests arriving while earlier appends are being written, as under load.
    const records = await Promise.all(
      Array.from({ length: 12 }, async (_, wave) => {
        await new Promise((resolve) => setTimeout(resolve, wave * 3));
        return Promise.all(Array.from({ length: 25 }, (_, i) => trail.record(event(wave * 25 + i))));
      }),
    );
    const seqs = records
      .flat()
      .map((record) => record.seq)
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(steps["record-inserted"]).toBeGreaterThan(1);
    expect(steps["head-advanced"]).toBeLessThan(steps["record-inserted"]);

    // Once the burst is over the head names the last record (no request waits for it to move).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const head = (await db.collection<Document>(collection).findOne({ _id: HEAD_ID } as Document))!;
    expect(head.seq).toBe(300);
    expect(await (await MongoAuditLog.open(db, { collection })).verify()).toMatchObject({ ok: true, count: 300, head: { seq: 300 } });
  });

  it("a record refused by validation does not leave the head behind the record before it", async () => {
    const collection = uniqueName("trail");
    const trail = new AuditTrail(await MongoAuditLog.open(db, { collection }));
    const first = trail.record(event(1)); // appended at once
    // Waiting when the first is inserted, so the first leaves the head to it; then it is refused.
    const bad = trail.record({ ...event(99), action: "" });
    await expect(bad).rejects.toThrow();
    expect((await first).seq).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const head = await db.collection<Document>(collection).findOne({ _id: HEAD_ID } as Document);
    expect(head?.seq).toBe(1);
  });
});
