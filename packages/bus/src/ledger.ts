import { MongoServerError, type Collection, type Db } from "mongodb";
import type { EventEnvelope } from "./envelope.js";
import type { DeliveryInfo, EventHandler } from "./consumer.js";

interface ProcessedEvent {
  _id: string;
  consumer: string;
  eventId: string;
  eventType: string;
  processedAt: Date;
}

const DUPLICATE_KEY = 11000;

/**
 * Which events each consumer has already processed, under a unique index on (consumer, event
 * id), so a redelivered event is recognised and skipped.
 */
export class ProcessedEventLedger {
  private constructor(private readonly events: Collection<ProcessedEvent>) {}

  static async open(db: Db, collection = "processed_events"): Promise<ProcessedEventLedger> {
    const events = db.collection<ProcessedEvent>(collection);
    await events.createIndex({ consumer: 1, eventId: 1 }, { unique: true, name: "consumer_event_unique" });
    return new ProcessedEventLedger(events);
  }

  async has(consumer: string, eventId: string): Promise<boolean> {
    return (await this.events.countDocuments({ consumer, eventId }, { limit: 1 })) > 0;
  }

  /** Records the event as processed; recording it twice is not an error. */
  async record(consumer: string, event: EventEnvelope, at: Date = new Date()): Promise<void> {
    try {
      await this.events.insertOne({
        _id: `${consumer}:${event.id}`,
        consumer,
        eventId: event.id,
        eventType: event.type,
        processedAt: at,
      });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
  }
}

/**
 * Wraps a handler so that an event already in the ledger has no second effect. The ledger is
 * written after the effect (there are no multi-document transactions), so an effect must itself
 * be keyed by the event id — an insert under a unique index, or an update conditional on the event
 * not being applied yet — to stay single when the process dies between the effect and the record.
 */
export function idempotent(ledger: ProcessedEventLedger, consumer: string, handler: EventHandler): EventHandler {
  return async (event: EventEnvelope, delivery: DeliveryInfo) => {
    if (await ledger.has(consumer, event.id)) return;
    await handler(event, delivery);
    await ledger.record(consumer, event);
  };
}
