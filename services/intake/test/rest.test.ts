import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { newEnvelope } from "@onestop/bus";
import { applicantRef } from "@onestop/contracts";
import { credentials } from "@grpc/grpc-js";
import { bearerInterceptor } from "@onestop/auth";
import { IntakeServiceClient, type ListProceduresResponse } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceToken, startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { client, COMMUNE, DossierStream, OLD_COMMUNE, sendCommand, submission } from "./helpers.js";

const REJECTED_ID = "099999999999";
const PERSONAL_DATA_KEY = "rest-test-personal-data-key-0123456789";

const env = testEnv();
let intake: ServiceProcess;
let api: ReturnType<typeof client>;
let stream: DossierStream;
let grpcPort: number;

beforeAll(async () => {
  grpcPort = await freePort();
  intake = await startServiceProcess("intake", { ...env.natsEnv("intake"), MONGO_URL: env.mongoUrl, MONGO_DB: env.dbName, GRPC_PORT: String(grpcPort), OUTBOX_RETRY_MS: "200", PERSONAL_DATA_KEY });
  api = client(intake.httpUrl, await serviceToken());
  stream = await DossierStream.open(env.nats);
});

afterAll(async () => {
  await stream?.close();
  expect(await intake?.stop()).toBe(0);
});

describe("POST /v1/dossiers", () => {
  it("receives a dossier, generates its code and computes its due date on working days", async () => {
    const { status, body } = await api.submit(submission());
    expect(status).toBe(201);
    // Received Monday 29/9/2025, 3 working days: Tue 30/9, Wed 1/10, Thu 2/10 (Civil Code: counting starts the next day).
    expect(body).toMatchObject({ code: `${COMMUNE}-250929-0001`, status: "PROCESSING", agencyCode: COMMUNE });
    expect(body.dueAt).toMatch(/^2025-10-02T23:59:59/);

    const events = await waitFor(
      async () => {
        const found = await stream.eventsOf(body.code);
        return found.length > 0 && found;
      },
      { description: "the received event on the bus" },
    );
    expect(events).toHaveLength(1);
    expect(events[0]!.subject).toBe("dossier.000_00_51_H06.received");
    expect(events[0]!.event).toMatchObject({ type: "vn.onestop.dossier.received.v1", subject: body.code, time: "2025-09-29T10:00:00+07:00" });
    expect(events[0]!.event.data).toMatchObject({ procedureCode: "1.004873", sectorCode: "HO_TICH", level: "LEVEL_COMMUNE", channel: "CHANNEL_ONLINE" });
    // The applicant travels as a keyed hash only: no ID number, name or phone on the stream.
    expect(events[0]!.event.data).toMatchObject({ applicantRef: applicantRef("024090001234", PERSONAL_DATA_KEY) });
    expect(events[0]!.event.data).not.toHaveProperty("applicant");
    const published = JSON.stringify(events[0]!.event);
    for (const personal of ["024090001234", "Nguyễn Thị Hoa", "Hoa", "0912345678"]) expect(published).not.toContain(personal);
  });

  it("answers a replayed Idempotency-Key with the same receipt, and refuses the key with another body", async () => {
    const first = await api.submit(submission({ receivedAt: "2025-09-30T08:00:00+07:00" }), "desk-7:req-1");
    const again = await api.submit(submission({ receivedAt: "2025-09-30T08:00:00+07:00" }), "desk-7:req-1");
    expect(first.status).toBe(201);
    expect(again).toEqual(first);
    const other = await api.submit(submission({ receivedAt: "2025-09-30T08:05:00+07:00" }), "desk-7:req-1");
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ rule: "IDEMPOTENCY_KEY_REUSED" });
  });

  it("gives concurrent submissions of one desk and day distinct serial numbers", async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => api.submit(submission({ receivedAt: "2025-10-01T09:00:00+07:00" }))));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    const codes = results.map((r) => r.body.code).sort();
    expect(codes).toEqual(Array.from({ length: 8 }, (_, i) => `${COMMUNE}-251001-000${i + 1}`));
  });

  it("takes a code given by the one-stop system, and refuses it twice", async () => {
    const code = `${COMMUNE}-251002-0042`;
    expect((await api.submit(submission({ code, receivedAt: "2025-10-02T09:00:00+07:00" }))).body.code).toBe(code);
    const twice = await api.submit(submission({ code, receivedAt: "2025-10-02T09:30:00+07:00" }));
    expect(twice.status).toBe(409);
    expect(twice.body.rule).toBe("DOSSIER_CODE_TAKEN");
  });

  it("rejects bad input with 400 naming each field, storing and publishing nothing", async () => {
    const before = await stream.lastSeq();
    // Every rejected request carries this applicant, so anything published for one would show.
    const rejected = (overrides: Record<string, unknown>) => submission({ applicant: { idNumber: REJECTED_ID, fullName: "Lê Văn Nam" }, ...overrides });
    const cases: Array<[unknown, string[]]> = [
      [rejected({ procedureCode: "9.999999" }), ["procedureCode"]],
      [rejected({ agencyCode: OLD_COMMUNE }), ["agencyCode"]], // merged away on 1/7/2025
      [rejected({ code: "H06-2509-1" }), ["code"]],
      [rejected({ applicant: { idNumber: "02409000123", fullName: "Lê Văn Nam" } }), ["applicant.idNumber"]],
      [rejected({ applicant: { idNumber: REJECTED_ID, fullName: "   " } }), ["applicant.fullName"]],
      [rejected({ receivedAt: "2099-01-01T08:00:00+07:00" }), ["receivedAt"]],
      [rejected({ receivedAt: "2025-09-29T10:00:00" }), ["receivedAt"]],
      [rejected({ procedureCode: "2.001610" }), ["agencyCode"]], // a province-level procedure at a commune
      [{ channel: "FAX" }, ["procedureCode", "agencyCode", "channel", "receivedAt", "applicant"]],
    ];
    for (const [body, paths] of cases) {
      const response = await api.submit(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.type).toContain("application/problem+json");
      expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([...paths].sort());
    }
    // A lone surrogate is not valid Unicode text.
    const broken = await api.submit(JSON.stringify(submission()).replace("Nguyễn Thị Hoa", "Nguy\\ud800n"));
    expect(broken.status).toBe(400);
    expect(broken.body.errors).toEqual([{ path: "applicant.fullName", message: "not valid Unicode text" }]);
    const tooLarge = await api.submit(submission({ components: [{ typeCode: "X", name: "x".repeat(300_000) }] }));
    expect(tooLarge.status).toBe(413);
    const notJson = await api.submit("{not json");
    expect(notJson.status).toBe(400);

    await new Promise((resolve) => setTimeout(resolve, 500)); // give a stray publish the time to show
    const published = await stream.eventsAfter(before);
    expect(published.filter((event) => JSON.stringify(event.data).includes(REJECTED_ID))).toEqual([]);
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const stored = await mongo
        .db(env.dbName)
        .collection("dossiers")
        .find({}, { projection: { "dossier.applicant.idNumber": 1 } })
        .toArray();
      expect(stored.filter((doc) => JSON.stringify(doc).includes(REJECTED_ID))).toEqual([]);
    } finally {
      await mongo.close();
    }
  });

  it("stores names in NFC whatever normalisation the desk sent", async () => {
    const decomposed = "Nguyễn Thị Hoa".normalize("NFD");
    const { body } = await api.submit(submission({ receivedAt: "2025-10-03T09:00:00+07:00", applicant: { idNumber: "024090001234", fullName: decomposed } }));
    const events = await waitFor(async () => (await stream.eventsOf(body.code))[0], { description: "received event" });
    expect(events.event.data).toMatchObject({ applicantRef: applicantRef("024090001234", PERSONAL_DATA_KEY) });
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const stored = await mongo
        .db(env.dbName)
        .collection("dossiers")
        .findOne({ _id: body.code } as never);
      expect(stored?.dossier.applicant.fullName).toBe("Nguyễn Thị Hoa".normalize("NFC"));
    } finally {
      await mongo.close();
    }
  });
});

describe("POST /v1/dossiers/{code}/events", () => {
  async function newDossier(receivedAt: string, extra: Record<string, unknown> = {}) {
    const { body } = await api.submit(submission({ receivedAt, ...extra }));
    return body.code as string;
  }

  it("follows a dossier through supplement, decision and return, and gives both verdicts", async () => {
    const code = await newDossier("2025-09-29T10:00:00+07:00");
    const steps = [
      { eventId: "e1", type: "SUPPLEMENT_REQUESTED", at: "2025-09-30T09:00:00+07:00", reason: "Thiếu giấy tờ" },
      { eventId: "e2", type: "SUPPLEMENT_RECEIVED", at: "2025-10-03T14:00:00+07:00" },
      { eventId: "e3", type: "RESOLVED", at: "2025-10-07T15:00:00+07:00", outcome: "APPROVED" },
      { eventId: "e4", type: "RESULT_RETURNED", at: "2025-10-08T09:00:00+07:00", channel: "ONLINE", electronic: true },
      { eventId: "e5", type: "EVALUATED", at: "2025-10-08T10:00:00+07:00", rating: 5 },
    ];
    for (const step of steps) {
      const response = await api.event(code, step);
      expect(response.status, `${step.type}: ${JSON.stringify(response.body)}`).toBe(200);
    }

    const { body } = await api.get(`/v1/dossiers/${code}`);
    expect(body.status).toBe("RESULT_RETURNED");
    expect(body.originalDueAt).toMatch(/^2025-10-02T/);
    // Legal: the clock restarts when the supplement arrives on Fri 3/10: Mon 6, Tue 7, Wed 8/10.
    expect(body.dueAt).toMatch(/^2025-10-08T/);
    expect(body.verdicts.legal.verdict).toBe("EARLY"); // resolved Tue 7/10, before the due day
    // Indicator: 3 days 5 hours of supplement time taken off 7/10 15:00 gives Sat 4/10 10:00,
    // after the receipt's due date Thu 2/10: overdue for the national indicator.
    expect(body.verdicts.indicator.verdict).toBe("OVERDUE");
    expect(body.verdicts.indicator.adjustedResolvedAt).toMatch(/^2025-10-04T10:00:00/);
    expect(body.applicant.idNumber).not.toBe("024090001234");
    expect(body.timeline.map((t: { type: string }) => t.type)).toEqual(["RECEIVED", ...steps.map((s) => s.type)]);

    const events = await waitFor(
      async () => {
        const found = await stream.eventsOf(code);
        return found.length === 6 && found;
      },
      { description: "six events on the bus" },
    );
    expect(events.map((e) => e.subject.split(".").at(-1))).toEqual(["received", "supplement_requested", "supplement_received", "resolved", "result_returned", "evaluated"]);
  });

  it("empties the dossier's outbox once JetStream has acknowledged the events", async () => {
    const code = await newDossier("2025-10-06T11:00:00+07:00");
    expect((await api.event(code, { eventId: "o1", type: "RESOLVED", at: "2025-10-06T15:00:00+07:00", outcome: "APPROVED" })).status).toBe(200);
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const db = mongo.db(env.dbName);
      await waitFor(
        async () => {
          const doc = await db.collection<{ _id: string; outbox: unknown[] }>("dossiers").findOne({ _id: code });
          return doc?.outbox.length === 0;
        },
        { description: "an empty outbox" },
      );
      expect(await stream.eventsOf(code)).toHaveLength(2);
    } finally {
      await mongo.close();
    }
  });

  it("has no second effect for the same eventId", async () => {
    const code = await newDossier("2025-10-06T09:00:00+07:00");
    const pause = { eventId: "p1", type: "PAUSED", at: "2025-10-06T10:00:00+07:00", reason: "OPINION_REQUEST" };
    expect((await api.event(code, pause)).status).toBe(200);
    const again = await api.event(code, pause);
    expect(again.status).toBe(200);
    expect(again.body.timeline).toHaveLength(2);
    expect(again.body.pauses).toEqual([{ reason: "OPINION_REQUEST", from: "2025-10-06T10:00:00+07:00" }]);
    await waitFor(async () => (await stream.eventsOf(code)).length === 2, { description: "two events" });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await stream.eventsOf(code)).toHaveLength(2);
  });

  it("refuses what the lifecycle forbids with 409 naming the rule", async () => {
    const code = await newDossier("2025-10-06T09:00:00+07:00");
    const extend = (eventId: string, at: string, newDueDate: string) => api.event(code, { eventId, type: "DEADLINE_EXTENDED", at, newDueDate, reason: "Cần xác minh thêm" });
    expect((await extend("x1", "2025-10-07T09:00:00+07:00", "2025-10-15")).status).toBe(200);
    const second = await extend("x2", "2025-10-08T09:00:00+07:00", "2025-10-20");
    expect(second.status).toBe(409);
    expect(second.body.rule).toBe("ONE_EXTENSION");

    expect((await api.event(code, { eventId: "r1", type: "RESOLVED", at: "2025-10-09T09:00:00+07:00", outcome: "APPROVED" })).status).toBe(200);
    const supplement = await api.event(code, { eventId: "s1", type: "SUPPLEMENT_REQUESTED", at: "2025-10-09T10:00:00+07:00" });
    expect(supplement.status).toBe(409);
    expect(supplement.body.rule).toBe("SUPPLEMENT_REQUESTED_NOT_ALLOWED_WHEN_RESOLVED");

    const earlier = await api.event(code, { eventId: "t1", type: "RESULT_RETURNED", at: "2025-10-08T09:00:00+07:00", channel: "POSTAL", electronic: false });
    expect(earlier.body.rule).toBe("EVENTS_IN_ORDER");
  });

  it("answers 404 for an unknown dossier and 400 for an unknown event type", async () => {
    expect((await api.event(`${COMMUNE}-250101-9999`, { eventId: "z", type: "WITHDRAWN", at: "2025-10-06T10:00:00+07:00" })).status).toBe(404);
    const code = await newDossier("2025-10-06T09:00:00+07:00");
    const unknown = await api.event(code, { eventId: "z", type: "ARCHIVED", at: "2025-10-06T10:00:00+07:00" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe("type");
  });

  it("answers 400 naming newDueDate for an extension to a day no calendar has (30 February)", async () => {
    const code = await newDossier("2025-10-06T09:00:00+07:00");
    const impossible = await api.event(code, { eventId: "d1", type: "DEADLINE_EXTENDED", at: "2025-10-07T10:00:00+07:00", newDueDate: "2026-02-30" });
    expect(impossible.status).toBe(400);
    expect(impossible.body.errors.map((error: { path: string }) => error.path)).toEqual(["newDueDate"]);
  });
});

describe("catalogue and calendar queries", () => {
  it("serves the same catalogue over gRPC on GRPC_PORT", async () => {
    const token = await serviceToken();
    const grpc = new IntakeServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { interceptors: [bearerInterceptor(() => token)] });
    try {
      const response = await new Promise<ListProceduresResponse>((resolve, reject) => grpc.listProcedures({ sectorCode: "", level: 0 }, (error, answer) => (error ? reject(error) : resolve(answer))));
      expect(response.procedures.length).toBe((await api.get("/v1/procedures")).body.length);
    } finally {
      grpc.close();
    }
  });

  it("lists the procedure catalogue", async () => {
    const { body } = await api.get("/v1/procedures");
    expect(body.length).toBeGreaterThanOrEqual(60);
    expect(body.find((p: { code: string }) => p.code === "1.001193")).toMatchObject({
      sectorCode: "HO_TICH",
      levels: ["COMMUNE"],
      timeLimit: { amount: 0, unit: "WORKING_DAYS", sameDay: true },
      bundleCode: "BIRTH",
    });
  });

  it("lists the agencies valid on a date, across the 1/7/2025 reform", async () => {
    const before = (await api.get("/v1/agencies?at=2025-06-30")).body.map((a: { code: string }) => a.code);
    const after = (await api.get("/v1/agencies?at=2025-07-01")).body.map((a: { code: string }) => a.code);
    expect(before).toContain(OLD_COMMUNE);
    expect(before).not.toContain(COMMUNE);
    expect(after).toContain(COMMUNE);
    expect(after).not.toContain(OLD_COMMUNE);
    expect((await api.get("/v1/agencies?at=30/06/2025")).status).toBe(400);
  });

  it("computes a deadline across Tết 2025", async () => {
    // Received Fri 24/1/2025; civil servants off Sat 25/1 – Sun 2/2; 3 working days: Mon 3, Tue 4, Wed 5/2.
    const { body } = await api.get("/v1/calendar/deadline?from=2025-01-24T10:00:00%2B07:00&amount=3&unit=WORKING_DAYS");
    expect(body.dueAt).toMatch(/^2025-02-05T/);
    const bad = await api.get("/v1/calendar/deadline?from=2025-01-24&amount=-1&unit=HOURS");
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["amount", "from", "unit"]);
  });

  it("lists a year's days off with their reasons", async () => {
    const { body } = await api.get("/v1/calendar/non-working-days?year=2025");
    const dates = body.map((d: { date: string }) => d.date);
    expect(dates).toEqual(expect.arrayContaining(["2025-01-01", "2025-01-27", "2025-04-07", "2025-04-30", "2025-05-01", "2025-09-01", "2025-09-02"]));
  });
});

describe("commands on NATS (intake.cmd.*)", () => {
  const command = async (subject: string, type: string, data: unknown, id?: string) =>
    sendCommand({ subject, type, data, token: await serviceToken(), time: "2025-10-13T09:00:00+07:00", ...(id ? { id } : {}) });

  const submit = (overrides: Record<string, unknown> = {}) => ({
    procedureCode: "1.004873",
    agencyCode: COMMUNE,
    channel: "CHANNEL_ONLINE",
    receivedAt: "2025-10-13T09:00:00+07:00",
    applicant: { idNumber: "024090001234", fullName: "Trần Văn Bình" },
    ...overrides,
  });

  it("receives a dossier sent as a command and answers on the reply subject; a redelivery has no second effect", async () => {
    const id = newEnvelope({ type: "t", source: "s", subject: "x", time: "2025-10-13T09:00:00+07:00", data: {} }).id;
    const first = await command("intake.cmd.submit", "vn.onestop.intake.submit_dossier.v1", submit(), id);
    // Mon 13/10/2025, 3 working days: Tue 14, Wed 15, Thu 16/10.
    expect(first).toMatchObject({ code: `${COMMUNE}-251013-0001`, status: "DOSSIER_STATUS_PROCESSING" });
    expect(first.dueAt).toMatch(/^2025-10-16T/);
    const again = await command("intake.cmd.submit", "vn.onestop.intake.submit_dossier.v1", submit(), id);
    expect(again).toMatchObject({ code: first.code, replayed: true });
  });

  it("records a lifecycle event sent as a command", async () => {
    const { code } = await command("intake.cmd.submit", "vn.onestop.intake.submit_dossier.v1", submit({ receivedAt: "2025-10-14T09:00:00+07:00" }));
    const answer = await command("intake.cmd.event", "vn.onestop.intake.record_dossier_event.v1", {
      dossierCode: code,
      eventId: "cmd-e1",
      type: "DOSSIER_EVENT_TYPE_PAUSED",
      at: "2025-10-14T10:00:00+07:00",
      pauseReason: "PAUSE_REASON_FINANCIAL_OBLIGATION",
    });
    expect(answer).toMatchObject({ dossierCode: code, status: "DOSSIER_STATUS_PAUSED", applied: true });
    const replayed = await command("intake.cmd.event", "vn.onestop.intake.record_dossier_event.v1", {
      dossierCode: code,
      eventId: "cmd-e1",
      type: "DOSSIER_EVENT_TYPE_PAUSED",
      at: "2025-10-14T10:00:00+07:00",
      pauseReason: "PAUSE_REASON_FINANCIAL_OBLIGATION",
    });
    expect(replayed).toMatchObject({ dossierCode: code, eventId: "cmd-e1" });
    expect(replayed.applied ?? false).toBe(false); // proto3 JSON leaves out a false field
    expect((await api.get(`/v1/dossiers/${code}`)).body.pauses).toEqual([{ reason: "FINANCIAL_OBLIGATION", from: "2025-10-14T10:00:00+07:00" }]);
  });

  it("answers an invalid command with the rejection and records it on intake.rejected", async () => {
    const rejection = await command("intake.cmd.submit", "vn.onestop.intake.submit_dossier.v1", submit({ applicant: { idNumber: "123", fullName: "Trần Văn Bình" } }));
    expect(rejection).toMatchObject({ commandSubject: "intake.cmd.submit", code: "invalid-request" });
    expect(rejection.errors).toEqual([{ path: "applicant.idNumber", message: "citizen ID number must be 12 digits" }]);
    const nc = await connect(env.nats);
    try {
      const stored = await (await jetstreamManager(nc)).streams.getMessage("INTAKE_CMD", { last_by_subj: "intake.rejected" });
      expect(stored?.json<{ data: { commandId: string } }>().data.commandId).toBe(rejection.commandId);
    } finally {
      await nc.drain();
    }
  });
});
