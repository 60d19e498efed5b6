import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { PoisonMessageError, startBatchConsumer, type ConsumedEvent, type ConsumerLog, type RunningConsumer } from "@onestop/bus";
import { STREAMS, type StreamDeclaration } from "@onestop/contracts";
import { factFromEnvelope, MalformedEventError } from "../../domain/index.js";
import type { DossierEvent, FactsStore, LagProbe } from "../../app/ports.js";

/**
 * The streams whose events become per-dossier facts: dossier lifecycle, payments, digitisation.
 * Every envelope's `subject` is the dossier code.
 */
export const FACT_STREAMS: readonly StreamDeclaration[] = [STREAMS.DOSSIER, STREAMS.PAYMENT, STREAMS.DIGITISATION];

/**
 * A JetStream consumer belongs to one stream: one durable per stream. The DOSSIER stream keeps the
 * configured name (its consumer predates the others); the others get it with the stream's name.
 */
export function durableFor(base: string, stream: StreamDeclaration): string {
  return stream.name === STREAMS.DOSSIER.name ? base : `${base}-${stream.name.toLowerCase()}`;
}

export interface FactsConsumerDeps {
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: FactsStore;
  /** Base durable name, see durableFor. */
  durable: string;
  /** With debug, each batch is logged: dossier codes, event types and ids (never event data). */
  log: ConsumerLog & { debug?(message: string, fields?: Record<string, unknown>): void };
}

/**
 * Durable consumers of every event of FACT_STREAMS, folded into the dossiers' facts in batches
 * (see startBatchConsumer and FactsStore.applyBatch): under load a few hundred events cost one read
 * and one bulk write of the records they touch. Effects are exactly once without a ledger: every
 * record keeps the ids of the events folded into it and the fold ignores those, so a batch
 * redelivered after a crash between its write and its acknowledgement changes nothing. The fold
 * is order-free, so the streams need no ordering between them.
 */
export async function startFactsConsumer(deps: FactsConsumerDeps): Promise<RunningConsumer> {
  const running: RunningConsumer[] = [];
  try {
    for (const stream of FACT_STREAMS) running.push(await startStreamConsumer(deps, stream));
  } catch (error) {
    await Promise.all(running.map((consumer) => consumer.stop()));
    throw error;
  }
  return { stop: async () => void (await Promise.all(running.map((consumer) => consumer.stop()))) };
}

function startStreamConsumer(deps: FactsConsumerDeps, stream: StreamDeclaration): Promise<RunningConsumer> {
  const durable = durableFor(deps.durable, stream);
  const handler = async (batch: readonly ConsumedEvent[]) => {
    const poison = new Map<ConsumedEvent, PoisonMessageError>();
    const events: DossierEvent[] = [];
    for (const item of batch) {
      try {
        const fact = factFromEnvelope(item.event);
        if (fact) events.push({ dossierCode: item.event.subject, event: fact });
      } catch (error) {
        if (!(error instanceof MalformedEventError)) throw error;
        poison.set(item, new PoisonMessageError(error.message));
      }
    }
    if (events.length > 0) await deps.store.applyBatch(events);
    deps.log.debug?.("events folded", { stream: stream.name, events: batch.map(({ event }) => ({ dossier: event.subject, type: event.type, id: event.id })), poison: poison.size });
    return poison;
  };
  return startBatchConsumer(deps.nats, deps.js, deps.jsm, { stream: stream.name, durable, filterSubjects: [...stream.subjects] }, handler, deps.log);
}

/** Events not yet handled by the consumers: waiting in their streams plus delivered but not acknowledged, summed. */
export function consumerLag(jsm: JetStreamManager, durable: string): LagProbe {
  return {
    pendingEvents: async () => {
      const infos = await Promise.all(FACT_STREAMS.map((stream) => jsm.consumers.info(stream.name, durableFor(durable, stream))));
      return infos.reduce((sum, info) => sum + info.num_pending + info.num_ack_pending, 0);
    },
  };
}
