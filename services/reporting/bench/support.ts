/**
 * What the bus benchmarks share: a nats-server and a FerretDB of their own (in a temporary
 * folder, removed at the end), and the golden half-year published to the DOSSIER stream.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { ensureStreams } from "@onestop/bus";
import { defaultCalendar } from "@onestop/calendar";
import { FACT_STREAMS } from "../src/adapters/bus/facts-consumer.js";
import { startFerretDb, startNats, type FerretDbServer, type NatsServer } from "@onestop/devservers";
import { StreamGenerator } from "../test/golden/generator.js";
import { seedProcedures } from "../test/golden/catalogue.js";
import { scaleTargets, SEED_002_TARGETS } from "../test/golden/targets.js";

export const PERIOD = { from: "2023-12-15", to: "2024-06-30" };

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export interface BenchServers {
  nats: NatsServer;
  ferret: FerretDbServer;
  nc: NatsConnection;
  js: JetStreamClient;
  mongo: MongoClient;
  stop(): Promise<void>;
}

export async function startBenchServers(label: string): Promise<BenchServers> {
  const dir = mkdtempSync(join(tmpdir(), `reporting-${label}-`));
  const [nats, ferret] = await Promise.all([startNats({ dir: join(dir, "nats") }), startFerretDb({ dir: join(dir, "ferretdb") })]);
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  // Every stream the facts consumer reads (memory.bench starts it), though only DOSSIER gets events.
  await ensureStreams(
    jsm,
    FACT_STREAMS.map((stream) => ({ name: stream.name, subjects: [...stream.subjects] })),
  );
  const mongo = await MongoClient.connect(ferret.url);
  return {
    nats,
    ferret,
    nc,
    js: jetstream(nc),
    mongo,
    stop: async () => {
      await mongo.close();
      await nc.drain();
      await Promise.all([nats.stop(), ferret.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Publishes the golden half-year (`scale` of the province, 1 = 314.849 dossiers in the form,
 * ≈ 974k events) dossier by dossier, `limit` events at most; a window of publishes is kept in
 * flight. With `inTimeOrder` the events (then held in memory) go out in business-time order, as
 * a live stream brings them: a dossier's events far apart. Returns the number of events and
 * dossiers published.
 */
export async function publishGolden(js: JetStreamClient, scale: number, limit = Infinity, inTimeOrder = false): Promise<{ events: number; dossiers: number }> {
  const { procedures } = seedProcedures();
  const generator = new StreamGenerator({ seed: 2, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, scale), procedures, calendar: defaultCalendar });
  const window: Array<Promise<unknown>> = [];
  const held: Array<{ subject: string; time: string; payload: string }> = [];
  let events = 0;
  let dossiers = 0;
  for (const dossier of generator.dossiers()) {
    if (events >= limit) break;
    dossiers += 1;
    for (const event of dossier.events) {
      if (events >= limit) break;
      const agency = dossier.code.split("-")[0]!;
      const name = event.type.split(".")[3];
      const envelope = { specversion: "1.0", source: "bench", recordedtime: event.time, datacontenttype: "application/json", ...event };
      const subject = `dossier.${agency.replaceAll(".", "_")}.${name}`;
      events += 1;
      if (inTimeOrder) held.push({ subject, time: event.time, payload: JSON.stringify(envelope) });
      else window.push(js.publish(subject, JSON.stringify(envelope)));
      if (window.length >= 2_000) await Promise.all(window.splice(0));
    }
  }
  held.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  for (const { subject, payload } of held) {
    window.push(js.publish(subject, payload));
    if (window.length >= 2_000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  return { events, dossiers };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000);
export const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
