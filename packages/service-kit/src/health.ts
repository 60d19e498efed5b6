import { Router } from "express";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Connection } from "mongoose";

/** A readiness check: resolves when the dependency answers, rejects otherwise. */
export type ReadinessCheck = () => Promise<void>;

function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    check()
      .then(resolve, reject)
      .finally(() => clearTimeout(timer));
  });
}

export function natsCheck(nc: NatsConnection): ReadinessCheck {
  return async () => {
    if (nc.isClosed()) throw new Error("connection closed");
    await nc.flush();
  };
}

export function storeCheck(connection: Connection): ReadinessCheck {
  return async () => {
    const db = connection.db;
    if (!db) throw new Error("not connected");
    await db.admin().command({ ping: 1 });
  };
}

/**
 * `GET /healthz`: the process is alive (no dependency checked, so an orchestrator does not
 * restart us for a database outage). `GET /readyz`: every dependency answers, else 503.
 */
export function healthRouter(service: string, checks: Record<string, ReadinessCheck>, timeoutMs = 2_000): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", service });
  });
  router.get("/readyz", async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check, timeoutMs);
          return [name, { status: "ok" }] as const;
        } catch (error) {
          return [name, { status: "down", error: error instanceof Error ? error.message : String(error) }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.status === "ok");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", service, checks: Object.fromEntries(results) });
  });
  return router;
}
