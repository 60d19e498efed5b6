// In-process lienthong on the test kit's real NATS and store, with a clock the test moves, and
// the reference sector simulators; intake's side is recorded (the end-to-end file runs intake itself).
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { newEnvelope, publishEvent } from "@onestop/bus";
import { RequestBundleRequest, SECTOR_SYSTEMS, type SectorSystem } from "@onestop/contracts";
import { SectorSimulator, type Behaviour } from "@onestop/sector-sim";
import { createLogger } from "@onestop/telemetry";
import { testEnv, uniqueName, waitFor } from "@onestop/testkit";
import { MongoClient, type Db } from "mongodb";
import { uuidv7 } from "uuidv7";
import type { OutboxEntry } from "../src/app/ports.js";
import { Lienthong } from "../src/app/lienthong.js";
import type { Bundle } from "../src/domain/bundle.js";
import type { SectorWebhooks } from "../src/adapters/webhook/sender.js";
import type { RetryPolicy } from "../src/domain/webhook-retry.js";
import { wireLienthong, type Wired } from "../src/wiring.js";

export const env = testEnv();
export type IntakeResolution = Extract<OutboxEntry, { kind: "intake" }>;

export interface Harness {
  nats: NatsConnection;
  db: Db;
  /** Put before this harness's durable names (other files share the stream). */
  prefix: string;
  wired: Wired;
  clock: { offsetMs: number; now(): Date; advance(ms: number): void };
  /** The NATS simulators (none for the sectors reached by webhook). */
  sims: Record<SectorSystem, SectorSimulator>;
  /** What lienthong sent intake (one per finished bundle, more if sent again). */
  resolved: IntakeResolution[];
  /** Starts a bundle as intake's command would; returns its bundle id. */
  file(
    bundleCode: "BIRTH" | "DEATH",
    options?: { receivedAt?: string; receivingAgencyCode?: string; form?: Record<string, string> },
  ): Promise<{ bundleId: string; dossierCode: string; commandId: string }>;
  bundle(bundleId: string): Promise<Bundle | undefined>;
  until(bundleId: string, check: (bundle: Bundle) => boolean, description: string, timeoutMs?: number): Promise<Bundle>;
  /** Stops lienthong (as a SIGTERM would) and wires it again on the same store and durables. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  webhooks?: SectorWebhooks;
  webhookRetry?: RetryPolicy;
}

export const BIRTH_FORM = {
  childFullName: "Nguyễn Minh Khôi",
  childBirthDate: "2026-11-28",
  childSex: "NAM",
  birthPlace: "Bệnh viện Sản Nhi tỉnh Bắc Ninh",
  motherIdNumber: "024190012345",
  fatherIdNumber: "024188054321",
  residenceAddress: "Số 12 đường Hoàng Văn Thụ, phường Bắc Giang",
  householdHeadIdNumber: "024188054321",
};
export const DEATH_FORM = {
  deceasedFullName: "Trần Văn Bảy",
  deceasedIdNumber: "024140011111",
  deathDate: "2026-11-30",
  deathPlace: "Phường Bắc Giang",
  residenceAddress: "Phường Bắc Giang",
  claimantIdNumber: "024170022222",
  bankAccount: "0123456789",
};

export async function startHarness(behaviour: Partial<Behaviour> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const nats = await connect(env.nats);
  const client = new MongoClient(env.mongoUrl);
  const db = client.db(uniqueName("lt").slice(0, 60));
  const clock = {
    offsetMs: 0,
    now: () => new Date(Date.now() + clock.offsetMs),
    advance: (ms: number) => void (clock.offsetMs += ms),
  };
  const resolved: IntakeResolution[] = [];
  const ours = new Set<string>();
  const prefix = uniqueName("c").replaceAll("_", "-");
  const wire = () =>
    wireLienthong({
      nats,
      db,
      log: createLogger({ service: "lienthong-test", level: "warn" }),
      consumer: `${prefix}-inbound`,
      sectorConsumerPrefix: `${prefix}-`,
      timerPollMs: 100,
      outboxRetryMs: 100,
      outboxSweepMs: 1_000,
      streamReplicas: 1,
      intake: { resolve: async (entry) => void resolved.push(entry) },
      now: clock.now,
      ...(options.webhooks ? { webhooks: options.webhooks, webhookPollMs: 100 } : {}),
      ...(options.webhookRetry ? { webhookRetry: options.webhookRetry } : {}),
    });
  const wired = await wire();
  const sims = {} as Record<SectorSystem, SectorSimulator>;
  for (const sector of SECTOR_SYSTEMS) {
    if (options.webhooks?.[sector]) continue;
    sims[sector] = await SectorSimulator.start({ nats, sector, durable: `${prefix}-${sector}`, now: clock.now, behaviour: { accept: (request) => ours.has(request.bundleId), ...behaviour } });
  }
  const js = jetstream(nats);
  const harness: Harness = {
    nats,
    db,
    prefix,
    wired,
    clock,
    sims,
    resolved,
    async file(bundleCode, options = {}) {
      const receivingAgencyCode = options.receivingAgencyCode ?? "000.00.51.H06";
      const at = options.receivedAt ?? clock.now().toISOString();
      const dossierCode = `${receivingAgencyCode}-${at.slice(2, 10).replaceAll("-", "")}-${String(Math.floor(Math.random() * 10_000)).padStart(4, "0")}${uniqueName("").slice(-4)}`;
      const bundleId = Lienthong.bundleIdOf(dossierCode);
      ours.add(bundleId);
      const data = RequestBundleRequest.toJSON(
        RequestBundleRequest.fromJSON({ bundleCode, dossierCode, requestedAt: at, receivingAgencyCode, inputs: options.form ?? (bundleCode === "BIRTH" ? BIRTH_FORM : DEATH_FORM) }),
      );
      const commandId = uuidv7();
      await publishEvent(
        js,
        "lienthong.bundle.start",
        newEnvelope({ id: commandId, type: "vn.onestop.lienthong.start_bundle.v1", source: "urn:onestop:system:intake", subject: dossierCode, time: at, data }),
      );
      return { bundleId, dossierCode, commandId };
    },
    async bundle(bundleId) {
      return (await db.collection<{ _id: string; bundle: Bundle }>("bundles").findOne({ _id: bundleId }))?.bundle;
    },
    until(bundleId, check, description, timeoutMs = 20_000) {
      return waitFor(
        async () => {
          const bundle = await harness.bundle(bundleId);
          return bundle && check(bundle) ? bundle : undefined;
        },
        { timeoutMs, description },
      );
    },
    async restart() {
      await harness.wired.stop();
      harness.wired = await wire();
    },
    async stop() {
      for (const sim of Object.values(sims)) await sim.stop();
      await harness.wired.stop();
      await nats.drain();
      await client.close();
    },
  };
  return harness;
}
