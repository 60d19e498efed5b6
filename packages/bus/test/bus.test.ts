import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv, uniqueName, waitFor } from "@onestop/testkit";
import {
  deadLetterStream,
  ensureStreams,
  idempotent,
  listDeadLetters,
  newEnvelope,
  ProcessedEventLedger,
  publishEvent,
  replayDeadLetter,
  replayEvents,
  startConsumer,
  watchExhaustedDeliveries,
  type DeadLetterTarget,
  type EventEnvelope,
} from "../src/index.js";
import { applyPaymentOnce } from "./fixtures/effect.js";

const env = testEnv();
const STREAM = `${env.prefix}_EVENTS`.toUpperCase();
const SUBJECTS = `${env.prefix}.events`;
const DEAD: DeadLetterTarget = { stream: `${env.prefix}_DLQ`.toUpperCase(), subjectPrefix: `${env.prefix}dlq` };
const quiet = { warn: () => {}, error: () => {} };

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;
let mongo: MongoClient;
let db: Db;

beforeAll(async () => {
  nc = await connect(env.nats);
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, [{ name: STREAM, subjects: [`${SUBJECTS}.>`] }, deadLetterStream(DEAD)]);
  mongo = await MongoClient.connect(env.mongoUrl);
  db = mongo.db(env.dbName);
});

afterAll(async () => {
  await db.dropDatabase();
  await mongo.close();
  await nc.drain();
});

function payment(account: string, amount: number): EventEnvelope<{ account: string; amount: number }> {
  return newEnvelope({
    type: "vn.onestop.payment.succeeded.v1",
    source: "test",
    subject: account,
    time: "2025-03-10T09:15:00+07:00",
    data: { account, amount },
  });
}

async function accountTotal(account: string): Promise<number | undefined> {
  return (await db.collection<{ _id: string; total: number }>("accounts").findOne({ _id: account }))?.total;
}

function runCrashingConsumer(durable: string, crash: "before-effect" | "after-effect", maxDeliver = 5): Promise<number | null> {
  const script = fileURLToPath(new URL("./fixtures/crashing-consumer.ts", import.meta.url));
  const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", script], {
    env: { ...process.env, ...env.natsEnv("harness"), MONGO_URL: env.mongoUrl, DB: env.dbName, STREAM, DURABLE: durable, CRASH: crash, MAX_DELIVER: String(maxDeliver) },
    stdio: "ignore",
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("publishing", () => {
  it("stores an event published twice only once", async () => {
    const event = payment(uniqueName("acct"), 50_000);
    const first = await publishEvent(js, `${SUBJECTS}.dup`, event);
    const second = await publishEvent(js, `${SUBJECTS}.dup`, event);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ stream: STREAM, seq: first.seq, duplicate: true });
    const stored = await jsm.streams.getMessage(STREAM, { last_by_subj: `${SUBJECTS}.dup` });
    expect(stored?.seq).toBe(first.seq);
    expect(stored?.json<EventEnvelope>().id).toBe(event.id);
  });

  it("rejects business time without an offset", () => {
    expect(() => newEnvelope({ type: "t", source: "s", subject: "x", time: "2025-03-10T09:15:00", data: {} })).toThrow(/offset/);
  });
});

describe("at-least-once delivery with exactly-once effects", () => {
  async function survivesCrash(crash: "before-effect" | "after-effect") {
    const durable = uniqueName("payments");
    const account = uniqueName("acct");
    await publishEvent(js, `${SUBJECTS}.crash.${crash}`, payment(account, 120_000));
    // Each crashing process receives the event and dies before acknowledging it.
    expect(await runCrashingConsumer(durable, crash)).toBe(3);
    let deliveries = 0;
    const ledger = await ProcessedEventLedger.open(db);
    const survivor = await startConsumer(
      nc,
      js,
      jsm,
      { stream: STREAM, durable, ackWaitMs: 1_000 },
      idempotent(ledger, durable, async (event, delivery) => {
        deliveries = delivery.deliveryCount;
        await applyPaymentOnce(db, event);
      }),
      quiet,
    );
    try {
      await waitFor(async () => (await accountTotal(account)) !== undefined && deliveries >= 2, { timeoutMs: 15_000, description: "redelivery" });
      // Let any further redelivery happen before checking the effect stayed single.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await accountTotal(account)).toBe(120_000);
    } finally {
      await survivor.stop();
    }
  }

  it("a consumer process killed before its effect sees the event again, and the effect happens once", async () => {
    await survivesCrash("before-effect");
  });

  it("a consumer process killed after its effect but before the ack: redelivered, the effect still happens once", async () => {
    await survivesCrash("after-effect");
  });

  it("skips an event redelivered after it was processed", async () => {
    const durable = uniqueName("ledger");
    const ledger = await ProcessedEventLedger.open(db);
    const event = payment(uniqueName("acct"), 1);
    let effects = 0;
    const handler = idempotent(ledger, durable, async () => {
      effects += 1;
    });
    const delivery = { subject: "s", streamSeq: 1, deliveryCount: 1, working: () => {}, header: () => undefined, storedAt: () => new Date() };
    await handler(event, delivery);
    await handler(event, { ...delivery, deliveryCount: 2 });
    expect(effects).toBe(1);
  });

  it("keeps each consumer's record apart, under the _id alone (the former (consumer, event) index is dropped)", async () => {
    const collection = uniqueName("ledger");
    // A ledger written by an earlier version, with its unique index on (consumer, eventId).
    await db.collection(collection).createIndex({ consumer: 1, eventId: 1 }, { unique: true, name: "consumer_event_unique" });
    const ledger = await ProcessedEventLedger.open(db, collection);
    expect((await db.collection(collection).indexes()).map((index) => index.name)).toEqual(["_id_"]);

    const event = payment(uniqueName("acct"), 1);
    await ledger.record("billing", event);
    await ledger.record("billing", event); // twice: no error, one record
    expect(await ledger.has("billing", event.id)).toBe(true);
    expect(await ledger.has("notices", event.id)).toBe(false);
    expect(await db.collection(collection).countDocuments({})).toBe(1);
    expect(await db.collection<{ _id: string }>(collection).findOne({ _id: `billing:${event.id}` })).toMatchObject({ consumer: "billing", eventId: event.id });
  });
});

describe("where a new durable begins", () => {
  it("given events stored before and after its start time, then only the later ones; restarted with another start time, it keeps its place", async () => {
    const durable = uniqueName("since");
    const subject = `${SUBJECTS}.since.${durable}`;
    const before = payment(uniqueName("acct"), 1);
    await publishEvent(js, subject, before);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startTime = new Date();
    const after = payment(uniqueName("acct"), 2);
    await publishEvent(js, subject, after);

    const seen: string[] = [];
    const spec = { stream: STREAM, durable, filterSubjects: [subject] };
    const run = (at: Date) => startConsumer(nc, js, jsm, { ...spec, startTime: at }, async (event) => void seen.push(event.id), quiet);
    const first = await run(startTime);
    await waitFor(() => seen.length >= 1, { timeoutMs: 10_000, description: "the later event" });
    await first.stop();
    // Restarted asking for the stream's beginning: a durable's start cannot move, nothing is redelivered.
    const later = payment(uniqueName("acct"), 3);
    await publishEvent(js, subject, later);
    const second = await run(new Date(0));
    try {
      await waitFor(() => seen.length >= 2, { timeoutMs: 10_000, description: "the event after the restart" });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen).toEqual([after.id, later.id]);
    } finally {
      await second.stop();
    }
  });
});

describe("dead letters", () => {
  it("copies a message that keeps failing to the dead-letter stream after N deliveries, and replay brings it back", async () => {
    const durable = uniqueName("fragile");
    const subject = `${SUBJECTS}.fragile.${durable}`;
    const event = payment(uniqueName("acct"), 10);
    let broken = true;
    const seen: number[] = [];
    const running = await startConsumer(
      nc,
      js,
      jsm,
      { stream: STREAM, durable, filterSubjects: [subject], maxDeliver: 3, backoffMs: [50], deadLetters: DEAD },
      async (received, delivery) => {
        seen.push(delivery.deliveryCount);
        if (broken) throw new Error(`sector system unreachable for ${received.subject}`);
      },
      quiet,
    );
    try {
      await publishEvent(js, subject, event);
      const letter = await waitFor(async () => (await listDeadLetters(js, DEAD)).find((l) => l.consumer === durable), { timeoutMs: 15_000, description: "dead letter" });
      expect(seen).toEqual([1, 2, 3]);
      expect(letter).toMatchObject({ subject, stream: STREAM, deliveries: 3, msgId: event.id });
      expect(letter.reason).toContain("sector system unreachable");

      broken = false;
      await replayDeadLetter(js, jsm, letter.seq, DEAD);
      await waitFor(() => seen.length === 4, { timeoutMs: 10_000, description: "replayed delivery" });
      expect((await listDeadLetters(js, DEAD)).some((l) => l.seq === letter.seq)).toBe(false);
    } finally {
      await running.stop();
    }
  });

  it("dead-letters an undecodable message on its first delivery", async () => {
    const durable = uniqueName("strict");
    const subject = `${SUBJECTS}.poison.${durable}`;
    let handled = 0;
    const running = await startConsumer(
      nc,
      js,
      jsm,
      { stream: STREAM, durable, filterSubjects: [subject], deadLetters: DEAD },
      async () => {
        handled += 1;
      },
      quiet,
    );
    try {
      await js.publish(subject, "not json at all", { msgID: uniqueName("raw") });
      const letter = await waitFor(async () => (await listDeadLetters(js, DEAD)).find((l) => l.consumer === durable), {
        timeoutMs: 10_000,
        description: "poison dead letter",
      });
      expect(letter).toMatchObject({ deliveries: 1, reason: "PoisonMessageError: payload is not JSON" });
      expect(handled).toBe(0);
    } finally {
      await running.stop();
    }
  });

  it("dead-letters a message whose every delivery crashed the consumer process", async () => {
    const durable = uniqueName("doomed");
    const watcher = watchExhaustedDeliveries(nc, js, jsm, { stream: STREAM, durable, deadLetters: DEAD }, quiet);
    try {
      const account = uniqueName("acct");
      await publishEvent(js, `${SUBJECTS}.doomed.${durable}`, payment(account, 5));
      expect(await runCrashingConsumer(durable, "before-effect", 2)).toBe(3);
      expect(await runCrashingConsumer(durable, "before-effect", 2)).toBe(3);
      const letter = await waitFor(async () => (await listDeadLetters(js, DEAD)).find((l) => l.consumer === durable), {
        timeoutMs: 15_000,
        description: "advisory dead letter",
      });
      expect(letter.reason).toMatch(/delivered 2 times without an acknowledgement/);
    } finally {
      watcher.unsubscribe();
    }
  });
});

describe("ordered replay", () => {
  it("replays events in stream order from a sequence and from a time", async () => {
    const stream = `${env.prefix}_REPLAY`.toUpperCase();
    await ensureStreams(jsm, [{ name: stream, subjects: [`${env.prefix}.replay.>`] }]);
    await ensureStreams(jsm, [{ name: stream, subjects: [`${env.prefix}.replay.>`] }]); // idempotent
    const events = Array.from({ length: 5 }, (_, i) => payment(`acct-${i}`, i));
    for (const event of events.slice(0, 3)) await publishEvent(js, `${env.prefix}.replay.a`, event);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const midpoint = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const event of events.slice(3)) await publishEvent(js, `${env.prefix}.replay.b`, event);

    const all = [];
    for await (const replayed of replayEvents(js, stream)) all.push(replayed);
    expect(all.map((r) => r.event.id)).toEqual(events.map((e) => e.id));
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);

    const fromSeq = [];
    for await (const replayed of replayEvents(js, stream, { fromSeq: 4 })) fromSeq.push(replayed.event.subject);
    expect(fromSeq).toEqual(["acct-3", "acct-4"]);

    const fromTime = [];
    for await (const replayed of replayEvents(js, stream, { fromTime: midpoint })) fromTime.push(replayed.seq);
    expect(fromTime).toEqual([4, 5]);
  });

  it("ends at once when nothing is left to read, instead of waiting out a fetch's 1 s expiry", async () => {
    const stream = `${env.prefix}_CAUGHT_UP`.toUpperCase();
    await ensureStreams(jsm, [{ name: stream, subjects: [`${env.prefix}.caughtup.>`] }]);
    const timed = async (from: Parameters<typeof replayEvents>[2]) => {
      const start = performance.now();
      const seqs: number[] = [];
      for await (const replayed of replayEvents(js, stream, from)) seqs.push(replayed.seq);
      return { seqs, ms: performance.now() - start };
    };
    const empty = await timed({});
    for (let i = 0; i < 3; i++) await publishEvent(js, `${env.prefix}.caughtup.a`, payment(`acct-${i}`, i));
    const whole = await timed({ batchSize: 2 });
    const atEnd = await timed({ fromSeq: 4 });
    const noMatch = await timed({ filterSubjects: [`${env.prefix}.caughtup.b`] });
    expect([empty.seqs, whole.seqs, atEnd.seqs, noMatch.seqs]).toEqual([[], [1, 2, 3], [], []]);
    // A start with nothing to read used to wait out the 1 s expiry of a fetch that could get nothing.
    for (const run of [empty, whole, atEnd, noMatch]) expect(run.ms).toBeLessThan(800);
  });
});

describe("the operator's dead-letter command", () => {
  function dlq(...args: string[]): Promise<{ code: number | null; out: string }> {
    const script = fileURLToPath(new URL("../src/dlq-cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", script, ...args], {
      env: { ...process.env, ...env.natsEnv("harness"), DLQ_STREAM: DEAD.stream, DLQ_SUBJECT_PREFIX: DEAD.subjectPrefix },
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
  }

  it("lists dead letters and replays one by its sequence", async () => {
    const durable = uniqueName("cli");
    const subject = `${SUBJECTS}.cli.${durable}`;
    const running = await startConsumer(nc, js, jsm, { stream: STREAM, durable, filterSubjects: [subject], deadLetters: DEAD }, async () => {}, quiet);
    await js.publish(subject, "{broken", { msgID: uniqueName("raw") });
    const letter = await waitFor(async () => (await listDeadLetters(js, DEAD)).find((l) => l.consumer === durable), {
      timeoutMs: 10_000,
      description: "dead letter",
    });
    await running.stop();

    const listed = await dlq("list");
    expect(listed.code).toBe(0);
    expect(listed.out).toContain(`${letter.seq}\t`);
    expect(listed.out).toContain(`${durable}\t${subject}`);

    const replayed = await dlq("replay", String(letter.seq));
    expect(replayed.code).toBe(0);
    expect(replayed.out).toContain(`dead letter ${letter.seq} -> ${subject}`);
    expect((await listDeadLetters(js, DEAD)).some((l) => l.seq === letter.seq)).toBe(false);

    expect((await dlq("replay", "abc")).code).toBe(2);
  });
});
