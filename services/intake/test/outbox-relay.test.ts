/**
 * Writers of one dossier without a lock: concurrent lifecycle events in one process go through
 * the version check and its retry, and the relay publishes every accepted event once, in order.
 * An outbox left pending by an instance that crashed is published by a running instance's
 * periodic sweep, without a restart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { Jurisdiction, type Caller } from "@onestop/auth";
import { ensureStreams } from "@onestop/bus";
import { defaultCalendar } from "@onestop/calendar";
import { DEV_PERSONAL_DATA_KEY, STREAMS } from "@onestop/contracts";
import { freePort, startNats } from "@onestop/devservers";
import { createLogger } from "@onestop/telemetry";
import { serviceToken, startServiceProcess, testEnv, waitFor } from "@onestop/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dossierOutboxEntries } from "../src/adapters/bus/dossier-events.js";
import { loadCatalogueFiles } from "../src/adapters/catalogue-files.js";
import { catalogueLookup } from "../src/adapters/catalogue-lookup.js";
import { MongoDossierRepository, type DossierDocument } from "../src/adapters/store/dossier-repository.js";
import { OutboxRelay } from "../src/adapters/store/outbox-relay.js";
import { Intake } from "../src/app/intake.js";
import { client, DossierStream, submission } from "./helpers.js";

// Receipts in December 2025, a month the other intake test files do not use: codes on the shared bus stay apart.
const env = testEnv();
let mongo: MongoClient;
let nats: NatsConnection;
let stream: DossierStream;

beforeAll(async () => {
  mongo = await MongoClient.connect(env.mongoUrl);
  nats = await connect(env.nats);
  await ensureStreams(await jetstreamManager(nats), [{ name: STREAMS.DOSSIER.name, subjects: [...STREAMS.DOSSIER.subjects] }]);
  stream = await DossierStream.open(env.nats);
});

afterAll(async () => {
  await stream?.close();
  await nats?.drain();
  await mongo?.close();
});

const outboxOf = async (dbName: string, code: string) =>
  (await mongo
    .db(dbName)
    .collection<DossierDocument>("dossiers")
    .findOne({ _id: code }, { projection: { outbox: 1, version: 1 } }))!;

describe("concurrent writers of one dossier in one process", () => {
  it("applies every distinct event once, answers the duplicates as such, and publishes each accepted event once in order", async () => {
    const log = createLogger({ service: "intake-relay-test", level: "error" });
    const repository = await MongoDossierRepository.open(mongo.db(env.dbName));
    const relay = new OutboxRelay(repository, jetstream(nats), log, { retryAfterMs: 200 });
    await relay.start();
    try {
      const { catalogue, registry } = loadCatalogueFiles(undefined);
      const intake = new Intake({
        repository,
        catalogue: catalogueLookup(catalogue, registry),
        calendar: defaultCalendar,
        toOutboxEntry: dossierOutboxEntries(DEV_PERSONAL_DATA_KEY),
        relay,
        jurisdiction: new Jurisdiction(registry),
        audit: new AuditTrail(await MongoAuditLog.open(mongo.db(env.dbName))),
      });
      const service: Caller = { principal: { subject: "svc-test", kind: "service", roles: ["service"] }, from: { transport: "rest" } };
      const { receipt } = await intake.submit(service, submission({ receivedAt: "2025-12-01T09:00:00+07:00" }));
      // Six transfers to six other communes at the same moment: they commute, so all must be applied,
      // whichever order the version checks let them in. Each one is sent twice at once.
      const targets = ["000.00.52.H06", "000.00.53.H06", "000.00.54.H06", "000.00.55.H06", "000.00.56.H06", "000.00.57.H06"];
      const transfers = targets.map((toAgencyCode, i) => ({ eventId: `move-${i}`, type: "TRANSFERRED", at: "2025-12-01T10:00:00+07:00", toAgencyCode }));
      const results = await Promise.all([...transfers, ...transfers].map((body) => intake.recordEvent(service, receipt.code, body)));

      expect(results.filter((r) => r.applied)).toHaveLength(6);
      const stored = (await repository.find(receipt.code))!;
      expect(stored.version).toBe(7);
      const moves = stored.dossier.timeline.slice(1);
      expect(moves.map((entry) => entry.eventId).sort()).toEqual(transfers.map((t) => t.eventId));
      expect(stored.dossier.transfers.map((t) => t.toAgencyCode)).toEqual(moves.map((entry) => entry.details?.toAgencyCode));
      expect(stored.dossier.agencyCode).toBe(stored.dossier.transfers.at(-1)!.toAgencyCode);

      const published = await waitFor(
        async () => {
          const found = await stream.eventsOf(receipt.code);
          return found.length >= 7 && found;
        },
        { description: "seven events on the bus" },
      );
      await waitFor(async () => (await outboxOf(env.dbName, receipt.code)).outbox.length === 0, { description: "an empty outbox" });
      expect(await stream.eventsOf(receipt.code)).toHaveLength(7);
      // The bus tells the transfers in the order the dossier took them.
      expect(published.slice(1).map((p) => (p.event.data as { toAgencyCode: string }).toAgencyCode)).toEqual(stored.dossier.transfers.map((t) => t.toAgencyCode));
    } finally {
      await relay.stop();
    }
  });
});

describe("publishing what was just written", () => {
  it("publishes each write from memory, without reading the dossier back, and empties the outboxes in shared bulk writes", async () => {
    const monitored = await MongoClient.connect(env.mongoUrl, { monitorCommands: true });
    const commands: Array<{ name: string; filter?: unknown }> = [];
    monitored.on("commandStarted", (event) => {
      if (event.command[event.commandName] === "dossiers") commands.push({ name: event.commandName, filter: event.command.filter });
    });
    const log = createLogger({ service: "intake-relay-test", level: "error" });
    const repository = await MongoDossierRepository.open(monitored.db(env.dbName));
    const relay = new OutboxRelay(repository, jetstream(nats), log, { retryAfterMs: 200, sweepEveryMs: 3_600_000 });
    await relay.start();
    try {
      const { catalogue, registry } = loadCatalogueFiles(undefined);
      const intake = new Intake({
        repository,
        catalogue: catalogueLookup(catalogue, registry),
        calendar: defaultCalendar,
        toOutboxEntry: dossierOutboxEntries(DEV_PERSONAL_DATA_KEY),
        relay,
        jurisdiction: new Jurisdiction(registry),
        audit: new AuditTrail(await MongoAuditLog.open(mongo.db(env.dbName))),
      });
      const service: Caller = { principal: { subject: "svc-test", kind: "service", roles: ["service"] }, from: { transport: "rest" } };
      const receipts = await Promise.all(Array.from({ length: 20 }, () => intake.submit(service, submission({ receivedAt: "2025-12-03T09:00:00+07:00" }))));
      const codes = receipts.map(({ receipt }) => receipt.code);
      // Each decision follows its receipt's publish, as a desk's would: published from memory too.
      await waitFor(async () => (await Promise.all(codes.map((code) => stream.eventsOf(code)))).every((events) => events.length === 1), { description: "twenty receipts on the bus" });
      await Promise.all(codes.map((code, i) => intake.recordEvent(service, code, { eventId: `memory-r${i}`, type: "RESOLVED", at: "2025-12-03T15:00:00+07:00", outcome: "APPROVED" })));
      const published = await waitFor(
        async () => {
          const events = await Promise.all(codes.map((code) => stream.eventsOf(code)));
          return events.every((e) => e.length === 2) && events;
        },
        { description: "twenty decisions on the bus" },
      );
      for (const events of published) expect(events.map((e) => e.event.type)).toEqual(["vn.onestop.dossier.received.v1", "vn.onestop.dossier.resolved.v1"]);
      await waitFor(async () => (await Promise.all(codes.map((code) => outboxOf(env.dbName, code)))).every((doc) => doc.outbox.length === 0), { description: "every outbox emptied" });

      // The relay's read is a find by `_id: {$in}`; the intake's own loads are by `_id` alone.
      const relayReads = commands.filter((c) => c.name === "find" && typeof (c.filter as { _id?: unknown })?._id === "object");
      expect(relayReads).toEqual([]);
      const updates = commands.filter((c) => c.name === "update");
      // Twenty decisions' own updates, plus the emptying bulk writes: fewer than one per published write.
      expect(updates.length - 20).toBeGreaterThan(0);
      expect(updates.length - 20).toBeLessThan(40);
    } finally {
      await relay.stop();
      await monitored.close();
    }
  });
});

describe("the sweep's period", () => {
  /** A store whose sweep query takes `ms` and finds nothing; counts the sweeps. */
  function storeWhoseSweepTakes(ms: number) {
    const sweeps = { count: 0 };
    const dossiers = {
      find: () => ({
        toArray: async () => {
          sweeps.count += 1;
          if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
          return [];
        },
      }),
    };
    return { repository: { dossiers } as unknown as MongoDossierRepository, sweeps };
  }
  const quiet = createLogger({ service: "intake-relay-test", level: "error" });

  it("sweeps at start-up and then every sweepEveryMs while idle, and no more often", async () => {
    const { repository, sweeps } = storeWhoseSweepTakes(0);
    const relay = new OutboxRelay(repository, jetstream(nats), quiet, { sweepEveryMs: 200 });
    await relay.start();
    expect(sweeps.count).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await relay.stop();
    expect(sweeps.count).toBeGreaterThanOrEqual(4);
    expect(sweeps.count).toBeLessThanOrEqual(6);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sweeps.count).toBeLessThanOrEqual(6); // stopped: no more sweeps
  });

  it("waits longer after a slow sweep, so sweeping a large collection stays a small share of the store's time", async () => {
    const { repository, sweeps } = storeWhoseSweepTakes(20); // 20 ms: the next sweep no sooner than 4 s later
    const relay = new OutboxRelay(repository, jetstream(nats), quiet, { sweepEveryMs: 100 });
    await relay.start();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await relay.stop();
    expect(sweeps.count).toBe(1);
  });
});

describe("an outbox left by an instance that crashed", () => {
  it("is published by a running instance's periodic sweep, without a restart", async () => {
    const dbName = `${env.dbName}_sweep`;
    const dir = mkdtempSync(join(tmpdir(), "onestop-sweep-"));
    // The running instance: on the shared bus, sweeping often for the test.
    const running = await startServiceProcess("intake", { ...env.natsEnv("intake"), MONGO_URL: env.mongoUrl, MONGO_DB: dbName, GRPC_PORT: "0", OUTBOX_SWEEP_MS: "300" });
    // The instance that will crash: same store, but its own bus, which goes away.
    const port = await freePort();
    const lostBus = await startNats({ dir: join(dir, "nats"), port });
    const crashing = await startServiceProcess("intake", { NATS_URL: `nats://127.0.0.1:${port}`, MONGO_URL: env.mongoUrl, MONGO_DB: dbName, GRPC_PORT: "0", OUTBOX_RETRY_MS: "200" });
    try {
      // A dossier received by the running instance, and published by it.
      const first = await client(running.httpUrl, await serviceToken()).submit(submission({ receivedAt: "2025-12-02T09:00:00+07:00" }));
      expect(first.status).toBe(201);
      await waitFor(async () => (await stream.eventsOf(first.body.code)).length === 1, { description: "the first receipt on the bus" });

      // The other instance loses its bus, accepts a new dossier and a decision on the first one
      // (both durable in the store), and dies before it could publish either.
      await lostBus.stop();
      const second = await client(crashing.httpUrl, await serviceToken()).submit(submission({ receivedAt: "2025-12-02T10:00:00+07:00" }));
      expect(second.status).toBe(201);
      const decision = await client(crashing.httpUrl, await serviceToken()).event(first.body.code, { eventId: "sweep-r1", type: "RESOLVED", at: "2025-12-02T15:00:00+07:00", outcome: "APPROVED" });
      expect(decision.status).toBe(200);
      await crashing.stop("SIGKILL");
      expect((await outboxOf(dbName, second.body.code)).outbox).toHaveLength(1);
      expect((await outboxOf(dbName, first.body.code)).outbox).toHaveLength(1);

      // The running instance's sweep finds both outboxes; nothing restarts.
      const events = await waitFor(
        async () => {
          const [a, b] = await Promise.all([stream.eventsOf(first.body.code), stream.eventsOf(second.body.code)]);
          return a.length === 2 && b.length === 1 && { a, b };
          // The sweep waits 200 times its own duration between scans: on a loaded machine a few seconds.
        },
        { timeoutMs: 45_000, description: "the crashed instance's events, relayed by the running one" },
      );
      expect(events.a.map((e) => e.event.type)).toEqual(["vn.onestop.dossier.received.v1", "vn.onestop.dossier.resolved.v1"]);
      expect(events.b.map((e) => e.event.type)).toEqual(["vn.onestop.dossier.received.v1"]);
      await waitFor(async () => (await outboxOf(dbName, first.body.code)).outbox.length === 0 && (await outboxOf(dbName, second.body.code)).outbox.length === 0, {
        description: "both outboxes emptied",
      });
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // further sweeps must not publish them again
      expect(await stream.eventsOf(first.body.code)).toHaveLength(2);
      expect(await stream.eventsOf(second.body.code)).toHaveLength(1);
    } finally {
      await crashing.stop("SIGKILL");
      expect(await running.stop()).toBe(0);
      await lostBus.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
