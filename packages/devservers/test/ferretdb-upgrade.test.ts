import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MongoClient, MongoServerError, type Document } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { serverBinary, startFerretDb, type FerretDbServer } from "../src/index.js";

// FerretDB-specific by nature (it opens a database the stock release wrote), so it always runs its
// own servers, whatever MONGO_URL names.
const dir = mkdtempSync(join(tmpdir(), "onestop-ferretdb-upgrade-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withServer<T>(binary: string, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const server: FerretDbServer = await startFerretDb({ dir, binary });
  const client = new MongoClient(server.url);
  try {
    return await use(client);
  } finally {
    await client.close();
    await server.stop();
  }
}

/** The SQLite query plan FerretDB's explain reports for a find. */
async function plan(client: MongoClient, filter: Document): Promise<string> {
  const explained = await client.db("upgrade").command({ explain: { find: "dossiers", filter } });
  return (explained.queryPlanner as { Plan: string[] }).Plan.join("\n");
}

describe("a database written by the stock FerretDB 1.24.2", () => {
  it("has its indexes rebuilt by the patched build, so _id lookups use the index", async () => {
    const docs = Array.from({ length: 300 }, (_, i) => ({ _id: `d${i}`, code: `C-${i}`, agency: `A${i % 7}`, n: i }));

    const stockPlan = await withServer(serverBinary("ferretdb-stock"), async (client) => {
      const dossiers = client.db("upgrade").collection<(typeof docs)[number]>("dossiers");
      await dossiers.insertMany(docs);
      await dossiers.createIndex({ code: 1 }, { unique: true, name: "code_unique" });
      await dossiers.createIndex({ agency: 1 }, { name: "agency" });
      return plan(client, { _id: "d42" });
    });
    // The defect the patch fixes: the stock build's _id index does not match its queries.
    expect(stockPlan).toMatch(/SCAN/);
    expect(stockPlan).not.toMatch(/USING INDEX/);

    await withServer(serverBinary("ferretdb"), async (client) => {
      expect(await plan(client, { _id: "d42" })).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      expect(await plan(client, { _id: "d42", n: { $gte: 0 } })).toMatch(/USING INDEX \S+__id_/);

      const dossiers = client.db("upgrade").collection<(typeof docs)[number]>("dossiers");
      expect(await dossiers.countDocuments()).toBe(300);
      expect(await dossiers.findOne({ _id: "d42" })).toEqual(docs[42]);
      const duplicate = await dossiers.insertOne({ _id: "new", code: "C-7", agency: "A0", n: 0 }).catch((error: unknown) => error);
      expect(duplicate).toBeInstanceOf(MongoServerError);
      expect((duplicate as MongoServerError).code).toBe(11000);
      expect(await dossiers.countDocuments({ _id: "new" })).toBe(0);
      expect((await dossiers.indexes()).map((index) => index.name).sort()).toEqual(["_id_", "agency", "code_unique"]);
    });
  });
});
