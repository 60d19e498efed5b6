import "@onestop/telemetry/register";
import { hostname } from "node:os";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { Jurisdiction } from "@onestop/auth";
import { ensureStreams } from "@onestop/bus";
import { defaultCalendar } from "@onestop/calendar";
import { parseSeries } from "./domain/index.js";
import { STREAMS } from "@onestop/contracts";
import { authenticateLimited, runMain, startService } from "@onestop/service-kit";
import { consumerLag, FACT_STREAMS, startFactsConsumer } from "./adapters/bus/facts-consumer.js";
import { loadReportCatalogue } from "./adapters/catalogue.js";
import { startReportingGrpc } from "./adapters/grpc/server.js";
import { adminRouter, problemHandler, reportsRouter } from "./adapters/http/router.js";
import { streamReplay } from "./adapters/bus/replay-source.js";
import { MongoFactsStore } from "./adapters/store/facts-store.js";
import { MongoFrozenReports } from "./adapters/store/frozen-reports.js";
import { MongoTallyReader } from "./adapters/store/tally-reader.js";
import { Rebuilder } from "./app/rebuild.js";
import { MongoRebuildStates } from "./adapters/store/rebuild-states.js";
import { ReportQueries } from "./app/reports.js";
import { loadConfig } from "./config.js";
import { alsoFoldingDelayed, MongoDelayedStore } from "./adapters/store/delayed-store.js";
import { DelayedQueries } from "./app/delayed.js";
import { delayedRouter } from "./adapters/http/delayed-router.js";

runMain(async () => {
  const config = loadConfig();
  const { sectors, procedures, registry } = loadReportCatalogue(config.CATALOGUE_DIR);
  return startService({
    name: "reporting",
    config,
    defaultDb: "onestop_reporting",
    wire: async ({ app, nats, store, log, verifier, limiter, onShutdown }) => {
      const js = jetstream(nats);
      const jsm = await jetstreamManager(nats);
      await ensureStreams(
        jsm,
        [...FACT_STREAMS, STREAMS.DLQ].map((s) => ({ name: s.name, subjects: [...s.subjects] })),
        config.NATS_STREAM_REPLICAS,
      );
      const series = parseSeries(config.TALLY_PERIODS, config.QUARTER_START_DAY);
      const facts = await MongoFactsStore.open(store.db!, { series, calendar: defaultCalendar });
      const delayedStore = MongoDelayedStore.open(store.db!, defaultCalendar);
      const consumer = await startFactsConsumer({ nats, js, jsm, store: alsoFoldingDelayed(facts, delayedStore), durable: config.REPORTING_CONSUMER, log });
      onShutdown(() => consumer.stop());
      const frozen = MongoFrozenReports.open(store.db!);
      const reports = new ReportQueries({
        store: facts,
        tallies: new MongoTallyReader(() => facts.talliesOf(), facts.series),
        frozen,
        lag: consumerLag(jsm, config.REPORTING_CONSUMER),
        calendar: defaultCalendar,
        sectors,
        procedures,
      });
      const jurisdiction = new Jurisdiction(registry);
      const delayed = new DelayedQueries({ store: delayedStore, lag: consumerLag(jsm, config.REPORTING_CONSUMER), calendar: defaultCalendar });
      const audit = new AuditTrail(await MongoAuditLog.open(store.db!));
      if (config.GRPC_PORT !== undefined) {
        const grpc = await startReportingGrpc({ reports, quarterStartDay: config.QUARTER_START_DAY, log, verifier, limiter, jurisdiction, audit, delayed }, config.GRPC_PORT, config.HTTP_HOST);
        log.info("gRPC listening", { port: grpc.port });
        onShutdown(() => grpc.stop());
      }
      app.use("/v1", authenticateLimited(verifier, limiter));
      app.use(reportsRouter({ reports, jurisdiction, audit, quarterStartDay: config.QUARTER_START_DAY }));
      app.use(delayedRouter({ delayed, jurisdiction, audit }));
      const replays = FACT_STREAMS.map((stream) => streamReplay(js, stream.name, (seq, reason) => log.warn("rebuild skipped an undecodable message", { stream: stream.name, seq, reason })));
      const instance = config.REBUILD_INSTANCE ?? (config.HTTP_PORT > 0 ? `${hostname()}:${config.HTTP_PORT}` : undefined);
      const killAfterChunk = config.REBUILD_FAULT ? Number(/^kill-after-chunk-write:(\d+)$/.exec(config.REBUILD_FAULT)![1]) : undefined;
      const rebuilder = new Rebuilder(facts, replays, {
        chunkDossiers: config.REBUILD_CHUNK_DOSSIERS,
        states: new MongoRebuildStates(store.db!),
        leaseMs: config.REBUILD_LEASE_MS,
        ...(instance ? { instance } : {}),
        onFailed: (progress, error) => log.error("rebuild failed; the previous collection stays active", { id: progress.id, error }),
        onResumed: (progress) => log.info("rebuild resumed from its checkpoint", { id: progress.id, state: progress.state, replayed: progress.replayed, chunks: progress.chunks }),
        ...(killAfterChunk === undefined
          ? {}
          : {
              // Test hook (REBUILD_FAULT): the process dies after a chunk is written, before its checkpoint is.
              onChunkWritten: (chunk: number) => {
                if (chunk === killAfterChunk) process.kill(process.pid, "SIGKILL");
              },
            }),
      });
      // An unfinished rebuild is resumed at start-up, and whenever its holder stops renewing its lease.
      const resume = () => rebuilder.resume().catch((error: unknown) => log.warn("could not resume the unfinished rebuild; trying again later", { error }));
      void resume();
      const resumer = setInterval(() => void resume(), config.REBUILD_LEASE_MS);
      resumer.unref();
      onShutdown(async () => {
        clearInterval(resumer);
        // After the switch the final catch-up is short: let it finish. Otherwise stop at once; the next start resumes from the checkpoint.
        if (rebuilder.running()?.state === "switched") await rebuilder.settled();
        else await rebuilder.stop();
      });
      app.use(adminRouter(rebuilder, jurisdiction, audit));
      app.use(problemHandler(log));
    },
  });
});
