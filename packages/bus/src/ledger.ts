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
const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;
/**
 * The unique index on (consumer, eventId) that earlier versions created. The `_id` is made of the
 * two, so its own unique index already refuses a second record; this one only cost a write per record.
 */
const REDUNDANT_INDEX = "consumer_event_unique";

/**
 * Which events each consumer has already processed, one document per (consumer, event) under
 * the `_id` `<consumer>:<event id>`, so a redelivered event is recognised by a lookup by `_id`
 * (indexed on every store) and recording it twice fails on the `_id`'s unique index.
 */
export class ProcessedEventLedger {
  private constructor(private readonly events: Collection<ProcessedEvent>) {}

  static async open(db: Db, collection = "processed_events"): Promise<ProcessedEventLedger> {
    const events = db.collection<ProcessedEvent>(collection);
    await events.dropIndex(REDUNDANT_INDEX).catch((error: unknown) => {
      if (!(error instanceof MongoServerError && (error.code === INDEX_NOT_FOUND || error.code === NAMESPACE_NOT_FOUND))) throw error;
    });
    return new ProcessedEventLedger(events);
  }

  async has(consumer: string, eventId: string): Promise<boolean> {
    return (await this.events.findOne({ _id: idOf(consumer, eventId) }, { projection: { _id: 1 } })) !== null;
  }

  /** Records the event as processed; recording it twice is not an error. */
  async record(consumer: string, event: EventEnvelope, at: Date = new Date()): Promise<void> {
    try {
      await this.events.insertOne({
        _id: idOf(consumer, event.id),
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

const idOf = (consumer: string, eventId: string) => `${consumer}:${eventId}`;

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
