// Every user of the bus against a real nats-server with authorization on (its own server: the
// production stream and durable names, not the test kit's per-file ones): what each service and
// sector system needs works, and what it must not do is refused by the server.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, headers as natsHeaders, type NatsConnection, type PermissionViolationError } from "@nats-io/transport-node";
import { COMMAND_REPLY_HEADER, sectorConsumer, STREAMS, type StreamName } from "@onestop/contracts";
import { startNats, type NatsServer } from "@onestop/devservers";
import { waitFor } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureConsumer,
  ensureStreams,
  listDeadLetters,
  newEnvelope,
  PoisonMessageError,
  publishEvent,
  replayEvents,
  startBatchConsumer,
  startConsumer,
  type EventEnvelope,
  type RunningConsumer,
} from "../src/index.js";

const quiet = { warn: () => {}, error: () => {} };
const spec = (name: StreamName) => ({ name, subjects: [...STREAMS[name].subjects] });

let dir: string;
let server: NatsServer;
const open: NatsConnection[] = [];

/** A connection as `user`, with every permission violation the server reports on it. */
interface Client {
  nc: NatsConnection;
  js: JetStreamClient;
  violations: PermissionViolationError[];
  /** Resolves once the server has refused `operation` on `subject` (reported asynchronously through nc.status()). */
  refused(operation: "publish" | "subscription", subject: string): Promise<void>;
}

async function connectAs(user: string, password = server.credentials![user]!.password): Promise<Client> {
  const nc = await connect({ servers: server.url, user, pass: password, inboxPrefix: server.credentials![user]?.inboxPrefix ?? `_INBOX_${user}` });
  open.push(nc);
  const violations: PermissionViolationError[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "error" && status.error.name === "PermissionViolationError") violations.push(status.error as PermissionViolationError);
    }
  })();
  const refused = (operation: "publish" | "subscription", subject: string) =>
    waitFor(() => violations.some((v) => v.operation === operation && v.subject === subject), {
      timeoutMs: 5_000,
      description: `${user}: ${operation} to ${subject} refused`,
    }).then(() => undefined);
  return { nc, js: jetstream(nc), violations, refused };
}

function event(type: string, subject = "000.00.12.H10-251013-0001", data: Record<string, unknown> = {}): EventEnvelope {
  return newEnvelope({ type, source: "urn:test", subject, time: "2025-10-13T09:00:00+07:00", data });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "onestop-nats-auth-"));
  server = await startNats({ dir, authorization: true });
});

afterAll(async () => {
  await Promise.all(open.map((nc) => nc.close()));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("NATS users: what each one needs works", () => {
  it("intake ensures its streams, consumes its commands, publishes its events, dead-letters and answers the sender's inbox", async () => {
    const intake = await connectAs("intake");
    const jsm = await jetstreamManager(intake.nc);
    await ensureStreams(jsm, [spec("DOSSIER"), spec("INTAKE_CMD"), spec("DLQ")]);
    await ensureStreams(jsm, [spec("DOSSIER"), spec("INTAKE_CMD"), spec("DLQ")]); // the update path too
    const consumer = await startConsumer(
      intake.nc,
      intake.js,
      jsm,
      { stream: "INTAKE_CMD", durable: "intake-commands", filterSubjects: ["intake.cmd.>"], maxDeliver: 1 },
      async (command, delivery) => {
        if (command.type === "poison") throw new PoisonMessageError("not a command");
        await publishEvent(intake.js, "dossier.000_00_12_H10.received", event("vn.onestop.dossier.received.v1"));
        await publishEvent(intake.js, "intake.rejected", event("vn.onestop.intake.command_rejected.v1"));
        intake.nc.publish(delivery.header(COMMAND_REPLY_HEADER)!, JSON.stringify({ answered: command.id }));
      },
      quiet,
    );
    try {
      const system = await connectAs("onestop-system");
      const inbox = `${server.credentials!["onestop-system"]!.inboxPrefix}.answer`;
      const answer = system.nc.subscribe(inbox, { max: 1 });
      const headers = natsHeaders();
      headers.set(COMMAND_REPLY_HEADER, inbox);
      const command = event("vn.onestop.intake.submit_dossier.v1");
      await system.js.publish("intake.cmd.submit", JSON.stringify(command), { headers, msgID: command.id });
      for await (const message of answer) expect(message.json()).toEqual({ answered: command.id });
      await system.js.publish("intake.cmd.event", JSON.stringify(event("poison")));
      const harness = await connectAs("harness");
      await waitFor(async () => (await listDeadLetters(harness.js)).some((letter) => letter.consumer === "intake-commands"), { timeoutMs: 10_000, description: "dead letter" });
      expect(system.violations).toEqual([]);
    } finally {
      await consumer.stop();
    }
    expect(intake.violations).toEqual([]);
  });

  it("reporting ensures the fact streams, consumes them in batches through its durables, replays them and reads its lag", async () => {
    const payment = await connectAs("payment");
    await ensureStreams(await jetstreamManager(payment.nc), [spec("PAYMENT")]);
    await publishEvent(payment.js, "payment.000_00_12_H10.requested", event("vn.onestop.payment.requested.v1"));
    const digitisation = await connectAs("digitisation");
    await ensureStreams(await jetstreamManager(digitisation.nc), [spec("DIGITISATION")]);
    await publishEvent(digitisation.js, "digitisation.000_00_12_H10.component_digitised", event("vn.onestop.digitisation.component_digitised.v1"));

    const reporting = await connectAs("reporting");
    const jsm = await jetstreamManager(reporting.nc);
    await ensureStreams(jsm, [spec("DOSSIER"), spec("PAYMENT"), spec("DIGITISATION"), spec("DLQ")]);
    const seen: string[] = [];
    const running: RunningConsumer[] = [];
    for (const [stream, durable] of [
      ["DOSSIER", "reporting-facts"],
      ["PAYMENT", "reporting-facts-payment"],
      ["DIGITISATION", "reporting-facts-digitisation"],
    ] as const) {
      running.push(
        await startBatchConsumer(
          reporting.nc,
          reporting.js,
          jsm,
          { stream, durable, filterSubjects: [...STREAMS[stream].subjects] },
          async (batch) => {
            seen.push(...batch.map((item) => item.delivery.subject));
            return new Map();
          },
          quiet,
        ),
      );
    }
    try {
      await waitFor(() => ["dossier.", "payment.", "digitisation."].every((prefix) => seen.some((subject) => subject.startsWith(prefix))), { timeoutMs: 10_000, description: "facts consumed" });
      const replayed: string[] = [];
      for await (const { subject } of replayEvents(reporting.js, "DOSSIER")) replayed.push(subject);
      expect(replayed).toContain("dossier.000_00_12_H10.received");
      expect((await jsm.consumers.info("PAYMENT", "reporting-facts-payment")).num_pending).toBe(0);
    } finally {
      await Promise.all(running.map((consumer) => consumer.stop()));
    }
    expect([...reporting.violations, ...payment.violations, ...digitisation.violations]).toEqual([]);
  });

  it("console lists the streams for its status page", async () => {
    const console = await connectAs("console");
    const names: string[] = [];
    for await (const info of (await jetstreamManager(console.nc)).streams.list()) names.push(info.config.name);
    expect(names).toEqual(expect.arrayContaining(["DOSSIER", "INTAKE_CMD", "DLQ"]));
    expect(console.violations).toEqual([]);
  });

  it("lienthong creates the sector systems' durables and sends step requests; a sector system reads its own and answers", async () => {
    const lienthong = await connectAs("lienthong");
    const jsm = await jetstreamManager(lienthong.nc);
    await ensureStreams(jsm, [spec("LIENTHONG")]);
    for (const sector of ["sector-hotich", "sector-cutru", "sector-bhxh"] as const) {
      const consumer = sectorConsumer(sector);
      await ensureConsumer(jsm, { ...consumer, filterSubjects: [...consumer.filterSubjects] });
      await ensureConsumer(jsm, { ...consumer, filterSubjects: [...consumer.filterSubjects] }); // the update path too
    }
    const cutru = await connectAs("sector-cutru");
    const live = cutru.nc.subscribe("lienthong.birth.permanent-residence.requested", { max: 1 });
    await cutru.nc.flush();
    await publishEvent(lienthong.js, "lienthong.birth.birth-registration.requested", event("vn.onestop.lienthong.step_requested.v1"));
    await publishEvent(lienthong.js, "lienthong.birth.permanent-residence.requested", event("vn.onestop.lienthong.step_requested.v1"));
    for await (const message of live) expect(message.subject).toBe("lienthong.birth.permanent-residence.requested");

    const consumer = await cutru.js.consumers.get("LIENTHONG", "sector-cutru");
    const batch = await consumer.fetch({ max_messages: 10, expires: 1_000 });
    const subjects: string[] = [];
    for await (const message of batch) {
      subjects.push(message.subject);
      await message.ackAck();
    }
    expect(subjects).toEqual(["lienthong.birth.permanent-residence.requested"]);
    const ack = await cutru.js.publish("lienthong.birth.permanent-residence.completed", JSON.stringify(event("vn.onestop.lienthong.step_completed.v1")));
    expect(ack.stream).toBe("LIENTHONG");
    expect([...lienthong.violations, ...cutru.violations]).toEqual([]);
  });
});

describe("NATS users: what each one must not do is refused", () => {
  it("reporting may not publish dossier events, nor create another service's stream, nor delete a stream", async () => {
    const reporting = await connectAs("reporting");
    reporting.nc.publish("dossier.x.received", "forged");
    await reporting.refused("publish", "dossier.x.received");
    await expect(reporting.js.publish("dossier.000_00_12_H10.received", "forged")).rejects.toThrow(/permissions violation/i);
    const jsm = await jetstreamManager(reporting.nc);
    await expect(jsm.streams.add({ name: "INTAKE_CMD2", subjects: ["intake2.>"] })).rejects.toThrow();
    await reporting.refused("publish", "$JS.API.STREAM.CREATE.INTAKE_CMD2");
    await expect(jsm.streams.delete("DOSSIER")).rejects.toThrow();
    await reporting.refused("publish", "$JS.API.STREAM.DELETE.DOSSIER");
  });

  it("intake may not subscribe to liên thông, nor read another durable, nor widen its own", async () => {
    const intake = await connectAs("intake");
    const sub = intake.nc.subscribe("lienthong.>");
    await intake.refused("subscription", "lienthong.>");
    await expect(
      (async () => {
        for await (const _ of sub) {
          /* nothing comes */
        }
      })(),
    ).rejects.toThrow(/permission/i);
    const jsm = await jetstreamManager(intake.nc);
    await expect(jsm.consumers.info("DOSSIER", "reporting-facts")).rejects.toThrow();
    await intake.refused("publish", "$JS.API.CONSUMER.INFO.DOSSIER.reporting-facts");
    await expect(jsm.consumers.add("INTAKE_CMD", { durable_name: "intake-commands", filter_subject: "intake.>" })).rejects.toThrow();
    await intake.refused("publish", "$JS.API.CONSUMER.CREATE.INTAKE_CMD.intake-commands.intake.>");
  });

  it("a sector system may not read another step's requests, answer another step, nor change or borrow a durable", async () => {
    const cutru = await connectAs("sector-cutru");
    cutru.nc.subscribe("lienthong.birth.birth-registration.requested");
    await cutru.refused("subscription", "lienthong.birth.birth-registration.requested");
    cutru.nc.subscribe("lienthong.>");
    await cutru.refused("subscription", "lienthong.>");
    cutru.nc.publish("lienthong.birth.health-insurance.completed", "forged");
    await cutru.refused("publish", "lienthong.birth.health-insurance.completed");
    cutru.nc.publish("lienthong.birth.permanent-residence.requested", "forged");
    await cutru.refused("publish", "lienthong.birth.permanent-residence.requested");
    await expect(cutru.js.consumers.get("LIENTHONG", "sector-hotich")).rejects.toThrow();
    await cutru.refused("publish", "$JS.API.CONSUMER.INFO.LIENTHONG.sector-hotich");
    const jsm = await jetstreamManager(cutru.nc);
    await expect(jsm.consumers.update("LIENTHONG", "sector-cutru", { filter_subjects: ["lienthong.>"] })).rejects.toThrow();
    await cutru.refused("publish", "$JS.API.CONSUMER.DURABLE.CREATE.LIENTHONG.sector-cutru");
    await expect(jsm.streams.getMessage("LIENTHONG", { seq: 1 })).rejects.toThrow();
    await cutru.refused("publish", "$JS.API.STREAM.MSG.GET.LIENTHONG");
  });

  it("no user may read another's inbox, not even the harness", async () => {
    for (const user of ["reporting", "sector-bhxh", "onestop-system", "harness"]) {
      const client = await connectAs(user);
      client.nc.subscribe("_INBOX_intake.>");
      await client.refused("subscription", "_INBOX_intake.>");
      client.nc.subscribe("_INBOX.>");
      if (user !== "harness") await client.refused("subscription", "_INBOX.>");
    }
  });

  it("refuses a wrong password, an unknown user and no credentials", async () => {
    await expect(connect({ servers: server.url, user: "intake", pass: "wrong" })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: server.url, user: "nobody", pass: server.credentials!.intake!.password })).rejects.toThrow(/authorization/i);
    await expect(connect({ servers: server.url })).rejects.toThrow(/authorization/i);
  });
});
