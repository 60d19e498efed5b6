import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTwoClients, range, type TwoClients } from "./store.js";

// MongoDB promises that a write to one document is atomic: concurrent updates of the same
// document are serialised, each seeing the effect of the ones before it.

interface Counter {
  _id: string;
  n: number;
}

interface Versioned {
  _id: string;
  version: number;
  owner: string | null;
}

describe("store contract: single-document updates are atomic", () => {
  let store: TwoClients;
  beforeAll(async () => {
    store = await connectTwoClients();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("loses no $inc among 2 × 1,000 concurrent updates from two clients", { timeout: 60_000 }, async () => {
    const [a, b] = store.collection<Counter>("inc");
    await a.insertOne({ _id: "counter", n: 0 });

    const perClient = 1_000;
    const results = await Promise.all([a, b].flatMap((collection) => range(perClient).map(() => collection.updateOne({ _id: "counter" }, { $inc: { n: 1 } }))));

    expect(results.filter((result) => result.modifiedCount === 1)).toHaveLength(2 * perClient);
    expect(await a.findOne({ _id: "counter" })).toEqual({ _id: "counter", n: 2 * perClient });
  });

  it("lets exactly one of four racing version-conditional updates win, round after round", { timeout: 60_000 }, async () => {
    const [a, b] = store.collection<Versioned>("versioned");
    await a.insertOne({ _id: "doc", version: 0, owner: null });

    const rounds = 30;
    const racers = range(4).map((i) => ({ name: `racer-${i}`, collection: i % 2 === 0 ? a : b }));
    for (const version of range(rounds)) {
      const results = await Promise.all(racers.map(({ name, collection }) => collection.updateOne({ _id: "doc", version }, { $set: { owner: `${name}@${version}` }, $inc: { version: 1 } })));
      const winners = racers.filter((_, i) => results[i]?.modifiedCount === 1).map(({ name }) => `${name}@${version}`);
      expect(winners, `round ${version}`).toHaveLength(1);
      expect(results.map((result) => result.matchedCount).sort(), `round ${version}: losers match nothing`).toEqual([0, 0, 0, 1]);
      expect(await a.findOne({ _id: "doc" }), `round ${version}`).toEqual({ _id: "doc", version: version + 1, owner: winners[0] });
    }
  });

  it("hands out 500 distinct values from a findOneAndUpdate $inc counter used by two clients", { timeout: 60_000 }, async () => {
    const [a, b] = store.collection<Counter>("sequence");
    await a.insertOne({ _id: "sequence", n: 0 });

    const calls = 500;
    const handedOut = await Promise.all(
      range(calls).map(async (i) => {
        const collection = i % 2 === 0 ? a : b;
        const after = await collection.findOneAndUpdate({ _id: "sequence" }, { $inc: { n: 1 } }, { returnDocument: "after" });
        return after?.n;
      }),
    );

    expect(new Set(handedOut).size).toBe(calls);
    expect(handedOut.sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(range(calls).map((i) => i + 1));
    expect(await a.findOne({ _id: "sequence" })).toEqual({ _id: "sequence", n: calls });
  });
});
