import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Express } from "express";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Connection } from "mongoose";
import { createTokenVerifier, type TokenVerifier } from "@onestop/auth";
import { activeTraceContext, createLogger, shutdownTelemetry, type Logger } from "@onestop/telemetry";
import { redactUrl, type BaseConfig } from "./config.js";
import { connectNats, connectStore } from "./connections.js";
import { healthRouter, natsCheck, storeCheck } from "./health.js";
import { answerClientErrors, notFoundProblem, REQUEST_LIMITS, requestLimits } from "./http-limits.js";
import { loadShedding } from "./overload.js";
import { RateLimiter } from "./rate-limit.js";

export interface ServiceContext<C extends BaseConfig> {
  name: string;
  config: C;
  log: Logger;
  nats: NatsConnection;
  store: Connection;
  /** Verifies bearer tokens of the configured issuer; routes after `authenticate(verifier)` know their caller. */
  verifier: TokenVerifier;
  /** The per-client rate limit (RATE_LIMIT_*), one for the REST and gRPC adapters: `authenticateLimited`, `authenticateCallLimited`. */
  limiter: RateLimiter;
  /** The express app; request limits, /healthz and /readyz are already mounted; unknown paths end as a 404 problem. */
  app: Express;
  /** Registers clean-up run at shutdown, in reverse order of registration, before connections close. */
  onShutdown(task: () => Promise<void> | void): void;
}

export interface ServiceSpec<C extends BaseConfig> {
  name: string;
  config: C;
  /** Database name when MONGO_DB is not set. */
  defaultDb: string;
  /** Wires the service's own adapters: routes, consumers, gRPC server. */
  wire?: (context: ServiceContext<C>) => Promise<void> | void;
  /**
   * Largest declared request body (REQUEST_LIMITS.maxBodyBytes by default): raised by a service
   * that takes streamed uploads (digitisation), whose parsers then bound each body themselves.
   */
  maxBodyBytes?: number;
}

export interface RunningService {
  name: string;
  httpUrl: string;
  log: Logger;
  stop(): Promise<void>;
}

/** Connects, wires the adapters, listens; returns a handle whose stop() shuts down in order. */
export async function startService<C extends BaseConfig>(spec: ServiceSpec<C>): Promise<RunningService> {
  const { name, config } = spec;
  const log = createLogger({ service: name, level: config.LOG_LEVEL, traceContext: activeTraceContext });
  const shutdownTasks: Array<() => Promise<void> | void> = [];
  const nats = await connectNats(config.NATS_URL, name, config);
  const store = await connectStore(config.MONGO_URL, config.MONGO_DB ?? spec.defaultDb);
  log.info("connected", { nats: redactUrl(config.NATS_URL), store: redactUrl(config.MONGO_URL), db: store.name });

  const verifier = createTokenVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE,
    clockToleranceSec: config.OIDC_CLOCK_TOLERANCE_S,
    ...(config.OIDC_JWKS_URL ? { jwksUrl: config.OIDC_JWKS_URL } : {}),
  });
  const limiter = new RateLimiter({
    people: { perMinute: config.RATE_LIMIT_PER_MINUTE, burst: config.RATE_LIMIT_BURST },
    services: { perMinute: config.RATE_LIMIT_SERVICE_PER_MINUTE, burst: config.RATE_LIMIT_SERVICE_BURST },
  });
  const app = express();
  app.disable("x-powered-by");
  app.use(requestLimits(spec.maxBodyBytes === undefined ? REQUEST_LIMITS : { ...REQUEST_LIMITS, maxBodyBytes: spec.maxBodyBytes }));
  app.use(healthRouter(name, { nats: natsCheck(nats), store: storeCheck(store) }));
  // After the health routes: probes are answered however busy the service is.
  app.use(loadShedding(config.MAX_IN_FLIGHT_REQUESTS));
  await spec.wire?.({ name, config, log, nats, store, verifier, limiter, app, onShutdown: (task) => shutdownTasks.push(task) });
  app.use(notFoundProblem);

  const server = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
  answerClientErrors(server);
  const { port } = server.address() as AddressInfo;
  const httpUrl = `http://${config.HTTP_HOST}:${port}`;
  log.info("listening", { http: httpUrl });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.info("shutting down");
      await closeServer(server);
      for (const task of shutdownTasks.reverse()) await task();
      await nats.drain();
      await store.close();
      log.info("stopped");
      // Spans that cannot reach the collector are lost, but the shutdown itself was clean.
      await shutdownTelemetry().catch((error: unknown) => log.warn("telemetry not flushed", { error }));
    })());
  return { name, httpUrl, log, stop };
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}

/** Stops accepting connections and waits for in-flight requests; idle keep-alive sockets are closed. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

/**
 * Entry point helper for main.ts: starts the service, stops it cleanly on SIGTERM or SIGINT
 * (exit code 0), and exits with 1 when start-up fails.
 */
export function runMain(start: () => Promise<RunningService>): void {
  // Promise.resolve().then: a config error thrown synchronously also ends as exit code 1.
  Promise.resolve()
    .then(start)
    .then(
      (service) => {
        const shutdown = (signal: string) => {
          service.log.info("signal received", { signal });
          service.stop().then(
            () => process.exit(0),
            (error: unknown) => {
              service.log.error("unclean shutdown", { error });
              process.exit(1);
            },
          );
        };
        process.once("SIGTERM", () => shutdown("SIGTERM"));
        process.once("SIGINT", () => shutdown("SIGINT"));
      },
      (error: unknown) => {
        process.stderr.write(`start-up failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
}
