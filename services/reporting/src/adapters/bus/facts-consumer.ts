import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { idempotent, PoisonMessageError, startConsumer, type ConsumerLog, type ProcessedEventLedger, type RunningConsumer } from "@onestop/bus";
import { STREAMS, type StreamDeclaration } from "@onestop/contracts";
import { factFromEnvelope, MalformedEventError } from "../../domain/index.js";
import type { FactsStore, LagProbe } from "../../app/ports.js";

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
  ledger: ProcessedEventLedger;
  /** Base durable name, see durableFor. */
  durable: string;
  log: ConsumerLog;
}

/**
 * Durable consumers of every event of FACT_STREAMS: each one is folded into its dossier's facts.
 * The fold ignores an event id it already holds, so a redelivery after a crash between the write
 * and the ledger record has no second effect either; it is order-free, so the streams need no
 * ordering between them.
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
  const handler = idempotent(deps.ledger, durable, async (event) => {
    let fact;
    try {
      fact = factFromEnvelope(event);
    } catch (error) {
      if (error instanceof MalformedEventError) throw new PoisonMessageError(error.message);
      throw error;
    }
    if (fact) await deps.store.apply(event.subject, fact);
  });
  return startConsumer(deps.nats, deps.js, deps.jsm, { stream: stream.name, durable, filterSubjects: [...stream.subjects] }, handler, deps.log);
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
