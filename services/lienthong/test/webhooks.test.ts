// Webhook sector systems over the real NATS and store: lienthong in process POSTs the police's
// step requests (signed) to the reference webhook simulator, which answers 202 and calls back on
// lienthong's REST callback; the other sectors answer on NATS.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { jetstreamManager } from "@nats-io/jetstream";
import { signedWebhookHeaders } from "@onestop/contracts";
import { WebhookSectorSimulator } from "@onestop/sector-sim";
import { RateLimiter } from "@onestop/service-kit";
import { createLogger } from "@onestop/telemetry";
import { waitFor } from "@onestop/testkit";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemHandler } from "../src/adapters/http/problems.js";
import { webhookCallbackRouter } from "../src/adapters/http/webhook-callback.js";
import type { Delivery } from "../src/adapters/webhook/deliveries.js";
import type { Bundle } from "../src/domain/bundle.js";
import { startHarness, type Harness } from "./harness.js";

const SECRET = "whsec-cutru-test-0123456789abcdef0123";
let h: Harness;
let sim: WebhookSectorSimulator;
let callbackServer: Server;
let callbackUrl: string;

beforeAll(async () => {
  // The callback server first (the simulator needs its address), routed to lienthong once wired.
  let handle: express.Express | undefined;
  callbackServer = createServer((req, res) => (handle ? handle(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => callbackServer.listen(0, "127.0.0.1", resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}`;
  sim = await WebhookSectorSimulator.start({ sector: "sector-cutru", secret: SECRET, lienthongUrl: callbackUrl });
  const webhooks = { "sector-cutru": { url: sim.url, secret: SECRET } };
  h = await startHarness({}, { webhooks, webhookRetry: { baseMs: 200, capMs: 1_000, maxAttempts: 50 } });
  const limiter = new RateLimiter({ people: { perMinute: 10_000, burst: 10_000 }, services: { perMinute: 10_000, burst: 10_000 } });
  handle = express()
    .use((req, res, next) => webhookCallbackRouter({ app: h.wired.app, webhooks, limiter })(req, res, next))
    .use(problemHandler(createLogger({ service: "lienthong-test", level: "warn" })));
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await h?.stop();
  await new Promise((resolve) => callbackServer?.close(resolve));
});

const step = (bundle: Bundle, code: string) => bundle.steps.find((candidate) => candidate.code === code)!;
const deliveryOf = async (bundleId: string) => (await h.db.collection<Delivery>("webhook_deliveries").find({ bundleId }).toArray()).filter((d) => d.stepCode === "permanent-residence");
const callback = (sector: string, body: unknown, secret = SECRET, nowMs = Date.now()) => {
  const text = JSON.stringify(body);
  return fetch(`${callbackUrl}/webhooks/v1/${sector}/results`, { method: "POST", headers: signedWebhookHeaders(secret, text, "test", nowMs), body: text });
};

describe("webhook delivery", () => {
  it("POSTs the step request signed; the sector answers 202 and calls back; the bundle completes with the child's number reaching it", async () => {
    const { bundleId } = await h.file("BIRTH");
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "birth bundle completed through the webhook");
    const [delivery] = await deliveryOf(bundleId);
    expect(delivery).toMatchObject({ status: "DELIVERED", attempts: 1, sector: "sector-cutru", attempt: 1 });
    expect(sim.deliveries.filter((d) => d.deliveryId === delivery!._id).map((d) => d.status)).toEqual([202]);
    const seen = sim.seen.find((s) => s.bundleId === bundleId)!;
    expect(seen.inputs.personalIdNumber).toBe(step(done, "birth-registration").outputs.personalIdNumber);
    expect(step(done, "permanent-residence").outputs.residenceNumber).toMatch(/^CT-\d{8}$/);
    expect(sim.callbacks.filter((c) => c.bundleId === bundleId)).toEqual([{ bundleId, stepCode: "permanent-residence", attempt: 1, status: 200, applied: true }]);
    // A webhook sector system gets no NATS durable: nothing piles up unread.
    const jsm = await jetstreamManager(h.nats);
    const durables: string[] = [];
    for await (const consumer of jsm.consumers.list("LIENTHONG")) durables.push(consumer.name);
    expect(durables).not.toContain(`${h.prefix}-sector-cutru`);
    expect(durables).toContain(`${h.prefix}-sector-hotich`);
  });

  it("tries again after a 500, with backoff", async () => {
    sim.set({ failNext: 1 });
    const { bundleId } = await h.file("BIRTH");
    await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed after a retry");
    const [delivery] = await deliveryOf(bundleId);
    expect(delivery).toMatchObject({ status: "DELIVERED", attempts: 2 });
    expect(sim.deliveries.filter((d) => d.deliveryId === delivery!._id).map((d) => d.status)).toEqual([500, 202]);
  });

  it("keeps a pending delivery across a restart of lienthong and delivers it once the sector is back", async () => {
    sim.goOffline();
    const { bundleId } = await h.file("BIRTH");
    await h.until(bundleId, (bundle) => step(bundle, "permanent-residence").status === "REQUESTED", "police step requested");
    await waitFor(async () => (await deliveryOf(bundleId))[0]?.lastError === "HTTP 503", { timeoutMs: 10_000, description: "a delivery refused while offline" });
    await h.restart();
    const before = (await deliveryOf(bundleId))[0]!;
    expect(before.status).toBe("PENDING");
    sim.goOnline();
    await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed after the restart");
    const after = (await deliveryOf(bundleId))[0]!;
    expect(after.status).toBe("DELIVERED");
    expect(after.attempts).toBeGreaterThan(before.attempts);
    expect(sim.deliveries.filter((d) => d.deliveryId === after._id && d.status === 202)).toHaveLength(1);
  });

  it("applies a result once when the sector system calls back twice", async () => {
    sim.set({ duplicateResults: true });
    try {
      const { bundleId } = await h.file("BIRTH");
      const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed with a doubled callback");
      await waitFor(() => sim.callbacks.filter((c) => c.bundleId === bundleId).length >= 2, { timeoutMs: 10_000, description: "both callbacks answered" });
      expect(sim.callbacks.filter((c) => c.bundleId === bundleId).map((c) => [c.status, c.applied])).toEqual([
        [200, true],
        [200, false],
      ]);
      expect(step(done, "permanent-residence").holds).toHaveLength(1);
      expect(step(done, "permanent-residence").attempt).toBe(1);
    } finally {
      sim.set({ duplicateResults: false });
    }
  });
});

describe("webhook signatures", () => {
  it("the simulator refuses a delivery signed with another secret or with an old timestamp, and answers nothing", async () => {
    const body = JSON.stringify({ id: "forged", type: "vn.onestop.lienthong.step_requested.v1", data: { bundleId: "forged", stepCode: "permanent-residence" } });
    const forged = await fetch(sim.url, { method: "POST", headers: signedWebhookHeaders("not-the-shared-secret-000000000000", body, "forged"), body });
    expect(forged.status).toBe(401);
    const replayed = await fetch(sim.url, { method: "POST", headers: signedWebhookHeaders(SECRET, body, "replayed", Date.now() - 10 * 60_000), body });
    expect(replayed.status).toBe(401);
    const unsigned = await fetch(sim.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(unsigned.status).toBe(401);
    expect(sim.seen.filter((s) => s.bundleId === "forged")).toEqual([]);
  });

  it("lienthong's callback refuses a bad signature (401), another sector's step (403) and bad input naming the field (400), and changes nothing", async () => {
    const { bundleId } = await h.file("DEATH");
    await h.until(bundleId, (bundle) => step(bundle, "death-registration").status !== "WAITING", "death bundle started");
    const result = { bundleId, stepCode: "residence-removal", attempt: 1, outcome: "COMPLETED", at: new Date().toISOString(), outputs: { removalNumber: "XT-GIA" } };
    expect((await callback("sector-cutru", result, "not-the-shared-secret-000000000000")).status).toBe(401);
    expect((await callback("sector-cutru", result, SECRET, Date.now() - 10 * 60_000)).status).toBe(401);
    expect((await callback("sector-hotich", result)).status).toBe(401); // a NATS sector has no webhook secret
    const other = await callback("sector-cutru", { ...result, stepCode: "death-registration" });
    expect(other.status).toBe(403);
    const bad = await callback("sector-cutru", { ...result, attempt: "một" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: unknown }).errors).toEqual([expect.objectContaining({ path: "attempt" })]);
    const missing = await callback("sector-cutru", { ...result, bundleId: undefined });
    expect(((await missing.json()) as { errors: unknown }).errors).toEqual([expect.objectContaining({ path: "bundleId" })]);
    // None of them was applied: the step is completed by the sector system's own answer.
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "death bundle completed");
    expect(step(done, "residence-removal").outputs.removalNumber).toMatch(/^XT-\d{8}$/);
    expect(step(done, "death-registration").holds).toHaveLength(1);
  });
});
