import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { serviceToken, startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { client, DossierStream, submission } from "./helpers.js";

describe("intake past its capacity", () => {
  const env = testEnv();
  const db = `${env.dbName}_overload`;
  let intake: ServiceProcess;

  beforeAll(async () => {
    intake = await startServiceProcess("intake", {
      ...env.natsEnv("intake"),
      MONGO_URL: env.mongoUrl,
      MONGO_DB: db,
      GRPC_PORT: "0",
      MAX_IN_FLIGHT_REQUESTS: "8",
      RATE_LIMIT_SERVICE_BURST: "100000",
    });
  }, 60_000);
  afterAll(async () => {
    await intake?.stop();
  });

  it("answers the excess 503 with Retry-After instead of queueing, and every accepted dossier is kept and published", async () => {
    const api = client(intake.httpUrl, await serviceToken());
    // Other test files publish dossiers of the same commune on the shared stream, each numbered
    // from 0001 in its own store: count only what came after the burst began, on a day of its own.
    const stream = await DossierStream.open(env.nats);
    onTestFinished(() => stream.close());
    const startSeq = await stream.lastSeq();
    const receivedAt = "2025-08-13T10:00:00+07:00";
    const burst = 300;
    const answers = await Promise.all(
      Array.from({ length: burst }, async () => {
        const response = await fetch(`${intake.httpUrl}/v1/dossiers`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${await serviceToken()}` },
          body: JSON.stringify(submission({ receivedAt })),
        });
        const body = (await response.json()) as { code?: string; title?: string };
        return { status: response.status, retryAfter: response.headers.get("retry-after"), body };
      }),
    );
    const accepted = answers.filter((answer) => answer.status === 201).map((answer) => answer.body.code!);
    const shed = answers.filter((answer) => answer.status === 503);
    expect(accepted.length + shed.length).toBe(burst);
    expect(accepted.length).toBeGreaterThanOrEqual(8);
    expect(shed.length).toBeGreaterThan(0);
    for (const answer of shed) {
      expect(answer.retryAfter).toBe("1");
      expect(answer.body.title).toBe("Hệ thống đang quá tải");
    }

    // Nothing of a refused request was written: the store holds exactly the accepted dossiers.
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      expect(await mongo.db(db).collection("dossiers").countDocuments()).toBe(accepted.length);
    } finally {
      await mongo.close();
    }
    // And each accepted one reaches the bus, once.
    const received = await waitFor(
      async () => {
        const counts = await stream.receivedCounts(startSeq);
        return accepted.every((code) => counts.has(code)) && counts;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: "the accepted dossiers' received events" },
    );
    expect(accepted.filter((code) => received.get(code) !== 1)).toEqual([]);
    // Once the burst is over, the service takes requests again.
    expect((await api.submit(submission())).status).toBe(201);
  }, 120_000);
});
