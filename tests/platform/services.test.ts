import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startFerretDb } from "@onestop/devservers";
import { objectStoreEnv, serviceToken, startServiceProcess, testEnv, waitFor } from "@onestop/testkit";

const SERVICES = ["intake", "lienthong", "digitisation", "payment", "reporting", "console"];

describe("every service as a real process", () => {
  const env = testEnv();

  it.each(SERVICES)("%s reports health and readiness, then stops cleanly on SIGTERM", async (name) => {
    const service = await startServiceProcess(name, {
      ...env.natsEnv(name),
      MONGO_URL: env.mongoUrl,
      MONGO_DB: `${env.dbName}_${name}`,
      GRPC_PORT: "0",
      // Those that call another service (lienthong and digitisation call intake) need a token.
      ONESTOP_TOKEN: await serviceToken(),
      ...(name === "digitisation" ? objectStoreEnv() : {}),
    });
    try {
      const health = await fetch(`${service.httpUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", service: name });

      const ready = await fetch(`${service.httpUrl}/readyz`);
      expect(await ready.json()).toEqual({
        status: "ready",
        service: name,
        checks: { nats: { status: "ok" }, store: { status: "ok" } },
      });
      expect(ready.status).toBe(200);
    } finally {
      expect(await service.stop("SIGTERM")).toBe(0);
    }
    expect(service.output()).toContain('"msg":"stopped"');
  });

  it("reports not ready (503) when its store goes down, while staying alive", async () => {
    const dir = mkdtempSync(join(tmpdir(), "onestop-readyz-"));
    const ferret = await startFerretDb({ dir });
    const service = await startServiceProcess("intake", {
      ...env.natsEnv("intake"),
      MONGO_URL: ferret.url,
      MONGO_DB: env.dbName,
      GRPC_PORT: "0",
    });
    try {
      expect((await fetch(`${service.httpUrl}/readyz`)).status).toBe(200);
      await ferret.process.kill();
      const body = await waitFor(
        async () => {
          const response = await fetch(`${service.httpUrl}/readyz`);
          return response.status === 503 && ((await response.json()) as { checks: Record<string, { status: string }> });
        },
        { timeoutMs: 15_000, description: "readyz to turn 503" },
      );
      expect(body.checks).toMatchObject({ nats: { status: "ok" }, store: { status: "down" } });
      expect((await fetch(`${service.httpUrl}/healthz`)).status).toBe(200);
    } finally {
      await service.stop("SIGKILL");
      await ferret.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start with a clear message when the configuration is invalid", async () => {
    await expect(startServiceProcess("payment", { NATS_URL: env.natsUrl, MONGO_URL: env.mongoUrl, LOG_LEVEL: "loud" })).rejects.toThrow(/LOG_LEVEL/);
  });
});
