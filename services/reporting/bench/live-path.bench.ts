/**
 * Benchmark: the live path, events in the DOSSIER stream folded into the facts records by the
 * service's own durable consumers (startFactsConsumer: batches, one read and one bulk write per
 * batch), end to end on nats-server + FerretDB, side by side in the same run with
 *   - the limit: the rate at which the bus delivers the same events to a reader doing no work
 *     (`readStream`, ordered consumer, 1.000 per fetch);
 *   - the fold alone: the same batch consumer folding into memory, no store;
 *   - the fold plus the tally deltas each event derives, in memory (what the live path computes);
 *   - the previous live path: one event at a time (`MongoFactsStore.apply`: read, fold,
 *     conditional write) through a consumer with 8 in flight, on a sample of BENCH_SINGLE_EVENTS.
 * The stream is the golden half-year's first BENCH_EVENTS events in business-time order, as a live
 * stream brings them (a dossier's events far apart). Medians over BENCH_ROUNDS, fresh durable
 * consumers and a fresh database each round.
 *
 *   BENCH_EVENTS=20000 BENCH_ROUNDS=3 BENCH_SINGLE_EVENTS=2000 pnpm --filter @onestop/reporting bench:live
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { readStream, startBatchConsumer, startConsumer, type RunningConsumer } from "@onestop/bus";
import { STREAMS } from "@onestop/contracts";
import { startFactsConsumer } from "../src/adapters/bus/facts-consumer.js";
import { MongoFactsStore } from "../src/adapters/store/facts-store.js";
import type { FactsStore } from "../src/app/ports.js";
import { defaultCalendar } from "@onestop/calendar";
import { contributionsOf, emptyFacts, factFromEnvelope, foldEvent, parseSeries, tallyDeltas, type DossierFacts } from "../src/domain/index.js";
import { envNumber, fmt, median, perSecond, publishGolden, startBenchServers } from "./support.js";

const eventsWanted = envNumber("BENCH_EVENTS", 20_000);
const rounds = envNumber("BENCH_ROUNDS", 3);
const singleSample = envNumber("BENCH_SINGLE_EVENTS", 2_000);
/** The service's default: months, quarters, half-years, years. */
const SERIES = parseSeries("1,3,6,12", 1);
const quiet = { warn: () => undefined, error: (message: string, fields?: Record<string, unknown>) => console.error(message, fields) };

const servers = await startBenchServers("live");
const jsm = await jetstreamManager(servers.nc);

/** Runs `start` and resolves with events/s once `done()` holds; the consumer is stopped then. */
async function timed(count: number, start: () => Promise<RunningConsumer>, done: () => boolean): Promise<number> {
  const began = performance.now();
  const consumer = await start();
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 5));
  const rate = perSecond(count, performance.now() - began);
  await consumer.stop();
  return rate;
}

try {
  const published = await publishGolden(servers.js, 1, eventsWanted, true);
  console.log(`published ${fmt(published.events)} events of ${fmt(published.dossiers)} dossiers, in business-time order`);
  const rates = { bus: [] as number[], fold: [] as number[], deltas: [] as number[], live: [] as number[], single: [] as number[] };

  for (let round = 1; round <= rounds; round++) {
    const start = performance.now();
    let read = 0;
    for await (const message of readStream(servers.js, STREAMS.DOSSIER.name, { batchSize: 1_000 })) if (message.seq > 0) read += 1;
    rates.bus.push(perSecond(read, performance.now() - start));

    const memory = new Map<string, DossierFacts>();
    let folded = 0;
    rates.fold.push(
      await timed(
        published.events,
        () =>
          startBatchConsumer(
            servers.nc,
            servers.js,
            jsm,
            { stream: STREAMS.DOSSIER.name, durable: `fold-${round}` },
            async (batch) => {
              for (const { event } of batch) {
                const fact = factFromEnvelope(event);
                if (fact) memory.set(event.subject, foldEvent(memory.get(event.subject) ?? emptyFacts(event.subject), fact));
              }
              folded += batch.length;
              return new Map();
            },
            quiet,
          ),
        () => folded >= published.events,
      ),
    );

    // The fold plus the tally deltas it derives (contributions after minus before), still in memory.
    const withDeltas = new Map<string, DossierFacts>();
    let derived = 0;
    let deltaCount = 0;
    rates.deltas.push(
      await timed(
        published.events,
        () =>
          startBatchConsumer(
            servers.nc,
            servers.js,
            jsm,
            { stream: STREAMS.DOSSIER.name, durable: `deltas-${round}` },
            async (batch) => {
              for (const { event } of batch) {
                const fact = factFromEnvelope(event);
                if (!fact) continue;
                const before = withDeltas.get(event.subject);
                const after = foldEvent(before ?? emptyFacts(event.subject), fact);
                const options = { series: SERIES, calendar: defaultCalendar, sinceMs: Date.parse(fact.kind === "RECEIVED" ? fact.receipt.receivedAt : fact.at) };
                deltaCount += tallyDeltas(contributionsOf(after, options), before ? contributionsOf(before, options) : new Map()).length;
                withDeltas.set(event.subject, after);
              }
              derived += batch.length;
              return new Map();
            },
            quiet,
          ),
        () => derived >= published.events,
      ),
    );
    if (deltaCount === 0) throw new Error("no tally delta derived");

    const store = await MongoFactsStore.open(servers.mongo.db(`bench_live_${round}`));
    let applied = 0;
    const counting: FactsStore = {
      apply: (code, event) => store.apply(code, event),
      applyBatch: async (events) => {
        await store.applyBatch(events);
        applied += events.length;
      },
      candidates: (...args) => store.candidates(...args),
    };
    rates.live.push(
      await timed(
        published.events,
        () => startFactsConsumer({ nats: servers.nc, js: servers.js, jsm, store: counting, durable: `live-${round}`, log: quiet }),
        () => applied >= published.events,
      ),
    );

    const single = await MongoFactsStore.open(servers.mongo.db(`bench_single_${round}`));
    let handled = 0;
    const sample = Math.min(singleSample, published.events);
    rates.single.push(
      await timed(
        sample,
        () =>
          startConsumer(
            servers.nc,
            servers.js,
            jsm,
            { stream: STREAMS.DOSSIER.name, durable: `single-${round}` },
            async (event) => {
              const fact = factFromEnvelope(event);
              if (fact && handled < sample) await single.apply(event.subject, fact);
              handled += 1;
            },
            quiet,
          ),
        () => handled >= sample,
      ),
    );
    console.error(
      `round ${round}: bus ${fmt(rates.bus.at(-1)!)}, fold ${fmt(rates.fold.at(-1)!)}, deltas ${fmt(rates.deltas.at(-1)!)}, live ${fmt(rates.live.at(-1)!)}, one by one ${fmt(rates.single.at(-1)!)} events/s`,
    );
  }

  const [bus, fold, deltas, live, single] = [median(rates.bus), median(rates.fold), median(rates.deltas), median(rates.live), median(rates.single)];
  const line = (label: string, rate: number) => console.log(`${label.padEnd(58)} ${fmt(rate).padStart(9)} events/s`);
  console.log(`\n${fmt(published.events)} events, ${rounds} rounds, medians (FerretDB on SQLite + nats-server, same run)`);
  line("limit: bus delivery, no work", bus);
  line("fold alone: batch consumer, fold in memory", fold);
  line(`fold + tally deltas (${SERIES.length} period series), in memory`, deltas);
  line("live path: batch consumer + facts store, end to end", live);
  line(`previous live path: one event at a time (${fmt(Math.min(singleSample, published.events))} sample)`, single);
  console.log(`\nfold alone / bus = ${((100 * fold) / bus).toFixed(0)} % (target ≥ 50 %); live path ${fmt(live)} events/s (target ≥ 1.000); live / one at a time = ${(live / single).toFixed(1)} ×`);
} finally {
  await servers.stop();
}
