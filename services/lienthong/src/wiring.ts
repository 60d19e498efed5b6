import { pathToFileURL } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { Jurisdiction, type TokenSource } from "@onestop/auth";
import { ensureStreams, type RunningConsumer } from "@onestop/bus";
import { defaultCalendar } from "@onestop/calendar";
import { loadSeedAgencyKinds, loadSeedAgencyRegistry, loadSeedCatalogue, type ImportResult } from "@onestop/catalogue";
import { STREAMS } from "@onestop/contracts";
import type { Logger } from "@onestop/telemetry";
import type { Db } from "mongodb";
import { Lienthong } from "./app/lienthong.js";
import type { IntakePort } from "./app/ports.js";
import { announce } from "./adapters/bus/bundle-events.js";
import { ensureSectorConsumers, startInbound } from "./adapters/bus/inbound.js";
import { OutboxRelay } from "./adapters/bus/outbox-relay.js";
import { IntakeGrpcClient } from "./adapters/intake-client.js";
import { MongoBundleRepository, MongoTimerStore } from "./adapters/store/bundle-repository.js";
import { TimerPoller } from "./adapters/timer-poller.js";
import { MongoWebhookDeliveries } from "./adapters/webhook/deliveries.js";
import { WebhookSender, type SectorWebhooks } from "./adapters/webhook/sender.js";
import type { RetryPolicy } from "./domain/webhook-retry.js";

export interface WiringOptions {
  nats: NatsConnection;
  db: Db;
  log: Logger;
  catalogueDir?: string;
  consumer: string;
  sectorConsumerPrefix: string;
  timerPollMs: number;
  outboxRetryMs: number;
  outboxSweepMs: number;
  streamReplicas: number;
  /** Sector systems reached by webhook (their requests are POSTed, not left in a NATS durable). */
  webhooks?: SectorWebhooks;
  webhookPollMs?: number;
  webhookRetry?: RetryPolicy;
  /** Where finished bundles' dossiers are resolved: intake's gRPC, or a stand-in in tests. */
  intake: IntakePort | { address: string; tokens: TokenSource };
  now?: () => Date;
}

export interface Wired {
  app: Lienthong;
  relay: OutboxRelay;
  poller: TimerPoller;
  inbound: RunningConsumer;
  webhooks: WebhookSender;
  deliveries: MongoWebhookDeliveries;
  catalogue: ReturnType<typeof loadFiles>["catalogue"];
  registry: ReturnType<typeof loadFiles>["registry"];
  stop(): Promise<void>;
}

/** Loads the catalogue, registry and agency kinds (a province's folder or the shipped seed); any bad row stops start-up. */
export function loadFiles(dir: string | undefined) {
  const url = dir ? pathToFileURL(dir.endsWith("/") ? dir : `${dir}/`) : undefined;
  const catalogue = orThrow("procedure catalogue", url ? loadSeedCatalogue(url) : loadSeedCatalogue());
  const registry = orThrow("agency registry", url ? loadSeedAgencyRegistry(url) : loadSeedAgencyRegistry());
  const kinds = orThrow("agency kinds", url ? loadSeedAgencyKinds(registry, url) : loadSeedAgencyKinds(registry));
  return { catalogue, registry, kinds };
}

function orThrow<T>(what: string, result: ImportResult<T>): T {
  if (result.ok) return result.value;
  throw new Error(
    `invalid ${what} (${result.errors.length} errors):\n${result.errors
      .slice(0, 20)
      .map((e) => `  ${JSON.stringify(e)}`)
      .join("\n")}`,
  );
}

/** Everything lienthong runs, on given connections: used by main.ts and by in-process tests. */
export async function wireLienthong(options: WiringOptions): Promise<Wired> {
  const { nats, db, log } = options;
  const { catalogue, registry, kinds } = loadFiles(options.catalogueDir);
  const js = jetstream(nats);
  const jsm = await jetstreamManager(nats);
  await ensureStreams(
    jsm,
    [STREAMS.LIENTHONG, STREAMS.DLQ].map((s) => ({ name: s.name, subjects: [...s.subjects] })),
    options.streamReplicas,
  );
  const repository = await MongoBundleRepository.open(db);
  const timers = await MongoTimerStore.open(db);
  const deliveries = await MongoWebhookDeliveries.open(db);
  const webhooks = new WebhookSender(deliveries, options.webhooks ?? {}, log, {
    pollMs: options.webhookPollMs ?? 1_000,
    policy: options.webhookRetry ?? { baseMs: 2_000, capMs: 600_000, maxAttempts: 20 },
  });
  await ensureSectorConsumers(jsm, options.sectorConsumerPrefix, (sector) => !webhooks.isWebhookSector(sector));
  const intake = "resolve" in options.intake ? options.intake : new IntakeGrpcClient(options.intake.address, options.intake.tokens);
  const relay = new OutboxRelay(repository, js, intake, log, {
    retryAfterMs: options.outboxRetryMs,
    sweepEveryMs: options.outboxSweepMs,
    ...(webhooks.enabled ? { published: (entry) => webhooks.accept(entry) } : {}),
  });
  const app = new Lienthong({
    repository,
    timers,
    catalogue,
    agencies: {
      chooseAgency: (kind, near, date) => kinds.chooseAgency(kind, near, date),
      isOfKind: (agency, kind) => kinds.isOfKind(agency, kind),
      agencyAt: (code, date) => registry.agency(code, date),
    },
    calendar: defaultCalendar,
    announce,
    relay,
    jurisdiction: new Jurisdiction(registry),
    audit: new AuditTrail(await MongoAuditLog.open(db)),
    ...(options.now ? { now: options.now } : {}),
  });
  await relay.start();
  const poller = new TimerPoller(timers, app, log, options.timerPollMs);
  poller.start();
  webhooks.start();
  const inbound = await startInbound(nats, js, jsm, app, options.consumer, log);
  return {
    app,
    relay,
    poller,
    inbound,
    webhooks,
    deliveries,
    catalogue,
    registry,
    stop: async () => {
      await inbound.stop();
      await poller.stop();
      await relay.stop();
      await webhooks.stop();
      if (intake instanceof IntakeGrpcClient) intake.close();
    },
  };
}
