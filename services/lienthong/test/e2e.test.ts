// Intake and lienthong as processes, the sector simulators on the bus: a bundle filed at intake is
// routed and resolved at intake with one result per step; lienthong killed -9 mid-way loses and
// doubles nothing; REST and gRPC answer who may read and act, bad input naming the field.
import { credentials, Metadata } from "@grpc/grpc-js";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { FieldError, LienthongServiceClient, SECTOR_SYSTEMS, type SectorSystem } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { SectorSimulator } from "@onestop/sector-sim";
import { serviceToken, startServiceProcess, testEnv, testToken, uniqueName, waitFor, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lienthong } from "../src/app/lienthong.js";
import { BIRTH_FORM, DEATH_FORM } from "./harness.js";

const env = testEnv();
const prefix = uniqueName("e").replaceAll("_", "-");
let token: string;
let intake: ServiceProcess;
let lienthong: ServiceProcess;
let lienthongEnv: Record<string, string>;
let grpcPort: number;
let nats: NatsConnection;
const ours = new Set<string>();
const sims = {} as Record<SectorSystem, SectorSimulator>;
let serial = 0;

const api = (base: string, bearer: string) => async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
};

async function fileAtIntake(bundleCode: "BIRTH" | "DEATH"): Promise<string> {
  const now = new Date();
  const day = new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(2, 10).replaceAll("-", "");
  const code = `000.00.51.H06-${day}-${String(9000 + (process.pid % 500) + serial++).padStart(4, "0")}`;
  ours.add(Lienthong.bundleIdOf(code));
  const answer = await api(intake.httpUrl, token)("POST", "/v1/dossiers", {
    code,
    procedureCode: bundleCode === "BIRTH" ? "2.002621" : "1.000656",
    bundleCode,
    agencyCode: "000.00.51.H06",
    channel: "ONLINE",
    receivedAt: now.toISOString(),
    applicant: { idNumber: "024190012345", fullName: "Lê Thị Mai", phone: "0912345678" },
    bundleInputs: bundleCode === "BIRTH" ? BIRTH_FORM : DEATH_FORM,
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.code as string;
}

const intakeDossier = async (code: string) => (await api(intake.httpUrl, token)("GET", `/v1/dossiers/${code}`)).body;

beforeAll(async () => {
  token = await serviceToken();
  const intakeGrpc = await freePort();
  grpcPort = await freePort();
  const store = { MONGO_URL: env.mongoUrl };
  intake = await startServiceProcess("intake", { ...store, MONGO_DB: `${env.dbName}_intake`, ...env.natsEnv("intake"), GRPC_PORT: String(intakeGrpc), OUTBOX_RETRY_MS: "200" });
  lienthongEnv = {
    ...store,
    MONGO_DB: `${env.dbName}_lt`,
    ...env.natsEnv("harness"),
    GRPC_PORT: String(grpcPort),
    INTAKE_GRPC_URL: `127.0.0.1:${intakeGrpc}`,
    ONESTOP_TOKEN: token,
    LIENTHONG_CONSUMER: `${prefix}-inbound`,
    SECTOR_CONSUMER_PREFIX: `${prefix}-`,
    TIMER_POLL_MS: "200",
    OUTBOX_RETRY_MS: "200",
    OUTBOX_SWEEP_MS: "1000",
  };
  lienthong = await startServiceProcess("lienthong", lienthongEnv);
  nats = await connect(env.nats);
  for (const sector of SECTOR_SYSTEMS) {
    sims[sector] = await SectorSimulator.start({ nats, sector, durable: `${prefix}-${sector}`, behaviour: { accept: (request) => ours.has(request.bundleId) } });
  }
}, 120_000);

afterAll(async () => {
  for (const sim of Object.values(sims)) await sim.stop();
  await nats?.drain();
  await lienthong?.stop();
  await intake?.stop();
});

describe("a bundle filed at intake", () => {
  it("is routed by lienthong and resolved at intake with one result per step, the identification number masked in intake's view", async () => {
    const code = await fileAtIntake("BIRTH");
    const resolved = await waitFor(
      async () => {
        const dossier = await intakeDossier(code);
        return dossier?.status === "RESOLVED" && dossier;
      },
      { timeoutMs: 30_000, description: "the dossier resolved at intake" },
    );
    expect(resolved.bundleCode).toBe("BIRTH");
    // The bundle's whole limit (3 working days), not the birth registration's same day.
    expect(resolved.timeLimit).toMatchObject({ amount: 3, unit: "WORKING_DAYS" });
    expect(resolved.bundleResults.map((result: { stepCode: string }) => result.stepCode)).toEqual(["birth-registration", "permanent-residence", "health-insurance"]);
    const pin = sims["sector-hotich"].seen.find((seen) => seen.bundleId === Lienthong.bundleIdOf(code))!;
    expect(pin).toBeDefined();
    expect(JSON.stringify(resolved)).not.toMatch(/0242\d{8}/);
    expect(resolved.timeline.filter((entry: { type: string }) => entry.type === "RESOLVED")).toHaveLength(1);

    const view = await api(lienthong.httpUrl, token)("GET", `/v1/dossiers/${code}/bundle`);
    expect(view.status).toBe(200);
    expect(view.body.status).toBe("COMPLETED");
    expect(view.body.agencyTimes.map((time: { agencyCode: string }) => time.agencyCode)).toEqual(["000.00.51.H06", "000.00.90.H06", "000.00.91.H06"]);
  }, 60_000);
});

describe("lienthong killed -9 between dispatch and record", () => {
  it("loses no step and applies none twice: every bundle completes once, its dossier resolved once", async () => {
    for (const sim of Object.values(sims)) sim.set({ delayMs: 150 });
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push(await fileAtIntake(i % 2 === 0 ? "DEATH" : "BIRTH"));
    // Kill it while requests are out and results are coming in.
    await waitFor(() => Object.values(sims).reduce((sum, sim) => sum + sim.seen.filter((seen) => codes.some((code) => Lienthong.bundleIdOf(code) === seen.bundleId)).length, 0) >= 6, {
      timeoutMs: 20_000,
      description: "steps in flight",
    });
    await lienthong.stop("SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // results keep arriving, into the stream
    lienthong = await startServiceProcess("lienthong", lienthongEnv);
    for (const code of codes) {
      await waitFor(async () => (await intakeDossier(code))?.status === "RESOLVED", { timeoutMs: 45_000, description: `dossier ${code} resolved` });
    }
    for (const sim of Object.values(sims)) sim.set({ delayMs: 0 });
    for (const code of codes) {
      const bundle = (await api(lienthong.httpUrl, token)("GET", `/v1/dossiers/${code}/bundle`)).body;
      expect(bundle.status).toBe("COMPLETED");
      // One attempt per step, one holding per agency: nothing was sent again as new work.
      expect(bundle.steps.map((s: { attempts: number }) => s.attempts)).toEqual([1, 1, 1]);
      expect(bundle.agencyTimes).toHaveLength(3);
      const dossier = await intakeDossier(code);
      expect(dossier.timeline.filter((entry: { type: string }) => entry.type === "RESOLVED")).toHaveLength(1);
      expect(dossier.bundleResults).toHaveLength(3);
    }
  }, 120_000);
});

describe("REST and gRPC", () => {
  it("answer who may read and act, and name the bad field", async () => {
    const code = await fileAtIntake("DEATH");
    const bundleId = Lienthong.bundleIdOf(code);
    await waitFor(async () => (await api(lienthong.httpUrl, token)("GET", `/v1/bundles/${bundleId}`)).status === 200, { timeoutMs: 20_000, description: "bundle readable" });
    const anonymous = await fetch(`${lienthong.httpUrl}/v1/bundles/${bundleId}`);
    expect(anonymous.status).toBe(401);
    const otherDesk = await testToken({ sub: "u-sxd", preferred_username: "tiepnhan.sxd", roles: ["desk_officer"], agency_code: "000.00.09.H06" });
    expect((await api(lienthong.httpUrl, otherDesk)("GET", `/v1/bundles/${bundleId}`)).status).toBe(403);
    const police = await testToken({ sub: "svc-sector-cutru", preferred_username: "service-account-sector-cutru", roles: ["sector_system"], agency_code: "000.00.90.H06" });
    expect((await api(lienthong.httpUrl, police)("GET", `/v1/bundles/${bundleId}`)).status).toBe(200);
    expect((await api(lienthong.httpUrl, police)("GET", "/v1/bundles?status=NEEDS_ATTENTION")).status).toBe(403);

    const operatorToken = await testToken({ sub: "u-op", preferred_username: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24" });
    const operator = api(lienthong.httpUrl, operatorToken);
    const noReason = await operator("POST", `/v1/bundles/${bundleId}/cancel`, { reason: "  " });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([{ path: "reason", message: "không được để trống" }]);
    const badAgency = await operator("POST", `/v1/bundles/${bundleId}/steps/residence-removal/reassign`, { agencyCode: "công an", reason: "chuyển" });
    expect(badAgency.body.errors.map((error: { path: string }) => error.path)).toEqual(["agencyCode"]);
    const badStatus = await operator("GET", "/v1/bundles?status=DONE");
    expect(badStatus.body.errors[0].path).toBe("status");
    const badResult = await api(lienthong.httpUrl, police)("POST", `/v1/bundles/${bundleId}/steps/residence-removal/result`, { outcome: "COMPLETED", attempt: 0, at: "hôm nay" });
    expect(badResult.status).toBe(400);
    expect(badResult.body.errors.map((error: { path: string }) => error.path).sort()).toEqual(["at", "attempt"]);
    // The police may not answer the civil-status step.
    expect(
      (
        await api(lienthong.httpUrl, police)("POST", `/v1/bundles/${bundleId}/steps/death-registration/result`, {
          outcome: "REFUSED",
          attempt: 1,
          at: new Date().toISOString(),
          reason: "không phải việc của công an",
        })
      ).status,
    ).toBe(403);

    const client = new LienthongServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const metadata = (bearer: string) => {
      const m = new Metadata();
      m.set("authorization", `Bearer ${bearer}`);
      return m;
    };
    try {
      const got = await new Promise<{ bundle?: { dossierCode: string; steps: unknown[] } }>((resolve, reject) =>
        client.getBundle({ bundleId: "", dossierCode: code }, metadata(token), (error, answer) => (error ? reject(error) : resolve(answer!))),
      );
      expect(got.bundle?.dossierCode).toBe(code);
      expect(got.bundle?.steps).toHaveLength(3);
      const refused = await new Promise<{ code: number; metadata: Metadata }>((resolve) =>
        client.retryStep({ bundleId, stepCode: "death-registration", retriedAt: "", note: "" }, metadata(operatorToken), (error) => resolve(error as never)),
      );
      expect(refused.code).toBe(3); // INVALID_ARGUMENT
      expect(refused.metadata.get("onestop-field-errors-bin").map((value) => FieldError.decode(value as Buffer).path)).toEqual(["note"]);
      const denied = await new Promise<{ code: number }>((resolve) => client.failBundle({ bundleId, failedAt: "", reason: "thử" }, metadata(otherDesk), (error) => resolve(error as never)));
      expect(denied.code).toBe(7); // PERMISSION_DENIED
    } finally {
      client.close();
    }
  }, 60_000);
});
