import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { idempotent, PoisonMessageError, startConsumer, type ConsumerLog, type ProcessedEventLedger, type RunningConsumer } from "@onestop/bus";
import { STREAMS } from "@onestop/contracts";
import { factFromEnvelope, MalformedEventError } from "../../domain/index.js";
import type { FactsStore, LagProbe } from "../../app/ports.js";

export interface FactsConsumerDeps {
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  store: FactsStore;
  ledger: ProcessedEventLedger;
  durable: string;
  log: ConsumerLog;
}

/**
 * Durable consumer of every dossier event: each one is folded into its dossier's facts. The fold
 * ignores an event id it already holds, so a redelivery after a crash between the write and the
 * ledger record has no second effect either.
 */
export function startFactsConsumer(deps: FactsConsumerDeps): Promise<RunningConsumer> {
  const handler = idempotent(deps.ledger, deps.durable, async (event) => {
    let fact;
    try {
      fact = factFromEnvelope(event);
    } catch (error) {
      if (error instanceof MalformedEventError) throw new PoisonMessageError(error.message);
      throw error;
    }
    if (fact) await deps.store.apply(event.subject, fact);
  });
  return startConsumer(
    deps.nats,
    deps.js,
    deps.jsm,
    { stream: STREAMS.DOSSIER.name, durable: deps.durable, filterSubjects: [...STREAMS.DOSSIER.subjects] },
    handler,
    deps.log,
  );
}

/** Events not yet handled by the consumer: waiting in the stream plus delivered but not acknowledged. */
export function consumerLag(jsm: JetStreamManager, durable: string): LagProbe {
  return {
    pendingEvents: async () => {
      const info = await jsm.consumers.info(STREAMS.DOSSIER.name, durable);
      return info.num_pending + info.num_ack_pending;
    },
  };
}
