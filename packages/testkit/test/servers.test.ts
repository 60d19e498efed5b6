import { MongoClient } from "mongodb";
import { describe, expect, it } from "vitest";
import { testEnv } from "../src/index.js";

describe("test kit servers", () => {
  it("gives each test file its own database on the real store", async () => {
    const env = testEnv();
    expect(env.dbName).toMatch(/^test_[0-9a-f]{8}$/);
    const client = await MongoClient.connect(env.mongoUrl);
    try {
      const docs = client.db(env.dbName).collection("probe");
      await docs.insertOne({ _id: "a" as never, value: 1 });
      expect(await docs.findOne({ _id: "a" as never })).toEqual({ _id: "a", value: 1 });
    } finally {
      await client.close();
    }
  });
});
