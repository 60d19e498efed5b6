import "@onestop/telemetry/register";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { Jurisdiction, tokenSourceFromEnv } from "@onestop/auth";
import { derivedEventId, ensureStreams } from "@onestop/bus";
import { loadSeedAgencyRegistry } from "@onestop/catalogue";
import { applicantRef, STREAMS } from "@onestop/contracts";
import { runMain, startService } from "@onestop/service-kit";
import { Digitisation, type UploadStep } from "./app/digitisation.js";
import { digitisationOutboxEntry, jetStreamPublisher } from "./adapters/bus/digitisation-events.js";
import { startDigitisationGrpc } from "./adapters/grpc/server.js";
import { IntakeDossierDirectory } from "./adapters/intake/dossier-directory.js";
import { problemHandler } from "./adapters/http/problems.js";
import { digitisationRouter } from "./adapters/http/router.js";
import { S3ObjectStore, s3Client } from "./adapters/s3/object-store.js";
import { Ed25519Signer } from "./adapters/signing/ed25519-signer.js";
import { MongoContentRegistry, MongoDocumentRepository } from "./adapters/store/document-repository.js";
import { loadConfig } from "./config.js";

/** The step of an upload each DIGITISATION_FAULT kills the process after. */
const FAULT_STEP: Record<NonNullable<ReturnType<typeof loadConfig>["DIGITISATION_FAULT"]>, UploadStep> = {
  "kill-after-write": "written",
  "kill-after-claim": "claimed",
  "kill-after-insert": "inserted",
};

runMain(async () => {
  const config = loadConfig();
  const registry = loadSeedAgencyRegistry();
  if (!registry.ok) throw new Error(`agency registry invalid: ${registry.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  return startService({
    name: "digitisation",
    config,
    defaultDb: "onestop_digitisation",
    // A multipart upload: the file, the metadata field and the part headers; the upload bounds the file itself.
    maxBodyBytes: config.MAX_UPLOAD_BYTES + 256 * 1024,
    wire: async ({ app, nats, store, log, verifier, limiter, onShutdown }) => {
      const js = jetstream(nats);
      const jsm = await jetstreamManager(nats);
      await ensureStreams(jsm, [{ name: STREAMS.DIGITISATION.name, subjects: [...STREAMS.DIGITISATION.subjects] }], config.NATS_STREAM_REPLICAS);
      const objects = new S3ObjectStore(s3Client(config), config.S3_BUCKET);
      await objects.ensureBucket();
      const signer = new Ed25519Signer(config.SIGNING_KEY_PEM, config.SIGNING_KEY_ID ? { keyId: config.SIGNING_KEY_ID } : {});
      const fault = config.DIGITISATION_FAULT;
      const dossiers = new IntakeDossierDirectory(config.INTAKE_GRPC_URL, tokenSourceFromEnv(process.env), { cacheMs: config.DOSSIER_CACHE_MS });
      onShutdown(() => dossiers.close());
      const digitisation = new Digitisation({
        repository: MongoDocumentRepository.open(store.db!),
        contents: MongoContentRegistry.open(store.db!),
        dossiers,
        objects,
        signer,
        publisher: jetStreamPublisher(js),
        toOutboxEntry: digitisationOutboxEntry,
        holderRef: (input) => applicantRef(input, config.PERSONAL_DATA_KEY),
        stableId: (seed) => derivedEventId(seed, "digitisation-id"),
        jurisdiction: new Jurisdiction(registry.value),
        audit: new AuditTrail(await MongoAuditLog.open(store.db!)),
        maxUploadBytes: config.MAX_UPLOAD_BYTES,
        presignSeconds: config.PRESIGN_SECONDS,
        ...(fault
          ? {
              onStep: (step: UploadStep) => {
                if (FAULT_STEP[fault] === step) process.kill(process.pid, "SIGKILL");
              },
            }
          : {}),
      });

      // Registrations a crashed instance left half-done are finished, and its temporary objects removed.
      const sweep = async () => {
        try {
          const settled = await digitisation.settleAll();
          const removed = await digitisation.sweepObjects(config.INCOMING_MAX_AGE_MS);
          if (settled + removed > 0) log.info("finished what an earlier instance left", { settled, removed });
        } catch (error) {
          log.warn("sweep failed; trying again later", { error });
        }
      };
      void sweep();
      const sweeper = setInterval(() => void sweep(), config.SETTLE_SWEEP_MS);
      sweeper.unref();
      onShutdown(async () => {
        clearInterval(sweeper);
        await digitisation.flush();
      });

      if (config.GRPC_PORT !== undefined) {
        const grpc = await startDigitisationGrpc({ digitisation, log, verifier, limiter }, config.GRPC_PORT, config.HTTP_HOST);
        log.info("gRPC listening", { port: grpc.port });
        onShutdown(() => grpc.stop());
      }
      app.use(digitisationRouter({ digitisation, verifier, limiter, maxUploadBytes: config.MAX_UPLOAD_BYTES, log }));
      app.use(problemHandler(log));
    },
  });
});
