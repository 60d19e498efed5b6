import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { bearerInterceptor, createTokenVerifier, Jurisdiction } from "@onestop/auth";
import { ensureStreams } from "@onestop/bus";
import { defaultCalendar } from "@onestop/calendar";
import {
  Channel,
  DEV_PERSONAL_DATA_KEY,
  DossierEventType,
  DossierStatus,
  IntakeServiceClient,
  Level,
  OnlineMode,
  Outcome,
  PortalStatus,
  RecordDossierEventRequest,
  STREAMS,
  SubmitDossierRequest,
  Timeliness,
  TimeUnit,
  type ComputeDeadlineResponse,
  type GetDossierResponse,
  type ListAgenciesResponse,
  type ListNonWorkingDaysResponse,
  type ListProceduresResponse,
  type RecordDossierEventResponse,
  type SubmitDossierResponse,
} from "@onestop/contracts";
import { createLogger } from "@onestop/telemetry";
import { authEnv, serviceToken, testEnv, waitFor } from "@onestop/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dossierOutboxEntries } from "../src/adapters/bus/dossier-events.js";
import { loadCatalogueFiles } from "../src/adapters/catalogue-files.js";
import { catalogueLookup } from "../src/adapters/catalogue-lookup.js";
import { fieldErrorsOf, ruleOf, startIntakeGrpc, type RunningGrpcServer } from "../src/adapters/grpc/server.js";
import { MongoDossierRepository } from "../src/adapters/store/dossier-repository.js";
import { OutboxRelay } from "../src/adapters/store/outbox-relay.js";
import { Intake } from "../src/app/intake.js";
import { COMMUNE, DossierStream, OLD_COMMUNE } from "./helpers.js";

// Receipts in November 2025, a month the REST tests do not use: dossier codes on the shared bus stay apart.
const env = testEnv();
let mongo: MongoClient;
let nats: NatsConnection;
let relay: OutboxRelay;
let server: RunningGrpcServer;
let client: IntakeServiceClient;
let stream: DossierStream;
let token: string;

const testVerifier = () => createTokenVerifier({ issuer: authEnv().OIDC_ISSUER, audience: authEnv().OIDC_AUDIENCE, clockToleranceSec: 30 });

beforeAll(async () => {
  const log = createLogger({ service: "intake-grpc-test", level: "error" });
  mongo = await MongoClient.connect(env.mongoUrl);
  nats = await connect(env.nats);
  await ensureStreams(await jetstreamManager(nats), [{ name: STREAMS.DOSSIER.name, subjects: [...STREAMS.DOSSIER.subjects] }]);
  // Wired as main.ts wires the service.
  const repository = await MongoDossierRepository.open(mongo.db(env.dbName));
  relay = new OutboxRelay(repository, jetstream(nats), log, { retryAfterMs: 200 });
  await relay.start();
  const { catalogue, registry } = loadCatalogueFiles(undefined);
  const jurisdiction = new Jurisdiction(registry);
  const audit = new AuditTrail(await MongoAuditLog.open(mongo.db(env.dbName)));
  const intake = new Intake({
    repository,
    catalogue: catalogueLookup(catalogue, registry),
    calendar: defaultCalendar,
    toOutboxEntry: dossierOutboxEntries(DEV_PERSONAL_DATA_KEY),
    relay,
    jurisdiction,
    audit,
  });
  server = await startIntakeGrpc({ intake, catalogue, registry, calendar: defaultCalendar, log, verifier: testVerifier() }, 0);
  token = await serviceToken();
  client = new IntakeServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure(), { interceptors: [bearerInterceptor(() => token)] });
  stream = await DossierStream.open(env.nats);
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  await relay?.stop();
  await stream?.close();
  await nats?.drain();
  await mongo?.close();
});

type Callback<T> = (error: ServiceError | null, response: T) => void;

/** The answer of a call that must succeed. */
function answer<T>(invoke: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

/** The status of a call that must fail, with its documented trailing metadata decoded. */
function failure<T>(invoke: (callback: Callback<T>) => unknown) {
  return new Promise<{ code: status; details: string; rule: string | undefined; paths: string[] }>((resolve, reject) =>
    invoke((error) =>
      error
        ? resolve({
            code: error.code,
            details: error.details,
            rule: ruleOf(error.metadata),
            paths: fieldErrorsOf(error.metadata)
              .map((e) => e.path)
              .sort(),
          })
        : reject(new Error("the call succeeded")),
    ),
  );
}

/** Marital status certificate (1.004873, 3 working days) filed online at the commune. */
function submission(overrides: Partial<SubmitDossierRequest> = {}): SubmitDossierRequest {
  return SubmitDossierRequest.fromPartial({
    procedureCode: "1.004873",
    agencyCode: COMMUNE,
    channel: Channel.CHANNEL_ONLINE,
    receivedAt: "2025-11-06T10:00:00+07:00",
    applicant: { idNumber: "024090001234", fullName: "Nguyễn Thị Hoa", phone: "0912345678", email: "" },
    components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", reused: false, documentId: "" }],
    ...overrides,
  });
}

function event(dossierCode: string, eventId: string, fields: Partial<RecordDossierEventRequest>): RecordDossierEventRequest {
  return RecordDossierEventRequest.fromPartial({ dossierCode, eventId, ...fields });
}

const submit = (request: SubmitDossierRequest) => answer<SubmitDossierResponse>((cb) => client.submitDossier(request, cb));
const record = (request: RecordDossierEventRequest) => answer<RecordDossierEventResponse>((cb) => client.recordDossierEvent(request, cb));
const getDossier = async (code: string) => (await answer<GetDossierResponse>((cb) => client.getDossier({ code }, cb))).dossier!;

describe("SubmitDossier and GetDossier", () => {
  it("receives a dossier, counts its due date in working days, and shows it with the applicant masked", async () => {
    const receipt = await submit(submission());
    // Received Thursday 6/11/2025; counting starts the next day: Fri 7/11 (1), weekend skipped, Mon 10/11 (2), Tue 11/11 (3).
    expect(receipt).toMatchObject({ code: `${COMMUNE}-251106-0001`, status: DossierStatus.DOSSIER_STATUS_PROCESSING, receivedAt: "2025-11-06T10:00:00+07:00", replayed: false });
    expect(receipt.dueAt).toMatch(/^2025-11-11T23:59:59/);

    const dossier = await getDossier(receipt.code);
    expect(dossier).toMatchObject({
      code: receipt.code,
      procedureCode: "1.004873",
      sectorCode: "HO_TICH",
      agencyCode: COMMUNE,
      receivingUnitCode: COMMUNE,
      level: Level.LEVEL_COMMUNE,
      channel: Channel.CHANNEL_ONLINE,
      onlineMode: OnlineMode.ONLINE_MODE_FULL, // the procedure is fully online
      status: DossierStatus.DOSSIER_STATUS_PROCESSING,
      portalStatus: PortalStatus.PORTAL_STATUS_PROCESSING,
      originalDueAt: receipt.dueAt,
      dueAt: receipt.dueAt,
      components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân", reused: false, documentId: "" }],
      // The catalogue's online rate of the fee (3 000 đ, 1 500 đ online).
      fees: [expect.objectContaining({ code: "LP_XAC_NHAN_TTHN", amount: 1500 })],
      pauses: [],
      supplementRequests: 0,
      // Unresolved and 11/11/2025 is long past.
      legalTimeliness: Timeliness.TIMELINESS_PENDING_OVERDUE,
      version: 1,
    });
    expect(dossier.applicant!.idNumber).not.toBe("024090001234");
    expect(dossier.applicant!.phone).not.toBe("0912345678");
    expect(dossier.timeline).toEqual([{ eventId: expect.any(String), type: "vn.onestop.dossier.received.v1", at: "2025-11-06T10:00:00+07:00", recordedAt: "", summary: "Tiếp nhận hồ sơ" }]);

    const published = await waitFor(
      async () => {
        const found = await stream.eventsOf(receipt.code);
        return found.length > 0 && found;
      },
      { description: "the received event on the bus" },
    );
    expect(published.map((p) => p.subject)).toEqual(["dossier.000_00_51_H06.received"]);
  });

  it("answers a repeated idempotency key with the first receipt, and refuses the key with another body", async () => {
    const request = submission({ receivedAt: "2025-11-07T08:00:00+07:00", idempotencyKey: "grpc-desk-1:req-1" });
    const first = await submit(request);
    const again = await submit(request);
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ ...first, replayed: true });
    // Friday 7/11: Mon 10/11, Tue 11/11, Wed 12/11.
    expect(first.dueAt).toMatch(/^2025-11-12T23:59:59/);

    const reused = await failure((cb) => client.submitDossier({ ...request, receivedAt: "2025-11-07T08:05:00+07:00" }, cb));
    expect(reused).toMatchObject({ code: status.FAILED_PRECONDITION, rule: "IDEMPOTENCY_KEY_REUSED" });

    const tooLong = await failure((cb) => client.submitDossier({ ...request, idempotencyKey: "k".repeat(201) }, cb));
    expect(tooLong).toMatchObject({ code: status.INVALID_ARGUMENT, paths: ["idempotencyKey"] });
  });

  it("takes a code given by the one-stop system once, and answers ALREADY_EXISTS the second time", async () => {
    const code = `${COMMUNE}-251110-0042`;
    expect((await submit(submission({ code, receivedAt: "2025-11-10T09:00:00+07:00" }))).code).toBe(code);
    const twice = await failure((cb) => client.submitDossier(submission({ code, receivedAt: "2025-11-10T09:30:00+07:00" }), cb));
    expect(twice).toMatchObject({ code: status.ALREADY_EXISTS, rule: "DOSSIER_CODE_TAKEN" });
  });

  it("rejects bad input with INVALID_ARGUMENT naming each field, and stores nothing", async () => {
    const badId = await failure((cb) =>
      client.submitDossier(submission({ receivedAt: "2025-11-11T09:00:00+07:00", applicant: { idNumber: "02409000123", fullName: "Lê Văn Nam", phone: "", email: "" } }), cb),
    );
    expect(badId).toMatchObject({ code: status.INVALID_ARGUMENT, paths: ["applicant.idNumber"] });
    expect(badId.details).toContain("applicant.idNumber");
    expect(badId.details).not.toContain("02409000123");

    const empty = await failure((cb) => client.submitDossier(SubmitDossierRequest.fromPartial({}), cb));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    // Every required field is missing (an empty receivedAt breaks two of its rules).
    expect([...new Set(empty.paths)]).toEqual(["agencyCode", "applicant", "channel", "procedureCode", "receivedAt"]);

    // The code the bad submission would have got: the commune's first dossier of 11/11/2025.
    const unknown = await failure((cb) => client.getDossier({ code: `${COMMUNE}-251111-0001` }, cb));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });
});

describe("RecordDossierEvent", () => {
  it("records an event once, answers its repetition as not applied, and refuses what the lifecycle forbids", async () => {
    // Wednesday 12/11: Thu 13/11, Fri 14/11, Mon 17/11.
    const { code } = await submit(submission({ receivedAt: "2025-11-12T09:00:00+07:00" }));
    const resolved = event(code, "0193f0c8-0001-7000-8000-000000000001", { type: DossierEventType.DOSSIER_EVENT_TYPE_RESOLVED, at: "2025-11-14T15:00:00+07:00", outcome: Outcome.OUTCOME_APPROVED });

    const first = await record(resolved);
    expect(first).toMatchObject({ dossierCode: code, eventId: resolved.eventId, status: DossierStatus.DOSSIER_STATUS_RESOLVED, applied: true });
    expect(first.dueAt).toMatch(/^2025-11-17T23:59:59/);
    expect(await record(resolved)).toEqual({ ...first, applied: false });

    const dossier = await getDossier(code);
    // Resolved on Friday 14/11, before the due day Monday 17/11: early under both views.
    expect(dossier).toMatchObject({
      status: DossierStatus.DOSSIER_STATUS_RESOLVED,
      portalStatus: PortalStatus.PORTAL_STATUS_RESOLVED,
      outcome: Outcome.OUTCOME_APPROVED,
      resolvedAt: "2025-11-14T15:00:00+07:00",
      legalTimeliness: Timeliness.TIMELINESS_EARLY,
      indicatorTimeliness: Timeliness.TIMELINESS_EARLY,
      version: 2,
    });
    expect(dossier.timeline.map((t) => [t.type, t.summary])).toEqual([
      ["vn.onestop.dossier.received.v1", "Tiếp nhận hồ sơ"],
      ["vn.onestop.dossier.resolved.v1", "Giải quyết xong hồ sơ"],
    ]);

    const late = await failure((cb) =>
      client.recordDossierEvent(event(code, "0193f0c8-0001-7000-8000-000000000002", { type: DossierEventType.DOSSIER_EVENT_TYPE_SUPPLEMENT_REQUESTED, at: "2025-11-14T16:00:00+07:00" }), cb),
    );
    expect(late).toMatchObject({ code: status.FAILED_PRECONDITION, rule: "SUPPLEMENT_REQUESTED_NOT_ALLOWED_WHEN_RESOLVED" });
  });

  it("stops the clock while a supplement is awaited and restarts it from zero when it arrives", async () => {
    const { code } = await submit(submission({ receivedAt: "2025-11-12T10:00:00+07:00" }));
    const requested = await record(
      event(code, "0193f0c8-0002-7000-8000-000000000001", { type: DossierEventType.DOSSIER_EVENT_TYPE_SUPPLEMENT_REQUESTED, at: "2025-11-13T10:00:00+07:00", reason: "Thiếu tờ khai" }),
    );
    expect(requested).toMatchObject({ status: DossierStatus.DOSSIER_STATUS_SUPPLEMENT_REQUESTED, dueAt: "", applied: true });
    expect(await getDossier(code)).toMatchObject({
      portalStatus: PortalStatus.PORTAL_STATUS_SUPPLEMENT_REQUESTED,
      pauses: [{ supplement: true, from: "2025-11-13T10:00:00+07:00", to: "" }],
      supplementRequests: 1,
      legalTimeliness: Timeliness.TIMELINESS_PENDING_NOT_DUE,
    });

    // Completed Monday 17/11: Tue 18/11, Wed 19/11, Thu 20/11.
    const returned = await record(event(code, "0193f0c8-0002-7000-8000-000000000002", { type: DossierEventType.DOSSIER_EVENT_TYPE_SUPPLEMENT_RECEIVED, at: "2025-11-17T09:00:00+07:00" }));
    expect(returned).toMatchObject({ status: DossierStatus.DOSSIER_STATUS_PROCESSING, applied: true });
    expect(returned.dueAt).toMatch(/^2025-11-20T23:59:59/);
  });

  it("names a bad event's fields and an unknown dossier", async () => {
    const { code } = await submit(submission({ receivedAt: "2025-11-13T09:00:00+07:00" }));
    const noType = await failure((cb) => client.recordDossierEvent(event(code, "0193f0c8-0003-7000-8000-000000000001", { at: "2025-11-13T10:00:00+07:00" }), cb));
    expect(noType).toMatchObject({ code: status.INVALID_ARGUMENT, paths: ["type"] });

    const missing = await failure((cb) =>
      client.recordDossierEvent(event(`${COMMUNE}-251113-0099`, "0193f0c8-0003-7000-8000-000000000002", { type: DossierEventType.DOSSIER_EVENT_TYPE_WITHDRAWN, at: "2025-11-13T10:00:00+07:00" }), cb),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
  });
});

describe("catalogue and calendar queries", () => {
  it("lists the procedures, filtered by level and sector on request", async () => {
    const all = (await answer<ListProceduresResponse>((cb) => client.listProcedures({ sectorCode: "", level: Level.LEVEL_UNSPECIFIED }, cb))).procedures;
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(all.find((p) => p.code === "1.004873")).toMatchObject({
      sectorCode: "HO_TICH",
      levels: [Level.LEVEL_COMMUNE],
      timeLimit: { amount: 3, unit: TimeUnit.TIME_UNIT_WORKING_DAYS, sameDay: false },
      onlineMode: OnlineMode.ONLINE_MODE_FULL,
    });

    const provincial = (await answer<ListProceduresResponse>((cb) => client.listProcedures({ sectorCode: "", level: Level.LEVEL_PROVINCE }, cb))).procedures;
    expect(provincial.length).toBeGreaterThan(0);
    expect(provincial.every((p) => p.levels.includes(Level.LEVEL_PROVINCE))).toBe(true);
    expect(provincial.some((p) => p.code === "1.004873")).toBe(false); // a commune-level procedure

    const civilStatus = (await answer<ListProceduresResponse>((cb) => client.listProcedures({ sectorCode: "HO_TICH", level: Level.LEVEL_UNSPECIFIED }, cb))).procedures;
    expect(civilStatus.length).toBeGreaterThan(0);
    expect(civilStatus.every((p) => p.sectorCode === "HO_TICH")).toBe(true);
    expect(civilStatus.length).toBeLessThan(all.length);
  });

  it("lists the agencies valid on a date, across the 1/7/2025 merger", async () => {
    const agencies = async (at: string) => (await answer<ListAgenciesResponse>((cb) => client.listAgencies({ at }, cb))).agencies.map((a) => a.code);
    const after = await agencies("2025-07-01");
    expect(after).toContain(COMMUNE);
    expect(after).not.toContain(OLD_COMMUNE);
    expect(await agencies("2025-06-30")).toContain(OLD_COMMUNE);

    const bad = await failure((cb) => client.listAgencies({ at: "1/7/2025" }, cb));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, paths: ["at"] });
  });

  it("computes due dates across Tết 2025 (off from Saturday 25/1 to Sunday 2/2)", async () => {
    const deadline = (unit: TimeUnit) => answer<ComputeDeadlineResponse>((cb) => client.computeDeadline({ from: "2025-01-24T10:00:00+07:00", amount: 3, unit, sameDay: false }, cb));
    // Friday 24/1; the first working days after it are Mon 3/2, Tue 4/2, Wed 5/2.
    expect((await deadline(TimeUnit.TIME_UNIT_WORKING_DAYS)).dueAt).toMatch(/^2025-02-05T23:59:59/);
    // Calendar days: 25, 26, 27/1; 27/1 is a Tết holiday, so the period ends on the next working day, Mon 3/2.
    expect((await deadline(TimeUnit.TIME_UNIT_DAYS)).dueAt).toMatch(/^2025-02-03T23:59:59/);

    const noUnit = await failure((cb) => client.computeDeadline({ from: "2025-01-24T10:00:00+07:00", amount: 3, unit: TimeUnit.TIME_UNIT_UNSPECIFIED, sameDay: false }, cb));
    expect(noUnit).toMatchObject({ code: status.INVALID_ARGUMENT, paths: ["unit"] });
  });

  it("lists a year's days off with their reasons", async () => {
    const days = (await answer<ListNonWorkingDaysResponse>((cb) => client.listNonWorkingDays({ year: 2025 }, cb))).days;
    const dates = days.map((d) => d.date);
    // Tết 2025: the five weekdays Mon 27/1 to Fri 31/1; National Day: Mon 1/9 and Tue 2/9.
    expect(dates).toEqual(expect.arrayContaining(["2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-09-01", "2025-09-02"]));
    expect(days.find((d) => d.date === "2025-01-29")!.reason).toContain("Tết");
    expect(days.find((d) => d.date === "2025-11-08")!.reason).toBe("Thứ Bảy");
    expect(dates).not.toContain("2025-11-07"); // an ordinary Friday

    const bad = await failure((cb) => client.listNonWorkingDays({ year: 0 }, cb));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, paths: ["year"] });
  });
});

describe("an unexpected failure", () => {
  it("answers INTERNAL with a generic message and logs the cause", async () => {
    const lines: string[] = [];
    const log = createLogger({ service: "intake-grpc-test", level: "error", write: (line) => lines.push(line) });
    // A store connection closed under the service: every read fails for real.
    const lost = await MongoClient.connect(env.mongoUrl);
    const repository = await MongoDossierRepository.open(lost.db(env.dbName));
    await lost.close();
    const { catalogue, registry } = loadCatalogueFiles(undefined);
    const noRelay = { kick: () => undefined }; // never reached: nothing is written
    const intake = new Intake({
      repository,
      catalogue: catalogueLookup(catalogue, registry),
      calendar: defaultCalendar,
      toOutboxEntry: dossierOutboxEntries(DEV_PERSONAL_DATA_KEY),
      relay: noRelay,
      jurisdiction: new Jurisdiction(registry),
      audit: new AuditTrail(await MongoAuditLog.open(mongo.db(env.dbName))),
    });
    const broken = await startIntakeGrpc({ intake, catalogue, registry, calendar: defaultCalendar, log, verifier: testVerifier() }, 0);
    const brokenClient = new IntakeServiceClient(`127.0.0.1:${broken.port}`, credentials.createInsecure(), { interceptors: [bearerInterceptor(() => token)] });
    try {
      const failed = await failure((cb) => brokenClient.getDossier({ code: `${COMMUNE}-251106-0001` }, cb));
      expect(failed).toEqual({ code: status.INTERNAL, details: "the request could not be completed", rule: undefined, paths: [] });
      expect(lines.map((line) => JSON.parse(line))).toEqual([expect.objectContaining({ level: "error", msg: "grpc call failed", method: "/onestop.dossier.v1.IntakeService/GetDossier" })]);
    } finally {
      brokenClient.close();
      await broken.stop();
    }
  });
});
