// Who may do what with a dossier, on each of intake's three transports, against the real service
// process, NATS and the store; and the audit record that every change, read and refusal leaves.
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { MongoAuditLog, recordId } from "@onestop/audit";
import { bearerInterceptor } from "@onestop/auth";
import { IntakeServiceClient, RecordDossierEventRequest, type GetDossierResponse } from "@onestop/contracts";
import { freePort, signTestToken } from "@onestop/devservers";
import { authEnv, startServiceProcess, testEnv, testToken, type ServiceProcess } from "@onestop/testkit";
import { generateKeyPair, exportJWK } from "jose";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, COMMUNE, OLD_COMMUNE, sendCommand, submission } from "./helpers.js";

const env = testEnv();
const OTHER_COMMUNE = "000.00.52.H06"; // Ủy ban nhân dân phường Đa Mai
let intake: ServiceProcess;
let grpcPort: number;
let mongo: MongoClient;

const officer = (sub: string, roles: string[], scope: Record<string, string>) => testToken({ sub, preferred_username: sub, roles, ...scope });
const tokens = {} as Record<"deskA" | "deskB" | "processingA" | "processingB" | "operator" | "deskOldWard", string>;

beforeAll(async () => {
  grpcPort = await freePort();
  intake = await startServiceProcess("intake", { ...env.natsEnv("intake"), MONGO_URL: env.mongoUrl, MONGO_DB: env.dbName, GRPC_PORT: String(grpcPort) });
  mongo = await MongoClient.connect(env.mongoUrl);
  tokens.deskA = await officer("tiepnhan.a", ["desk_officer"], { agency_code: COMMUNE });
  tokens.deskB = await officer("tiepnhan.b", ["desk_officer"], { agency_code: OTHER_COMMUNE });
  tokens.processingA = await officer("xuly.a", ["processing_officer"], { agency_code: COMMUNE });
  tokens.processingB = await officer("xuly.b", ["processing_officer"], { agency_code: OTHER_COMMUNE });
  tokens.operator = await officer("vanhanh.tinh", ["province_operator"], { unit_code: "24" });
  // A token issued before the 1/7/2025 merge still names phường Trần Phú, now part of phường Bắc Giang.
  tokens.deskOldWard = await officer("tiepnhan.cu", ["desk_officer"], { agency_code: OLD_COMMUNE });
});

afterAll(async () => {
  await mongo?.close();
  expect(await intake?.stop()).toBe(0);
});

const rest = (token: string) => client(intake.httpUrl, token);
const dossierCount = () => mongo.db(env.dbName).collection("dossiers").countDocuments();

let day = 0;
/** A dossier received by COMMUNE's desk, on a day of its own (codes stay apart). */
async function dossierOfA(): Promise<string> {
  day += 1;
  const { status: code, body } = await rest(tokens.deskA).submit(submission({ receivedAt: `2025-10-${String(day).padStart(2, "0")}T09:00:00+07:00` }));
  expect(code).toBe(201);
  return body.code;
}

function grpcAs(token: string | undefined): IntakeServiceClient {
  return new IntakeServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), token ? { interceptors: [bearerInterceptor(() => token)] } : {});
}

function grpcStatus<T>(invoke: (callback: (error: ServiceError | null, response: T) => void) => unknown): Promise<status | "ok"> {
  return new Promise((resolve) => invoke((error) => resolve(error ? error.code : "ok")));
}

const command = (subject: string, type: string, data: unknown, token: string | undefined) => sendCommand({ subject, type, data, ...(token ? { token } : {}) });

describe("a caller without a valid token", () => {
  it("is answered 401 with WWW-Authenticate and no detail of what failed, and nothing is written", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const otherKey = { ...(await exportJWK(privateKey)), kid: "test-1" };
    const bad = {
      none: undefined,
      expired: await testToken({ sub: "x", roles: ["service"] }, { expiresInSec: -600 }),
      wrongAudience: await testToken({ sub: "x", roles: ["service"] }, { audience: "another-api" }),
      wronglySigned: await signTestToken(authEnv().OIDC_ISSUER, otherKey, { claims: { sub: "x", roles: ["service"] } }),
    };
    const before = await dossierCount();
    const bodies = new Set<string>();
    for (const [name, token] of Object.entries(bad)) {
      const response = await fetch(`${intake.httpUrl}/v1/dossiers`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(submission()),
      });
      expect(response.status, name).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="onestop"');
      bodies.add(await response.text());
    }
    expect(bodies.size).toBe(1); // the same answer whatever was wrong
    expect(await dossierCount()).toBe(before);
  });

  it("gets UNAUTHENTICATED on gRPC and an `unauthenticated` rejection on NATS", async () => {
    const anonymous = grpcAs(undefined);
    const expired = grpcAs(await testToken({ sub: "x", roles: ["service"] }, { expiresInSec: -600 }));
    try {
      expect(await grpcStatus<GetDossierResponse>((cb) => anonymous.getDossier({ code: `${COMMUNE}-251001-0001` }, cb))).toBe(status.UNAUTHENTICATED);
      expect(await grpcStatus((cb) => expired.listProcedures({ sectorCode: "", level: 0 }, cb))).toBe(status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
      expired.close();
    }
    const answer = await command("intake.cmd.submit", "vn.onestop.intake.submit_dossier.v1", { ...submission(), channel: "CHANNEL_ONLINE" }, undefined);
    expect(answer).toMatchObject({ code: "unauthenticated" });
  });
});

describe("agency B's officer on agency A's dossier", () => {
  it("can neither read nor change it on REST", async () => {
    const code = await dossierOfA();
    const asB = rest(tokens.deskB);
    expect((await asB.get(`/v1/dossiers/${code}`)).status).toBe(403);
    const event = await asB.event(code, { eventId: "b-1", type: "WITHDRAWN", at: "2025-10-20T10:00:00+07:00" });
    expect(event).toMatchObject({ status: 403, body: { type: "urn:onestop:problem:forbidden" } });
    const before = await dossierCount();
    expect((await asB.submit(submission({ receivedAt: "2025-10-20T09:00:00+07:00" }))).status).toBe(403);
    expect(await dossierCount()).toBe(before);
    expect((await rest(tokens.deskA).get(`/v1/dossiers/${code}`)).body.timeline).toHaveLength(1);
  });

  it("can neither read nor change it on gRPC", async () => {
    const code = await dossierOfA();
    const asB = grpcAs(tokens.deskB);
    try {
      expect(await grpcStatus<GetDossierResponse>((cb) => asB.getDossier({ code }, cb))).toBe(status.PERMISSION_DENIED);
      const withdraw = RecordDossierEventRequest.fromJSON({ dossierCode: code, eventId: "b-2", type: "DOSSIER_EVENT_TYPE_WITHDRAWN", at: "2025-10-21T10:00:00+07:00" });
      expect(await grpcStatus((cb) => asB.recordDossierEvent(withdraw, cb))).toBe(status.PERMISSION_DENIED);
    } finally {
      asB.close();
    }
    expect((await rest(tokens.deskA).get(`/v1/dossiers/${code}`)).body.status).toBe("PROCESSING");
  });

  it("cannot change it with a NATS command", async () => {
    const code = await dossierOfA();
    const withdraw = { dossierCode: code, eventId: "b-3", type: "DOSSIER_EVENT_TYPE_WITHDRAWN", at: "2025-10-22T10:00:00+07:00" };
    expect(await command("intake.cmd.event", "vn.onestop.intake.record_dossier_event.v1", withdraw, tokens.deskB)).toMatchObject({ code: "forbidden" });
    expect((await rest(tokens.deskA).get(`/v1/dossiers/${code}`)).body.status).toBe("PROCESSING");
    expect(await command("intake.cmd.event", "vn.onestop.intake.record_dossier_event.v1", withdraw, tokens.deskA)).toMatchObject({ applied: true });
  });
});

describe("roles with jurisdiction", () => {
  it("hands a transferred dossier to the destination's processing officers; the first agency may still read it", async () => {
    const code = await dossierOfA();
    const moved = await rest(tokens.processingA).event(code, { eventId: "t-1", type: "TRANSFERRED", at: "2025-10-23T10:00:00+07:00", toAgencyCode: OTHER_COMMUNE });
    expect(moved.status).toBe(200);
    const resolve = { eventId: "t-2", type: "RESOLVED", at: "2025-10-24T10:00:00+07:00", outcome: "APPROVED" };
    expect((await rest(tokens.processingA).event(code, resolve)).status).toBe(403);
    expect((await rest(tokens.processingA).get(`/v1/dossiers/${code}`)).status).toBe(200);
    expect((await rest(tokens.deskB).get(`/v1/dossiers/${code}`)).status).toBe(403); // B's desk did not receive it
    expect((await rest(tokens.processingB).event(code, resolve)).body.status).toBe("RESOLVED");
  });

  it("lets the province's operator read and not act; follows the registry for a token naming a merged ward", async () => {
    const code = await dossierOfA();
    expect((await rest(tokens.operator).get(`/v1/dossiers/${code}`)).status).toBe(200);
    expect((await rest(tokens.operator).event(code, { eventId: "o-1", type: "WITHDRAWN", at: "2025-10-25T10:00:00+07:00" })).status).toBe(403);
    expect((await rest(tokens.deskOldWard).submit(submission({ receivedAt: "2025-10-25T09:00:00+07:00" }))).status).toBe(201);
    expect((await rest(tokens.deskOldWard).get(`/v1/dossiers/${code}`)).status).toBe(200);
  });
});

describe("the audit record", () => {
  it("holds every change, read and refusal with who, role, agency and transport, and a tampered record is found", async () => {
    const log = await MongoAuditLog.open(mongo.db(env.dbName));
    const verified = await log.verify();
    expect(verified).toMatchObject({ ok: true });
    const records = await log.tail(1_000);
    const denied = records.filter((r) => r.outcome === "denied");
    expect(new Set(denied.map((r) => r.from.transport))).toEqual(new Set(["rest", "grpc", "nats"]));
    expect(denied.find((r) => r.action === "dossier.event.WITHDRAWN" && r.from.transport === "nats")).toMatchObject({
      actor: { subject: "tiepnhan.b", roles: ["desk_officer"], agencyCode: OTHER_COMMUNE, kind: "user" },
      from: { address: "urn:onestop:system:one-stop-bg" },
    });
    expect(records.some((r) => r.action === "dossier.read" && r.outcome === "ok" && r.actor.subject === "vanhanh.tinh")).toBe(true);
    expect(records.some((r) => r.action === "dossier.event.RESOLVED" && r.outcome === "ok" && r.actor.agencyCode === OTHER_COMMUNE)).toBe(true);
    // No citizen's personal data in the record.
    expect(JSON.stringify(records)).not.toMatch(/024090001234|Nguyễn Thị Hoa|0912345678/);

    const victim = records.find((r) => r.outcome === "denied")!;
    await log.collection.updateOne({ _id: recordId(victim.seq) } as never, { $set: { outcome: "ok" } });
    expect(await log.verify()).toMatchObject({ ok: false, firstBrokenSeq: victim.seq, reason: "hash-mismatch" });
  });
});
