import "@onestop/telemetry/register";
import { tokenSourceFromEnv } from "@onestop/auth";
import { runMain, startService } from "@onestop/service-kit";
import { startLienthongGrpc } from "./adapters/grpc/server.js";
import { problemHandler } from "./adapters/http/problems.js";
import { lienthongRouter } from "./adapters/http/router.js";
import { webhookCallbackRouter } from "./adapters/http/webhook-callback.js";
import { loadConfig } from "./config.js";
import { wireLienthong } from "./wiring.js";

runMain(async () => {
  const config = loadConfig();
  return startService({
    name: "lienthong",
    config,
    defaultDb: "onestop_lienthong",
    wire: async ({ app, nats, store, log, verifier, limiter, onShutdown }) => {
      const wired = await wireLienthong({
        nats,
        db: store.db!,
        log,
        ...(config.CATALOGUE_DIR ? { catalogueDir: config.CATALOGUE_DIR } : {}),
        consumer: config.LIENTHONG_CONSUMER,
        sectorConsumerPrefix: config.SECTOR_CONSUMER_PREFIX,
        timerPollMs: config.TIMER_POLL_MS,
        outboxRetryMs: config.OUTBOX_RETRY_MS,
        outboxSweepMs: config.OUTBOX_SWEEP_MS,
        streamReplicas: config.NATS_STREAM_REPLICAS,
        webhooks: config.SECTOR_WEBHOOKS,
        webhookPollMs: config.WEBHOOK_POLL_MS,
        webhookRetry: { baseMs: config.WEBHOOK_BACKOFF_MS, capMs: config.WEBHOOK_BACKOFF_CAP_MS, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS },
        intake: { address: config.INTAKE_GRPC_URL, tokens: tokenSourceFromEnv(process.env) },
      });
      onShutdown(() => wired.stop());
      if (config.GRPC_PORT !== undefined) {
        const grpc = await startLienthongGrpc({ app: wired.app, catalogue: wired.catalogue, verifier, limiter, log }, config.GRPC_PORT, config.HTTP_HOST);
        log.info("gRPC listening", { port: grpc.port });
        onShutdown(() => grpc.stop());
      }
      app.use(webhookCallbackRouter({ app: wired.app, webhooks: config.SECTOR_WEBHOOKS, limiter }));
      app.use(lienthongRouter({ app: wired.app, catalogue: wired.catalogue, verifier, limiter }));
      app.use(problemHandler(log));
    },
  });
});
