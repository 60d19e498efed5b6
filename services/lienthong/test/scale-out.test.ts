// Horizontal scale-out of liên thông: two lienthong processes share one store and the same durable
// consumers (the inbound one and the sector systems' request consumers), intake runs beside them.
// Bundles filed at intake while one lienthong instance is killed -9 and started again must end as
// one instance would end them: every bundle completed once, each step sent once, each dossier
// resolved once at intake.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { SECTOR_SYSTEMS, type SectorSystem } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { SectorSimulator } from "@onestop/sector-sim";
import { serviceToken, startServiceProcess, testEnv, uniqueName, waitFor, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lienthong } from "../src/app/lienthong.js";
import { BIRTH_FORM, DEATH_FORM } from "./harness.js";

const env = testEnv();
const prefix = uniqueName("s").replaceAll("_", "-");
const BUNDLES = 12;
let token: string;
let intake: ServiceProcess;
const instances: ServiceProcess[] = [];
let lienthongEnv: Record<string, string>;
let nats: NatsConnection;
const ours = new Set<string>();
const sims = {} as Record<SectorSystem, SectorSimulator>;

async function call(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function fileAtIntake(bundleCode: "BIRTH" | "DEATH", serial: number): Promise<string> {
  const now = new Date();
  const day = new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(2, 10).replaceAll("-", "");
  // A serial range of its own: the e2e file numbers its dossiers from 9000 at the same commune.
  const code = `000.00.51.H06-${day}-${String(7000 + (process.pid % 1000) + serial).padStart(4, "0")}`;
  ours.add(Lienthong.bundleIdOf(code));
  const answer = await call(intake.httpUrl, "POST", "/v1/dossiers", {
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

beforeAll(async () => {
  token = await serviceToken();
  const intakeGrpc = await freePort();
  intake = await startServiceProcess("intake", { MONGO_URL: env.mongoUrl, MONGO_DB: `${env.dbName}_intake`, ...env.natsEnv("intake"), GRPC_PORT: String(intakeGrpc), OUTBOX_RETRY_MS: "200" });
  lienthongEnv = {
    MONGO_URL: env.mongoUrl,
    MONGO_DB: `${env.dbName}_lt`,
    ...env.natsEnv("harness"),
    INTAKE_GRPC_URL: `127.0.0.1:${intakeGrpc}`,
    ONESTOP_TOKEN: token,
    LIENTHONG_CONSUMER: `${prefix}-inbound`,
    SECTOR_CONSUMER_PREFIX: `${prefix}-`,
    TIMER_POLL_MS: "200",
    OUTBOX_RETRY_MS: "200",
    OUTBOX_SWEEP_MS: "1000",
  };
  for (let i = 0; i < 2; i++) instances.push(await startServiceProcess("lienthong", lienthongEnv));
  nats = await connect(env.nats);
  for (const sector of SECTOR_SYSTEMS) {
    sims[sector] = await SectorSimulator.start({ nats, sector, durable: `${prefix}-${sector}`, behaviour: { accept: (request) => ours.has(request.bundleId), delayMs: 100 } });
  }
}, 120_000);

afterAll(async () => {
  for (const sim of Object.values(sims)) await sim.stop();
  await nats?.drain();
  await Promise.all(instances.map((instance) => instance.stop()));
  await intake?.stop();
});

describe("two lienthong instances at once", () => {
  it("complete every bundle once, with one of them killed -9 midway: each step sent once, each dossier resolved once", async () => {
    const codes: string[] = [];
    for (let i = 0; i < BUNDLES; i++) codes.push(await fileAtIntake(i % 2 === 0 ? "BIRTH" : "DEATH", i));
    const stepsSeen = () => Object.values(sims).reduce((sum, sim) => sum + sim.seen.filter((seen) => ours.has(seen.bundleId)).length, 0);
    await waitFor(() => stepsSeen() >= 8, { timeoutMs: 30_000, description: "steps in flight" });
    await instances[0]!.stop("SIGKILL");
    instances[0] = await startServiceProcess("lienthong", lienthongEnv);

    for (const code of codes) {
      await waitFor(async () => (await call(intake.httpUrl, "GET", `/v1/dossiers/${code}`)).body?.status === "RESOLVED", { timeoutMs: 60_000, description: `dossier ${code} resolved` });
    }
    for (const [index, code] of codes.entries()) {
      // Either instance answers for every bundle: they share the store.
      const bundle = (await call(instances[index % 2]!.httpUrl, "GET", `/v1/dossiers/${code}/bundle`)).body;
      expect(bundle.status).toBe("COMPLETED");
      expect(bundle.steps.map((step: { attempts: number }) => step.attempts)).toEqual([1, 1, 1]);
      expect(bundle.agencyTimes).toHaveLength(3);
      const dossier = (await call(intake.httpUrl, "GET", `/v1/dossiers/${code}`)).body;
      expect(dossier.timeline.filter((entry: { type: string }) => entry.type === "RESOLVED")).toHaveLength(1);
      expect(dossier.bundleResults).toHaveLength(3);
    }
    // Each step request reached its sector system as new work once (a redelivery carries the same step id).
    const requests = Object.values(sims).flatMap((sim) => sim.seen.filter((seen) => ours.has(seen.bundleId)).map((seen) => `${seen.bundleId}/${seen.stepCode}/${seen.attempt}`));
    expect(new Set(requests).size).toBe(BUNDLES * 3);
  }, 150_000);
});
