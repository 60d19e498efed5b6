import "@onestop/telemetry/register";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { defaultCalendar } from "@onestop/calendar";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { Jurisdiction } from "@onestop/auth";
import { ensureStreams } from "@onestop/bus";
import { STREAMS } from "@onestop/contracts";
import { runMain, startService } from "@onestop/service-kit";
import { Intake } from "./app/intake.js";
import { startCommandConsumer } from "./adapters/bus/commands.js";
import { dossierOutboxEntries } from "./adapters/bus/dossier-events.js";
import { loadCatalogueFiles } from "./adapters/catalogue-files.js";
import { catalogueLookup } from "./adapters/catalogue-lookup.js";
import { startIntakeGrpc } from "./adapters/grpc/server.js";
import { problemHandler } from "./adapters/http/problems.js";
import { intakeRouter } from "./adapters/http/router.js";
import { MongoDossierRepository } from "./adapters/store/dossier-repository.js";
import { OutboxRelay } from "./adapters/store/outbox-relay.js";
import { loadConfig } from "./config.js";

runMain(async () => {
  const config = loadConfig();
  const { catalogue, registry } = loadCatalogueFiles(config.CATALOGUE_DIR);
  return startService({
    name: "intake",
    config,
    defaultDb: "onestop_intake",
    wire: async ({ app, nats, store, log, verifier, limiter, onShutdown }) => {
      const js = jetstream(nats);
      const jsm = await jetstreamManager(nats);
      await ensureStreams(
        jsm,
        [STREAMS.DOSSIER, STREAMS.INTAKE_CMD, STREAMS.DLQ].map((s) => ({ name: s.name, subjects: [...s.subjects] })),
        config.NATS_STREAM_REPLICAS,
      );
      const repository = await MongoDossierRepository.open(store.db!);
      const relay = new OutboxRelay(repository, js, log, { retryAfterMs: config.OUTBOX_RETRY_MS, sweepEveryMs: config.OUTBOX_SWEEP_MS });
      await relay.start();
      onShutdown(() => relay.stop());
      const jurisdiction = new Jurisdiction(registry);
      const intake = new Intake({
        repository,
        catalogue: catalogueLookup(catalogue, registry),
        calendar: defaultCalendar,
        toOutboxEntry: dossierOutboxEntries(config.PERSONAL_DATA_KEY),
        relay,
        jurisdiction,
        audit: new AuditTrail(await MongoAuditLog.open(store.db!)),
      });
      const commands = await startCommandConsumer(nats, js, jsm, intake, verifier, log);
      onShutdown(() => commands.stop());
      if (config.GRPC_PORT !== undefined) {
        const grpc = await startIntakeGrpc({ intake, catalogue, registry, calendar: defaultCalendar, log, verifier, limiter }, config.GRPC_PORT, config.HTTP_HOST);
        log.info("gRPC listening", { port: grpc.port });
        onShutdown(() => grpc.stop());
      }
      app.use(intakeRouter({ intake, catalogue, registry, calendar: defaultCalendar, verifier, limiter }));
      app.use(problemHandler(log));
    },
  });
});
