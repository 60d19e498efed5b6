import mongoose, { Schema, type Connection } from "mongoose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "@onestop/testkit";

interface DossierProbe {
  code: string;
  procedureCode: string;
  version: number;
}

describe("real MongoDB-compatible store through mongoose", () => {
  const env = testEnv();
  let connection: Connection;
  beforeAll(async () => {
    connection = await mongoose.createConnection(env.mongoUrl, { dbName: env.dbName }).asPromise();
  });
  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  const schema = new Schema<DossierProbe>({
    code: { type: String, required: true, unique: true },
    procedureCode: { type: String, required: true },
    version: { type: Number, required: true },
  });

  it("writes a document and reads it back", async () => {
    const Dossier = connection.model("DossierProbe", schema);
    await Dossier.init();
    await Dossier.create({ code: "000.00.12.H10-240115-0001", procedureCode: "1.001193", version: 1 });
    const found = await Dossier.findOne({ code: "000.00.12.H10-240115-0001" }).lean();
    expect(found).toMatchObject({ procedureCode: "1.001193", version: 1 });
  });

  it("enforces a unique index, which every upsert relies on", async () => {
    const Dossier = connection.model("DossierProbe", schema);
    await Dossier.init();
    await Dossier.create({ code: "000.00.12.H10-240115-0002", procedureCode: "1.001193", version: 1 });
    await expect(Dossier.create({ code: "000.00.12.H10-240115-0002", procedureCode: "2.000001", version: 1 })).rejects.toMatchObject({
      code: 11000,
    });
  });

  it("applies a version-conditional update only once (optimistic concurrency)", async () => {
    const Dossier = connection.model("DossierProbe", schema);
    await Dossier.create({ code: "000.00.12.H10-240115-0003", procedureCode: "1.001193", version: 1 });
    const first = await Dossier.updateOne({ code: "000.00.12.H10-240115-0003", version: 1 }, { $set: { version: 2 } });
    const stale = await Dossier.updateOne({ code: "000.00.12.H10-240115-0003", version: 1 }, { $set: { version: 2 } });
    expect(first.modifiedCount).toBe(1);
    expect(stale.modifiedCount).toBe(0);
  });
});
