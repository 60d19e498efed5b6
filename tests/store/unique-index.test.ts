import { MongoServerError, type UpdateResult } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTwoClients, isDuplicateKey, range, type TwoClients } from "./store.js";

// Every upsert of ours is backed by a unique index: this is what makes a racing duplicate safe.

interface Keyed {
  key: string;
  hits?: number;
  payload?: string;
}

/** What MongoDB may answer to one of several racing upserts of the same key. */
const allowedOutcomes = ["inserted", "updated", "duplicate key"];

function outcome(result: PromiseSettledResult<UpdateResult<Keyed>>): string {
  if (result.status === "rejected") return isDuplicateKey(result.reason) ? "duplicate key" : `error: ${String(result.reason)}`;
  const { upsertedCount, matchedCount, modifiedCount } = result.value;
  if (upsertedCount === 1 && matchedCount === 0) return "inserted";
  // MongoDB retries an upsert that lost the insert race on a unique index as an update.
  if (upsertedCount === 0 && matchedCount === 1 && modifiedCount === 1) return "updated";
  return `unexpected result: ${JSON.stringify(result.value)}`;
}

describe("store contract: unique indexes", () => {
  let store: TwoClients;
  beforeAll(async () => {
    store = await connectTwoClients();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("keeps one document per key when upserts race, every loser failing with 11000 or applied as an update", { timeout: 60_000 }, async () => {
    const [a, b] = store.collection<Keyed>("upserts");
    await a.createIndex({ key: 1 }, { unique: true });

    const rounds = 20;
    const racers = 8;
    for (const round of range(rounds)) {
      const key = `key-${round}`;
      const settled = await Promise.allSettled(range(racers).map((i) => (i % 2 === 0 ? a : b).updateOne({ key }, { $inc: { hits: 1 } }, { upsert: true })));
      const outcomes = settled.map(outcome);
      expect(
        outcomes.filter((o) => !allowedOutcomes.includes(o)),
        `${key}: outcomes ${outcomes.join(", ")}`,
      ).toEqual([]);
      expect(
        outcomes.filter((o) => o === "inserted"),
        key,
      ).toHaveLength(1);

      const stored = await a.find({ key }).toArray();
      expect(stored, key).toHaveLength(1);
      // Every upsert that reported success, and only those, left its increment.
      expect(stored[0]?.hits, key).toBe(outcomes.filter((o) => o === "inserted" || o === "updated").length);
    }
    expect(await a.countDocuments({})).toBe(rounds);
  });

  it("rejects an insert that violates a unique index with 11000 and writes nothing", async () => {
    const [a, b] = store.collection<Keyed>("inserts");
    await a.createIndex({ key: 1 }, { unique: true });
    await a.insertOne({ key: "taken", payload: "first" });

    const error: unknown = await b.insertOne({ key: "taken", payload: "second" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000 });
    expect(await a.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ key: "taken", payload: "first" }]);
  });
});
