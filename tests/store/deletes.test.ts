import type { DeleteResult, UpdateResult } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTwoClients, range, type TwoClients } from "./store.js";

// A delete conditional on a version races an update conditional on the same version, which bumps
// it. Both filters match the document as it was, so MongoDB lets exactly one of them apply: the
// other finds nothing. Anything else means a delete removed a document that no longer matched its
// filter (losing an acknowledged update) or an update wrote to a deleted document. Each round the
// deleter retries the survivors at the version the updater gave them.

interface Item {
  _id: number;
  version: number;
  state: string;
}

interface Race {
  id: number;
  outcome: string;
}

function outcome(deleted: number, matched: number, modified: number): string {
  if (deleted === 1 && matched === 0) return "delete won";
  if (deleted === 0 && matched === 1 && modified === 1) return "update won";
  return `deleted ${deleted}, update matched ${matched} modified ${modified}`;
}

function tally(races: Race[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const race of races) counts[race.outcome] = (counts[race.outcome] ?? 0) + 1;
  return counts;
}

describe("store contract: deletes racing updates", () => {
  let store: TwoClients;
  beforeAll(async () => {
    store = await connectTwoClients();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("applies exactly one of a racing conditional delete and update, loses nothing and resurrects nothing", { timeout: 60_000 }, async () => {
    const [updater, deleter] = store.collection<Item>("items");
    const initial = 200;
    const rounds = 3;
    await updater.insertMany(range(initial).map((id) => ({ _id: id, version: 0, state: "open" })));

    const deleted: number[] = [];
    let alive = range(initial);
    for (const version of range(rounds)) {
      const races: Race[] = await Promise.all(
        alive.map(async (id) => {
          const remove = () => deleter.deleteOne({ _id: id, version });
          const update = () => updater.updateOne({ _id: id, version }, { $set: { state: `updated ${version}` }, $inc: { version: 1 } });
          // Alternate which one is sent first, so that each side wins some races.
          let removal: Promise<DeleteResult>;
          let change: Promise<UpdateResult<Item>>;
          if (id % 2 === 0) {
            removal = remove();
            change = update();
          } else {
            change = update();
            removal = remove();
          }
          const [{ deletedCount }, { matchedCount, modifiedCount }] = await Promise.all([removal, change]);
          return { id, outcome: outcome(deletedCount, matchedCount, modifiedCount) };
        }),
      );

      const withoutOneWinner = Object.entries(tally(races)).filter(([label]) => label !== "delete won" && label !== "update won");
      expect(Object.fromEntries(withoutOneWinner), `round ${version}: races without exactly one winner`).toEqual({});

      const removed = races.filter((race) => race.outcome === "delete won").map((race) => race.id);
      deleted.push(...removed);
      alive = races.filter((race) => race.outcome === "update won").map((race) => race.id);
      const stored = await updater
        .find({ _id: { $in: [...removed, ...alive] } })
        .sort({ _id: 1 })
        .toArray();
      expect(stored, `round ${version}: every acknowledged update kept, every acknowledged delete gone`).toEqual(alive.map((id) => ({ _id: id, version: version + 1, state: `updated ${version}` })));
    }

    // Updates of deleted documents match nothing and bring nothing back.
    const late = await Promise.all(deleted.map((id, i) => (i % 2 === 0 ? updater : deleter).updateOne({ _id: id }, { $set: { state: "resurrected" } })));
    expect(late.filter((result) => result.matchedCount !== 0 || result.modifiedCount !== 0)).toEqual([]);
    expect(await updater.countDocuments({ _id: { $in: deleted } })).toBe(0);
    expect(deleted.length + (await updater.countDocuments({}))).toBe(initial);
  });
});
