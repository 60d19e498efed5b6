// Bus vs raw nats.js on the same nats-server, in the same run: publish and consume throughput.
// Rounds alternate raw and bus so machine noise hits both; medians and the ratio are printed.
//   pnpm --filter @onestop/bus bench            (starts its own nats-server)
//   BENCH_EVENTS=50000 BENCH_ROUNDS=7 NATS_URL=nats://… pnpm --filter @onestop/bus bench
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats } from "@onestop/devservers";
import { encodeEnvelope, ensureStreams, newEnvelope, publishEvent, startConsumer, type EventEnvelope } from "../src/index.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = 256; // publishes in flight, the same for both sides

function sampleEvents(round: number): EventEnvelope[] {
  return Array.from({ length: EVENTS }, (_, i) =>
    newEnvelope({
      type: "vn.onestop.dossier.received.v1",
      source: "000.00.12.H10",
      subject: `000.00.12.H10-250310-${String(i).padStart(4, "0")}`,
      time: "2025-03-10T09:15:00+07:00",
      data: { round, procedureCode: "1.001193", channel: "ONLINE", receivedAt: "2025-03-10T09:15:00+07:00" },
    }),
  );
}

async function windowed(count: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (next < count) await send(next++);
    }),
  );
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function rawConsume(js: JetStreamClient, jsm: JetStreamManager, stream: string, durable: string): Promise<void> {
  await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, max_ack_pending: 1_024 });
  const messages = await (await js.consumers.get(stream, durable)).consume({ max_messages: 256 });
  let seen = 0;
  for await (const message of messages) {
    JSON.parse(new TextDecoder().decode(message.data));
    message.ack();
    if (++seen === EVENTS) break;
  }
  await messages.close();
}

async function busConsume(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, stream: string, durable: string): Promise<void> {
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const running = await startConsumer(
    nc,
    js,
    jsm,
    { stream, durable, concurrency: 256 },
    async () => {
      if (++seen === EVENTS) done();
    },
    { warn: () => {}, error: () => {} },
  );
  const t0 = Date.now();
  await finished;
  const t1 = Date.now();
  await running.stop();
  if (process.env.BENCH_DEBUG) console.log("bus consume: handling", t1 - t0, "ms, stop", Date.now() - t1, "ms");
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const rate = (seconds: number) => Math.round(EVENTS / seconds);

const dir = mkdtempSync(join(tmpdir(), "onestop-bench-"));
const server = process.env.NATS_URL ? undefined : await startNats({ dir, profile: "fast" });
const nc = await connect({ servers: process.env.NATS_URL ?? server!.url });
const js = jetstream(nc);
const jsm = await jetstreamManager(nc);
const results = { rawPublish: [] as number[], busPublish: [] as number[], rawConsume: [] as number[], busConsume: [] as number[] };

try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (["raw", "bus"] as const) : (["bus", "raw"] as const)) {
      const stream = `BENCH_${side.toUpperCase()}_${round}`;
      await ensureStreams(jsm, [{ name: stream, subjects: [`bench.${side}.${round}.>`] }]);
      const events = sampleEvents(round);
      const subject = `bench.${side}.${round}.dossier`;
      if (side === "raw") {
        // The baseline serialises each event too: any publisher has to.
        results.rawPublish.push(await timed(() => windowed(EVENTS, (i) => js.publish(subject, encodeEnvelope(events[i]!), { msgID: events[i]!.id }))));
        results.rawConsume.push(await timed(() => rawConsume(js, jsm, stream, "reader")));
      } else {
        results.busPublish.push(await timed(() => windowed(EVENTS, (i) => publishEvent(js, subject, events[i]!))));
        results.busConsume.push(await timed(() => busConsume(nc, js, jsm, stream, "reader")));
      }
      await jsm.streams.delete(stream);
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  const line = (label: string, raw: number[], bus: number[]) => {
    const rawRate = rate(median(raw));
    const busRate = rate(median(bus));
    const cost = (1 - busRate / rawRate) * 100;
    const verdict = cost > 0 ? `bus costs ${cost.toFixed(1)}%` : `bus is ${(-cost).toFixed(1)}% faster`;
    return `${label.padEnd(8)} raw ${String(rawRate).padStart(7)} msg/s   bus ${String(busRate).padStart(7)} msg/s   bus/raw ${(busRate / rawRate).toFixed(3)}   ${verdict}`;
  };
  console.log(`\n${EVENTS} events × ${ROUNDS} rounds, medians, ${WINDOW} publishes in flight, same nats-server`);
  console.log(line("publish", results.rawPublish, results.busPublish));
  console.log(line("consume", results.rawConsume, results.busConsume));
} finally {
  await nc.drain();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
