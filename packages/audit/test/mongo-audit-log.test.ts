import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MongoClient, type CommandStartedEvent, type Db, type Document } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv, uniqueName } from "@onestop/testkit";
import { GENESIS_HASH, HEAD_ID, MongoAuditLog, recordHash, recordId, sealRecord, type AppendStep, type AuditEntry, type AuditRecord, type MongoAuditLogOptions } from "../src/index.js";

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

function entry(n: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: { subject: `u-${n % 7}`, username: `canbo${n % 7}`, roles: ["desk_officer"], agencyCode: "000.00.51.H06", kind: "user" },
    action: n % 3 === 0 ? "dossier.read" : "dossier.submit",
    target: { type: "dossier", id: `H06.51-250310-${String(n).padStart(4, "0")}` },
    from: { transport: "rest", address: "10.0.0.7" },
    outcome: "ok",
    ...overrides,
  };
}

async function openLog(collection: string, options: Omit<MongoAuditLogOptions, "collection"> = {}): Promise<MongoAuditLog> {
  return MongoAuditLog.open(db, { collection, ...options });
}

async function filledLog(count: number): Promise<{ log: MongoAuditLog; collection: string; records: AuditRecord[] }> {
  const collection = uniqueName("audit");
  const log = await openLog(collection);
  const records = await log.appendMany(Array.from({ length: count }, (_, i) => entry(i + 1)));
  return { log, collection, records };
}

const stored = (collection: string, seq: number) => db.collection<Document>(collection).findOne({ _id: recordId(seq) } as Document);

describe("appending and verifying", () => {
  it("appends records as one chain, reads them back by seq and verifies them", async () => {
    const collection = uniqueName("audit");
    const log = await openLog(collection, { now: () => new Date("2025-03-10T02:15:00.000Z") });
    const first = await log.append(entry(1));
    expect(first).toMatchObject({ seq: 1, at: "2025-03-10T02:15:00.000Z", prevHash: GENESIS_HASH });
    expect(first.hash).toBe(recordHash(first));
    const more = await log.appendMany(Array.from({ length: 249 }, (_, i) => entry(i + 2)));
    expect(more.map((r) => r.seq)).toEqual(Array.from({ length: 249 }, (_, i) => i + 2));
    expect(more[0]!.prevHash).toBe(first.hash);

    expect(await log.read(100, 3)).toEqual(more.slice(98, 101));
    expect(await stored(collection, 250)).toEqual({ _id: "000000000250", ...more[248] });
    const head = await log.head();
    expect(head).toEqual({ seq: 250, hash: more[248]!.hash, at: more[248]!.at });
    expect(await db.collection<Document>(collection).findOne({ _id: HEAD_ID } as Document)).toEqual({ _id: HEAD_ID, seq: 250, hash: head.hash, at: head.at });
    expect((await log.tail(3)).map((r) => r.seq)).toEqual([248, 249, 250]);

    const progress: number[] = [];
    const result = await log.verify({ batchSize: 100, onProgress: (p) => progress.push(p.verified) });
    expect(result).toEqual({ ok: true, count: 250, head: { seq: 250, hash: head.hash } });
    expect(progress).toEqual([100, 200, 250]);
  });

  it("verifies an empty log", async () => {
    const log = await openLog(uniqueName("audit"));
    expect(await log.verify()).toEqual({ ok: true, count: 0, head: { seq: 0, hash: GENESIS_HASH } });
    expect(await log.tail()).toEqual([]);
  });

  it("rejects an entry carrying data it should not, before writing anything", async () => {
    const collection = uniqueName("audit");
    const log = await openLog(collection);
    const bad = { ...entry(2), details: { citizen: { name: "Nguyễn Văn A" } } } as unknown as AuditEntry;
    await expect(log.appendMany([entry(1), bad])).rejects.toThrow(/details/);
    expect(await db.collection(collection).countDocuments()).toBe(0);
    expect((await log.append(entry(3))).seq).toBe(1);
  });

  it("keeps every hot-path operation keyed by _id alone", async () => {
    const collection = uniqueName("audit");
    const watched = await MongoClient.connect(env.mongoUrl, { monitorCommands: true });
    const commands: CommandStartedEvent[] = [];
    watched.on("commandStarted", (event) => commands.push(event));
    try {
      const a = await MongoAuditLog.open(watched.db(env.dbName), { collection });
      const b = await MongoAuditLog.open(watched.db(env.dbName), { collection });
      for (let i = 0; i < 10; i++) await Promise.all([a.append(entry(i)), b.append(entry(100 + i))]);
      await a.head();
      await a.read(1, 5);
    } finally {
      await watched.close();
    }
    const onLog = commands.filter((c) => c.command[c.commandName] === collection);
    const filters = onLog.flatMap((c): Document[] => {
      if (c.commandName === "find") return [c.command.filter as Document];
      if (c.commandName === "update") return (c.command.updates as { q: Document }[]).map((u) => u.q);
      return [];
    });
    expect(filters.length).toBeGreaterThan(20);
    for (const filter of filters) expect(Object.keys(filter)[0]).toBe("_id");
    for (const filter of filters) expect(typeof filter._id === "string" || Array.isArray((filter._id as { $in?: unknown }).$in)).toBe(true);
    expect(new Set(onLog.map((c) => c.commandName))).toEqual(new Set(["insert", "update", "find"]));
  });
});

describe("tampering", () => {
  it("detects a field altered in the collection at exactly that record", async () => {
    const { log, collection } = await filledLog(120);
    await db.collection<Document>(collection).updateOne({ _id: recordId(77) } as Document, { $set: { outcome: "denied" } });
    expect(await log.verify({ batchSize: 50 })).toMatchObject({ ok: false, firstBrokenSeq: 77, reason: "hash-mismatch", verified: 76 });
  });

  it("detects a record rewritten with its hash recomputed, at the next link", async () => {
    const { log, collection, records } = await filledLog(30);
    const forged: Record<string, unknown> = { ...records[9]!, actor: { ...records[9]!.actor, subject: "someone-else" } };
    forged.hash = recordHash(forged);
    await db.collection<Document>(collection).replaceOne({ _id: recordId(10) } as Document, forged);
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 11, reason: "prev-hash-mismatch" });
  });

  it("detects a deleted record, in the middle, at the end, and past the head", async () => {
    const { log, collection } = await filledLog(60);
    const records = db.collection<Document>(collection);
    await records.deleteOne({ _id: recordId(60) } as Document);
    expect(await log.verify({ batchSize: 25 })).toMatchObject({ ok: false, firstBrokenSeq: 60, reason: "missing" });
    await records.deleteOne({ _id: recordId(42) } as Document);
    expect(await log.verify({ batchSize: 25 })).toMatchObject({ ok: false, firstBrokenSeq: 42, reason: "missing" });

    // A hole beyond the head and beyond any batch the walk reads: found by the final look over ids.
    const other = await filledLog(20);
    await other.log.appendMany(Array.from({ length: 1_200 }, (_, i) => entry(i)));
    await db.collection<Document>(other.collection).updateOne({ _id: HEAD_ID } as Document, { $set: { seq: 20, hash: other.records[19]!.hash } });
    await db.collection<Document>(other.collection).deleteMany({ _id: { $in: Array.from({ length: 1_100 }, (_, i) => recordId(21 + i)) } } as Document);
    expect(await other.log.verify({ batchSize: 50 })).toMatchObject({ ok: false, firstBrokenSeq: 21, reason: "missing" });
  });

  it("detects two swapped records, whole or by their content", async () => {
    const { log, collection, records } = await filledLog(40);
    const docs = db.collection<Document>(collection);
    const [r20, r21] = [records[19]!, records[20]!];
    await docs.replaceOne({ _id: recordId(20) } as Document, r21);
    await docs.replaceOne({ _id: recordId(21) } as Document, r20);
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 20, reason: "seq-mismatch" });

    // The events swapped, the chain fields left in place.
    const { seq: _s1, prevHash: p20, hash: h20, ...event20 } = r20;
    const { seq: _s2, prevHash: p21, hash: h21, ...event21 } = r21;
    await docs.replaceOne({ _id: recordId(20) } as Document, { ...event21, seq: 20, prevHash: p20, hash: h20 });
    await docs.replaceOne({ _id: recordId(21) } as Document, { ...event20, seq: 21, prevHash: p21, hash: h21 });
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 20, reason: "hash-mismatch" });
  });

  it("detects a head naming another hash than its record's", async () => {
    const { log, collection } = await filledLog(10);
    await db.collection<Document>(collection).updateOne({ _id: HEAD_ID } as Document, { $set: { hash: "f".repeat(64) } });
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 10, reason: "head-mismatch" });
  });

  it("cannot see a whole tail rewritten with recomputed hashes, unless an anchor was published", async () => {
    const { log, collection, records } = await filledLog(30);
    const anchor = await log.head();
    expect(await log.verify({ anchors: [anchor] })).toMatchObject({ ok: true, count: 30 });
    // The attacker rewrites records 25-30 and the head, recomputing every hash.
    const docs = db.collection<Document>(collection);
    let prevHash = records[23]!.hash;
    for (const record of records.slice(24)) {
      const forged: Record<string, unknown> = { ...record, outcome: "failed", prevHash };
      forged.hash = recordHash(forged);
      prevHash = forged.hash as string;
      await docs.replaceOne({ _id: recordId(record.seq) } as Document, forged);
    }
    await docs.updateOne({ _id: HEAD_ID } as Document, { $set: { hash: prevHash } });
    expect(await log.verify()).toMatchObject({ ok: true, count: 30 });
    expect(await log.verify({ anchors: [anchor] })).toMatchObject({ ok: false, firstBrokenSeq: 30, reason: "anchor-mismatch" });
    // Truncating the tail past an anchor is caught too.
    await docs.deleteMany({ _id: { $in: [recordId(29), recordId(30)] } } as Document);
    await docs.updateOne({ _id: HEAD_ID } as Document, { $set: { seq: 28, hash: (await log.read(28, 1))[0]!.hash } });
    expect(await log.verify({ anchors: [anchor] })).toMatchObject({ ok: false, firstBrokenSeq: 29, reason: "missing" });
  });
});

describe("several writers", () => {
  it("two instances appending 2 × 200 interleaved give one valid chain holding every record", async () => {
    const collection = uniqueName("audit");
    const [a, b] = [await openLog(collection), await openLog(collection)];
    const run = async (log: MongoAuditLog, label: string) => {
      const mine: AuditRecord[] = [];
      for (let i = 0; i < 200; i++) mine.push(await log.append(entry(i, { details: { writer: label, n: String(i) } })));
      return mine;
    };
    const [fromA, fromB] = await Promise.all([run(a, "a"), run(b, "b")]);
    const seqs = [...fromA, ...fromB].map((r) => r.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    // Interleaved, not one after the other.
    expect(fromA.some((r, i) => i > 0 && r.seq !== fromA[i - 1]!.seq + 1)).toBe(true);
    expect(await a.verify({ batchSize: 128 })).toEqual({ ok: true, count: 400, head: { seq: 400, hash: (await b.head()).hash } });
    for (const record of [...fromA.slice(0, 5), ...fromB.slice(-5)]) expect(await stored(collection, record.seq)).toEqual({ _id: recordId(record.seq), ...record });
    const head = (await db.collection<Document>(collection).findOne({ _id: HEAD_ID } as Document))!;
    expect(head.seq).toBe(400);
  });

  it("two instances appending batches concurrently still give one chain", async () => {
    const collection = uniqueName("audit");
    const [a, b] = [await openLog(collection), await openLog(collection)];
    const batch = (label: string) => Array.from({ length: 60 }, (_, i) => entry(i, { details: { writer: label } }));
    const results = await Promise.all([a.appendMany(batch("a")), b.appendMany(batch("b")), a.appendMany(batch("a2")), b.appendMany(batch("b2"))]);
    const seqs = results
      .flat()
      .map((r) => r.seq)
      .sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    expect(await b.verify()).toMatchObject({ ok: true, count: 240 });
    const stored240 = await a.read(1, 240);
    for (const result of results) for (const record of result) expect(stored240[record.seq - 1]).toEqual(record);
  });

  it("an ordered batch colliding mid-way keeps its prefix and seals the rest after the other writer's record", async () => {
    const collection = uniqueName("audit");
    // Another writer's record 5, stored before this writer's batch reaches it.
    const theirs = sealRecord({ seq: 4, hash: "a".repeat(64) }, entry(500), "2025-03-10T02:15:00.000Z");
    await db.collection<{ _id: string }>(collection).insertOne({ _id: recordId(5), ...theirs });
    const log = await openLog(collection);
    const mine = await log.appendMany(Array.from({ length: 10 }, (_, i) => entry(i)));
    expect(mine.map((r) => r.seq)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
    expect(mine[4]!.prevHash).toBe(theirs.hash);
    expect(await log.read(1, 11)).toEqual([...mine.slice(0, 4), theirs, ...mine.slice(4)]);
    // (Record 5 names a made-up predecessor, so this chain is broken there, and only there.)
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: 5, reason: "prev-hash-mismatch" });
  });

  it("verifies while others append", async () => {
    const { log, collection } = await filledLog(300);
    const writer = await openLog(collection);
    let writing = true;
    const appending = (async () => {
      while (writing) await writer.append(entry(1));
    })();
    const result = await log.verify({ batchSize: 40 });
    writing = false;
    await appending;
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.count).toBeGreaterThanOrEqual(300);
    expect((await log.head()).seq).toBeGreaterThan(300);
    expect(await log.verify()).toMatchObject({ ok: true });
  });
});

describe("a writer crashing between two writes", () => {
  class Crash extends Error {}
  const crashAt = (step: AppendStep, afterRecords: number) => {
    let seen = 0;
    return (at: AppendStep, records: readonly AuditRecord[]) => {
      if (at !== step) return;
      seen += records.length;
      if (seen >= afterRecords) throw new Crash(`crashed at ${step}`);
    };
  };

  it("after the record insert, before the head advance: the next writer appends past it and the chain verifies", async () => {
    const collection = uniqueName("audit");
    const crashing = await openLog(collection, { onStep: crashAt("record-inserted", 3) });
    await crashing.append(entry(1));
    await crashing.append(entry(2));
    await expect(crashing.append(entry(3))).rejects.toThrow(Crash);
    const headDoc = () => db.collection<Document>(collection).findOne({ _id: HEAD_ID } as Document);
    expect((await headDoc())!.seq).toBe(2);
    expect(await stored(collection, 3)).toBeTruthy();
    // What the verifier sees in the crashed state: a valid chain of 3, the head behind it.
    expect(await (await openLog(collection)).verify()).toMatchObject({ ok: true, count: 3 });

    const next = await openLog(collection);
    const appended = await Promise.all([1, 2, 3, 4, 5].map((i) => next.append(entry(10 + i))));
    expect(appended.map((r) => r.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(appended[0]!.prevHash).toBe(((await stored(collection, 3)) as Document).hash);
    expect(await next.verify()).toMatchObject({ ok: true, count: 8 });
    expect((await headDoc())!.seq).toBe(8);
  });

  it("after a batch's insert, far ahead of the head: the next writer walks the whole batch", async () => {
    const collection = uniqueName("audit");
    const crashing = await openLog(collection, { onStep: crashAt("record-inserted", 105) });
    await crashing.appendMany(Array.from({ length: 5 }, (_, i) => entry(i)));
    await expect(crashing.appendMany(Array.from({ length: 245 }, (_, i) => entry(i)))).rejects.toThrow(Crash);
    // The crash stopped the second batch after its first chunk of 100 records.
    expect(await (await openLog(collection)).head()).toMatchObject({ seq: 105 });
    const next = await openLog(collection);
    expect((await next.append(entry(1))).seq).toBe(106);
    expect(await next.verify()).toMatchObject({ ok: true, count: 106 });
  });

  it("after the head advance: nothing to repair", async () => {
    const collection = uniqueName("audit");
    const crashing = await openLog(collection, { onStep: crashAt("head-advanced", 2) });
    await crashing.append(entry(1));
    await expect(crashing.append(entry(2))).rejects.toThrow(Crash);
    const next = await openLog(collection);
    expect((await next.append(entry(3))).seq).toBe(3);
    expect(await next.verify()).toMatchObject({ ok: true, count: 3 });
  });
});

describe("the operator's command", () => {
  function audit(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const script = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", script, ...args], { env: { ...process.env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    return new Promise((resolve) => child.once("close", (code) => resolve({ code, out, err })));
  }

  it("verifies with progress in Vietnamese, names the first broken link with exit 1, and tails", async () => {
    const { log, collection } = await filledLog(1_234);
    const where = ["--mongo-url", env.mongoUrl, "--db", env.dbName, "--collection", collection];
    const head = await log.head();

    const intact = await audit("verify", ...where, "--batch", "500", "--progress-ms", "0");
    expect(intact.err).toBe("");
    expect(intact.code).toBe(0);
    expect(intact.out).toContain("Đã kiểm tra 500/1.234 bản ghi (41%)");
    expect(intact.out).toContain("Đã kiểm tra 1.000/1.234 bản ghi");
    expect(intact.out).toContain(`Chuỗi hợp lệ: 1.234 bản ghi, đầu chuỗi #1234, mã băm ${head.hash}`);

    const anchored = await audit("verify", ...where, "--anchor", `${head.seq}:${head.hash}`, "--json");
    expect(anchored.code).toBe(0);
    expect(JSON.parse(anchored.out.split("\n").find((line) => line.startsWith("{"))!)).toEqual({ ok: true, count: 1_234, head: { seq: 1_234, hash: head.hash } });

    const tail = await audit("tail", ...where, "--n", "3");
    expect(tail.code).toBe(0);
    const lines = tail.out.trim().split("\n");
    expect(lines.slice(0, 3).map((l) => l.split("\t")[0])).toEqual(["#1232", "#1233", "#1234"]);
    expect(lines[2]).toContain("dossier.submit\tdossier:H06.51-250310-1234\tok\trest 10.0.0.7");
    expect(lines[3]).toBe(`3 bản ghi cuối của ${env.dbName}.${collection} (tổng 1.234 bản ghi).`);

    await db.collection<Document>(collection).updateOne({ _id: recordId(1_001) } as Document, { $set: { "target.id": "H06.51-250310-9999" } });
    const broken = await audit("verify", ...where);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain("CHUỖI BỊ PHÁ VỠ tại bản ghi #1001: nội dung bản ghi đã bị sửa (mã băm không khớp với nội dung).");
    expect(broken.out).toContain("Lý do: hash-mismatch.");
    expect(broken.out).toContain("1.000 bản ghi trước đó hợp lệ.");

    await db.collection<Document>(collection).deleteOne({ _id: recordId(500) } as Document);
    const deleted = await audit("verify", ...where);
    expect(deleted.code).toBe(1);
    expect(deleted.out).toContain("CHUỖI BỊ PHÁ VỠ tại bản ghi #500: thiếu bản ghi (đã bị xoá).");
  });

  it("refuses wrong usage with exit 2", async () => {
    expect((await audit("verify")).code).toBe(2);
    expect((await audit("check", "--db", "x")).code).toBe(2);
    const bad = await audit("tail", "--db", "x", "--n", "abc");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--n phải là số nguyên ≥ 1");
  });
});
