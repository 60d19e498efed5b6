// Who may read which reports, on REST and gRPC, against the real service process and NATS.
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { MongoAuditLog } from "@onestop/audit";
import { bearerInterceptor } from "@onestop/auth";
import { newEnvelope, publishEvent } from "@onestop/bus";
import { agencyToken, Level, ReportingServiceClient } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { startServiceProcess, testEnv, testToken, waitFor, type ServiceProcess } from "@onestop/testkit";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as e from "./domain/events.js";

const env = testEnv();
// Two district People's Committees of Bắc Giang (until 30/6/2025), in Q2/2024.
const AGENCY_A = "000.00.33.H04"; // huyện Tân Yên
const AGENCY_B = "000.00.34.H04"; // huyện Lạng Giang
const PERIOD = "2024-Q2";
let reporting: ServiceProcess;
let grpcPort: number;
let nc: NatsConnection;

const tokens = {} as Record<"viewerA" | "provinceViewer" | "operator" | "deskA" | "outsider", string>;

async function receive(agencyCode: string, serial: number): Promise<void> {
  const code = `${agencyCode}-240415-${String(serial).padStart(4, "0")}`;
  const event = e.received({
    code,
    procedureCode: "1.001612",
    sectorCode: "HO_KINH_DOANH",
    agencyCode,
    level: "DISTRICT",
    channel: "ONLINE",
    receivedAt: "2024-04-15T09:00:00+07:00",
    dueDate: "2024-04-18",
    workingDays: 3,
  });
  const envelope = newEnvelope({ type: event.type, source: `urn:onestop:agency:${agencyCode}`, subject: event.subject, time: event.time, data: event.data });
  await publishEvent(jetstream(nc), `dossier.${agencyToken(agencyCode)}.received`, envelope);
}

type Body = { totals?: { received: { total: number } }; type?: string };

async function rest(token: string | undefined, path: string): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${reporting.httpUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as Body };
}

const received = async (token: string, agency?: string) => (await rest(token, `/v1/reports/tthc?period=${PERIOD}${agency ? `&agency=${agency}` : ""}`)).body.totals?.received.total;

function grpcStatus(token: string | undefined, agencyCode: string): Promise<status | "ok"> {
  const client = new ReportingServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), token ? { interceptors: [bearerInterceptor(() => token)] } : {});
  return new Promise((resolve) =>
    client.getQuarterlyReport({ year: 2024, quarter: 2, level: Level.LEVEL_UNSPECIFIED, agencyCode }, (error: ServiceError | null) => {
      client.close();
      resolve(error ? error.code : "ok");
    }),
  );
}

beforeAll(async () => {
  grpcPort = await freePort();
  reporting = await startServiceProcess("reporting", {
    ...env.natsEnv("reporting"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: `${env.dbName}_reporting`,
    REPORTING_CONSUMER: `reporting_${env.prefix}`,
    GRPC_PORT: String(grpcPort),
  });
  nc = await connect(env.nats);
  tokens.viewerA = await testToken({ sub: "baocao.a", roles: ["reporting_viewer"], agency_code: AGENCY_A });
  tokens.provinceViewer = await testToken({ sub: "baocao.tinh", roles: ["reporting_viewer"], unit_code: "24" });
  tokens.operator = await testToken({ sub: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24" });
  tokens.deskA = await testToken({ sub: "tiepnhan.a", roles: ["desk_officer"], agency_code: AGENCY_A });
  tokens.outsider = await testToken({ sub: "baocao.hn", roles: ["reporting_viewer"], unit_code: "01" }); // Hà Nội: not this registry's province
  await receive(AGENCY_A, 1);
  await receive(AGENCY_A, 2);
  await receive(AGENCY_B, 1);
  await waitFor(async () => (await received(tokens.provinceViewer, AGENCY_A)) === 2 && (await received(tokens.provinceViewer, AGENCY_B)) === 1, {
    timeoutMs: 20_000,
    description: "the receipts in the report",
  });
});

afterAll(async () => {
  await nc?.drain();
  expect(await reporting?.stop()).toBe(0);
});

describe("reports by scope", () => {
  it("pins an agency's viewer to that agency, and refuses another agency on REST and gRPC", async () => {
    expect(await received(tokens.viewerA)).toBe(2); // no agency asked: the viewer's own
    expect(await received(tokens.viewerA, AGENCY_A)).toBe(2);
    expect(await rest(tokens.viewerA, `/v1/reports/tthc?period=${PERIOD}&agency=${AGENCY_B}`)).toMatchObject({ status: 403, body: { type: "urn:onestop:problem:forbidden" } });
    expect((await rest(tokens.viewerA, `/v1/reports/indicators-766?period=${PERIOD}&agency=${AGENCY_B}`)).status).toBe(403);
    expect(await grpcStatus(tokens.viewerA, AGENCY_A)).toBe("ok");
    expect(await grpcStatus(tokens.viewerA, AGENCY_B)).toBe(status.PERMISSION_DENIED);
  });

  it("lets the province's viewers and operators read every agency, and no one from elsewhere", async () => {
    expect(await received(tokens.operator, AGENCY_B)).toBe(1);
    expect(await received(tokens.provinceViewer)).toBeGreaterThanOrEqual(3);
    expect((await rest(tokens.outsider, `/v1/reports/tthc?period=${PERIOD}`)).status).toBe(403);
    expect(await grpcStatus(tokens.outsider, AGENCY_A)).toBe(status.PERMISSION_DENIED);
  });

  it("refuses reports to roles that do not read them, operations to all but operators, and anyone without a token", async () => {
    expect((await rest(tokens.deskA, `/v1/reports/tthc?period=${PERIOD}`)).status).toBe(403);
    expect((await rest(tokens.viewerA, "/v1/admin/rebuild")).status).toBe(403);
    expect((await rest(tokens.operator, "/v1/admin/rebuild")).status).toBe(404); // allowed: none has run
    expect((await rest(undefined, `/v1/reports/tthc?period=${PERIOD}`)).status).toBe(401);
    expect(await grpcStatus(undefined, AGENCY_A)).toBe(status.UNAUTHENTICATED);
  });

  it("records each refusal on the audit record", async () => {
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const log = await MongoAuditLog.open(mongo.db(`${env.dbName}_reporting`));
      expect(await log.verify()).toMatchObject({ ok: true });
      const denied = (await log.tail(100)).filter((r) => r.outcome === "denied");
      expect(denied).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: "report.read",
            target: { type: "report-scope", id: AGENCY_B },
            actor: expect.objectContaining({ subject: "baocao.a", agencyCode: AGENCY_A }),
            from: expect.objectContaining({ transport: "grpc" }),
          }),
          expect.objectContaining({ action: "admin.get", actor: expect.objectContaining({ subject: "baocao.a" }), from: expect.objectContaining({ transport: "rest" }) }),
        ]),
      );
    } finally {
      await mongo.close();
    }
  });
});
