// Liên thông with every participant as its own NATS user, on a nats-server of its own started with
// the configuration generated from the step table (production durable names): intake's start
// command, lienthong, and the simulators started as a demo starts them (startSectorSimulators with
// the credentials file) route a birth bundle to completion; a sector system's forbidden subscribe
// and publish are refused by the server and change nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection, type PermissionViolationError } from "@nats-io/transport-node";
import { newEnvelope, publishEvent } from "@onestop/bus";
import { inboxPrefixOf, RequestBundleRequest } from "@onestop/contracts";
import { startNats, type NatsServer } from "@onestop/devservers";
import { startSectorSimulators, type RunningSectorSimulators } from "@onestop/sector-sim";
import { createLogger } from "@onestop/telemetry";
import { testEnv, uniqueName, waitFor } from "@onestop/testkit";
import { MongoClient, type Db } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lienthong } from "../src/app/lienthong.js";
import type { Bundle } from "../src/domain/bundle.js";
import { wireLienthong, type Wired } from "../src/wiring.js";
import { BIRTH_FORM } from "./harness.js";

const env = testEnv();
let dir: string;
let server: NatsServer;
let mongo: MongoClient;
let db: Db;
let wired: Wired;
let sims: RunningSectorSimulators;
const open: NatsConnection[] = [];

async function connectAs(user: string) {
  const nc = await connect({ servers: server.url, user, pass: server.credentials![user]!.password, inboxPrefix: inboxPrefixOf(user) });
  open.push(nc);
  const violations: PermissionViolationError[] = [];
  void (async () => {
    for await (const status of nc.status()) if (status.type === "error" && status.error.name === "PermissionViolationError") violations.push(status.error as PermissionViolationError);
  })();
  const refused = (operation: "publish" | "subscription", subject: string) =>
    waitFor(() => violations.some((v) => v.operation === operation && v.subject === subject), { timeoutMs: 5_000, description: `${user}: ${operation} to ${subject} refused` });
  return { nc, violations, refused };
}

const bundleOf = async (id: string) => (await db.collection<{ _id: string; bundle: Bundle }>("bundles").findOne({ _id: id }))?.bundle;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "onestop-lt-credentials-"));
  server = await startNats({ dir, authorization: true });
  mongo = await MongoClient.connect(env.mongoUrl);
  db = mongo.db(uniqueName("ltcred").slice(0, 60));
  const lienthong = await connectAs("lienthong");
  wired = await wireLienthong({
    nats: lienthong.nc,
    db,
    log: createLogger({ service: "lienthong-test", level: "warn" }),
    consumer: "lienthong-inbound",
    sectorConsumerPrefix: "",
    timerPollMs: 200,
    outboxRetryMs: 100,
    outboxSweepMs: 1_000,
    streamReplicas: 1,
    intake: { resolve: async () => {} },
  });
  sims = await startSectorSimulators({ natsUrl: server.url, credentials: server.credentials! });
}, 60_000);

afterAll(async () => {
  await sims?.stop();
  await wired?.stop();
  await Promise.all(open.map((nc) => nc.close()));
  await mongo?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("sector systems as their own NATS users", () => {
  it("route a bundle from intake's command to completion, each reading its own durable and answering its own steps", async () => {
    const intake = await connectAs("intake");
    const dossierCode = `000.00.51.H06-261202-${uniqueName("").slice(-6)}`;
    const at = new Date().toISOString();
    const data = RequestBundleRequest.toJSON(RequestBundleRequest.fromJSON({ bundleCode: "BIRTH", dossierCode, requestedAt: at, receivingAgencyCode: "000.00.51.H06", inputs: BIRTH_FORM }));
    await publishEvent(
      jetstream(intake.nc),
      "lienthong.bundle.start",
      newEnvelope({ type: "vn.onestop.lienthong.start_bundle.v1", source: "urn:onestop:system:intake", subject: dossierCode, time: at, data }),
    );
    const bundleId = Lienthong.bundleIdOf(dossierCode);
    const done = await waitFor(async () => ((await bundleOf(bundleId))?.status === "COMPLETED" ? bundleOf(bundleId) : undefined), { timeoutMs: 20_000, description: "bundle completed" });
    expect(done!.steps.map((step) => step.status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(sims.nats["sector-cutru"]!.seen.map((seen) => seen.stepCode)).toEqual(["permanent-residence"]);
    expect(sims.nats["sector-bhxh"]!.seen.map((seen) => seen.stepCode)).toEqual(["health-insurance"]);
    expect(intake.violations).toEqual([]);
  });

  it("refuses a sector system's subscribe to another step's requests and its publish of another step's result", async () => {
    const cutru = await connectAs("sector-cutru");
    cutru.nc.subscribe("lienthong.birth.birth-registration.requested");
    await cutru.refused("subscription", "lienthong.birth.birth-registration.requested");
    const forged = { bundleId: "x", bundleCode: "birth", stepCode: "health-insurance", agencyCode: "000.00.91.H06", completedAt: new Date().toISOString(), outputs: {}, attempt: 1 };
    await expect(
      publishEvent(
        jetstream(cutru.nc),
        "lienthong.birth.health-insurance.completed",
        newEnvelope({ type: "vn.onestop.lienthong.step_completed.v1", source: "urn:onestop:sector:sector-cutru", subject: "x", time: forged.completedAt, data: forged }),
      ),
    ).rejects.toThrow(/permissions violation/i);
    await cutru.refused("publish", "lienthong.birth.health-insurance.completed");
    // Its own step's subjects are allowed: a live subscription stands.
    const own = cutru.nc.subscribe("lienthong.birth.permanent-residence.requested");
    await cutru.nc.flush();
    expect(cutru.violations.filter((v) => v.subject === "lienthong.birth.permanent-residence.requested")).toEqual([]);
    own.unsubscribe();
  });
});
