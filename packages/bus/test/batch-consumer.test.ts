import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv, uniqueName, waitFor } from "@onestop/testkit";
import {
  deadLetterStream,
  ensureStreams,
  listDeadLetters,
  newEnvelope,
  PoisonMessageError,
  publishEvent,
  startBatchConsumer,
  type BatchHandler,
  type ConsumedEvent,
  type DeadLetterTarget,
} from "../src/index.js";

const env = testEnv();
const STREAM = `${env.prefix}_BATCHES`.toUpperCase();
const SUBJECTS = `${env.prefix}.batches`;
const DEAD: DeadLetterTarget = { stream: `${env.prefix}_BDLQ`.toUpperCase(), subjectPrefix: `${env.prefix}bdlq` };
const quiet = { warn: () => {}, error: () => {} };
const noPoison = new Map<ConsumedEvent, PoisonMessageError>();

let nc: NatsConnection;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect(env.nats);
  js = jetstream(nc);
  jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, [{ name: STREAM, subjects: [`${SUBJECTS}.>`] }, deadLetterStream(DEAD)]);
});

afterAll(async () => {
  await nc.drain();
});

const event = (subject: string, n: number) => newEnvelope({ type: "vn.onestop.test.counted.v1", source: "test", subject, time: "2025-03-10T09:15:00+07:00", data: { n } });

async function publishMany(subject: string, count: number): Promise<void> {
  for (let n = 0; n < count; n++) await publishEvent(js, subject, event(subject, n));
}

async function consume(subject: string, handler: BatchHandler, extra: { maxBatch?: number; maxDeliver?: number } = {}) {
  return startBatchConsumer(nc, js, jsm, { stream: STREAM, durable: uniqueName("batch"), filterSubjects: [subject], backoffMs: [50], deadLetters: DEAD, ...extra }, handler, quiet);
}

describe("batch consumer", () => {
  it("hands over what has accumulated, up to the batch size, each event once and in stream order", async () => {
    const subject = `${SUBJECTS}.backlog.${uniqueName("s")}`;
    await publishMany(subject, 600);
    const batches: number[][] = [];
    const running = await consume(
      subject,
      async (batch) => {
        batches.push(batch.map(({ event }) => (event.data as { n: number }).n));
        return noPoison;
      },
      { maxBatch: 100 },
    );
    try {
      await waitFor(() => batches.flat().length >= 600, { timeoutMs: 15_000, description: "600 events" });
      expect(batches.flat()).toEqual(Array.from({ length: 600 }, (_, n) => n));
      expect(Math.max(...batches.map((b) => b.length))).toBe(100);
      // A backlog is handed over in few large batches, not event by event.
      expect(batches.length).toBeLessThan(60);
    } finally {
      await running.stop();
    }
  });

  it("handles an event that arrives alone at once, without waiting for a batch to fill", async () => {
    const subject = `${SUBJECTS}.trickle.${uniqueName("s")}`;
    const sizes: number[] = [];
    const running = await consume(subject, async (batch) => {
      sizes.push(batch.length);
      return noPoison;
    });
    try {
      await publishMany(subject, 1);
      await waitFor(() => sizes.length === 1, { timeoutMs: 5_000, intervalMs: 10, description: "the lone event" });
      expect(sizes).toEqual([1]);
    } finally {
      await running.stop();
    }
  });

  it("redelivers the whole batch when the handler fails, and acknowledges it once handled", async () => {
    const subject = `${SUBJECTS}.failing.${uniqueName("s")}`;
    await publishMany(subject, 20);
    const seen = new Map<number, number[]>();
    let failures = 1;
    const running = await consume(subject, async (batch) => {
      for (const { event, delivery } of batch) {
        const n = (event.data as { n: number }).n;
        seen.set(n, [...(seen.get(n) ?? []), delivery.deliveryCount]);
      }
      if (failures-- > 0) throw new Error("store unreachable");
      return noPoison;
    });
    try {
      await waitFor(() => [...seen.values()].filter((counts) => counts.includes(2)).length >= 1 && seen.size === 20, {
        timeoutMs: 15_000,
        description: "redelivery after the failed batch",
      });
      await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more once acknowledged
      const first = [...seen].filter(([, counts]) => counts[0] === 1 && counts.length === 2);
      expect(first.length).toBeGreaterThan(0); // the failed batch's events came again, as 2nd deliveries
      for (const [, counts] of seen) expect(counts.at(-1)).toBeLessThanOrEqual(2);
    } finally {
      await running.stop();
    }
  });

  it("dead-letters the events the handler calls poison and an undecodable message; acknowledges the others", async () => {
    const subject = `${SUBJECTS}.poison.${uniqueName("s")}`;
    const durableMark = uniqueName("poisoned");
    const handled: number[] = [];
    const running = await startBatchConsumer(
      nc,
      js,
      jsm,
      { stream: STREAM, durable: durableMark, filterSubjects: [subject], deadLetters: DEAD },
      async (batch) => {
        const poison = new Map<ConsumedEvent, PoisonMessageError>();
        for (const item of batch) {
          const n = (item.event.data as { n: number }).n;
          if (n === 3) poison.set(item, new PoisonMessageError("n = 3 is not a valid count"));
          else handled.push(n);
        }
        return poison;
      },
      quiet,
    );
    try {
      await publishMany(subject, 5);
      await js.publish(subject, new TextEncoder().encode("not an envelope"));
      const letters = await waitFor(
        async () => {
          const mine = (await listDeadLetters(js, DEAD)).filter((letter) => letter.consumer === durableMark);
          return mine.length === 2 ? mine : undefined;
        },
        { timeoutMs: 15_000, description: "two dead letters" },
      );
      expect(letters.map((letter) => letter.deliveries)).toEqual([1, 1]);
      expect(letters.some((letter) => letter.reason.includes("n = 3 is not a valid count"))).toBe(true);
      expect(handled.sort()).toEqual([0, 1, 2, 4]);
    } finally {
      await running.stop();
    }
  });
});
