import type { Collection } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTwoClients, range, within, type TwoClients } from "./store.js";

// A bulk of updates must complete and must not stop other clients from using the database.
// Kept in a file of its own: a server that wedges here takes only this file's database with it.

// String keys, as every collection of ours has: the local store pushes down string and ObjectID
// `_id`s (infra/ferretdb/patches/0003), so a numeric key would make each update a scan.
interface Row {
  _id: string;
  ordered?: number;
  unordered?: number;
}

interface Probe {
  _id: string;
  at: number;
}

const size = 1_000;
const key = (i: number): string => `row-${i}`;
/** Far above what MongoDB needs (well under a second); a wedged server never answers. */
const bulkLimitMs = 20_000;
const probeLimitMs = 5_000;

/** One insert and one read by another client, each of which must answer promptly. */
async function probe(side: Collection<Probe>, label: string): Promise<void> {
  const _id = `${label}-${Date.now()}-${Math.random()}`;
  await within(probeLimitMs, side.insertOne({ _id, at: Date.now() }), `insert by another client (${label})`);
  const found = await within(probeLimitMs, side.findOne({ _id }), `read by another client (${label})`);
  expect(found?._id).toBe(_id);
}

/** Probes repeatedly until `pending` settles, then once more; returns how many probes ran meanwhile. */
async function probeWhile(pending: Promise<unknown>, side: Collection<Probe>): Promise<number> {
  let settled = false;
  const markSettled = (): void => {
    settled = true;
  };
  pending.then(markSettled, markSettled);
  let during = 0;
  do {
    await probe(side, "during the bulk");
    during += 1;
  } while (!settled);
  await probe(side, "after the bulk");
  return during;
}

describe("store contract: bulk writes", () => {
  let store: TwoClients;
  let rows: [Collection<Row>, Collection<Row>];
  let side: Collection<Probe>;
  beforeAll(async () => {
    store = await connectTwoClients();
    rows = store.collection<Row>("rows");
    side = store.collection<Probe>("side")[1];
    await rows[0].insertMany(range(size).map((i) => ({ _id: key(i) })));
  });
  afterAll(async () => {
    await store?.close();
  });

  it("applies, in order, a bulk that updates one document several times", async () => {
    const [a] = store.collection<{ _id: string; steps: string[]; n: number }>("repeated");
    await a.insertMany([
      { _id: "x", steps: [], n: 0 },
      { _id: "y", steps: [], n: 0 },
    ]);
    const result = await a.bulkWrite([
      { updateOne: { filter: { _id: "x" }, update: { $push: { steps: "first" }, $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: "y" }, update: { $push: { steps: "other" }, $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: "x", n: 1 }, update: { $push: { steps: "second, after the first" }, $inc: { n: 1 } } } },
    ]);
    expect(result.modifiedCount).toBe(3);
    expect(await a.find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: "x", steps: ["first", "second, after the first"], n: 2 },
      { _id: "y", steps: ["other"], n: 1 },
    ]);
  });

  for (const ordered of [false, true]) {
    const field = ordered ? "ordered" : "unordered";
    it(`applies an ${field} bulkWrite of 1,000 updateOne by _id while another client inserts and reads`, { timeout: 90_000 }, async () => {
      const [a] = rows;
      const bulk = a.bulkWrite(
        range(size).map((i) => ({ updateOne: { filter: { _id: key(i) }, update: { $set: { [field]: i } } } })),
        { ordered },
      );

      const bounded = within(bulkLimitMs, bulk, `${field} bulk of ${size} updates`);
      // Probing stops at the deadline too, so that a failed bulk does not leave it running.
      const [result, probesDuring] = await Promise.all([bounded, probeWhile(bounded, side)]);

      expect(probesDuring).toBeGreaterThanOrEqual(1);
      expect({ matched: result.matchedCount, modified: result.modifiedCount }).toEqual({ matched: size, modified: size });
      const stored = await a.find().toArray();
      expect(stored).toHaveLength(size);
      expect(
        stored.filter((row) => key(row[field] ?? -1) !== row._id),
        `documents not showing the ${field} update`,
      ).toEqual([]);
    });
  }
});
