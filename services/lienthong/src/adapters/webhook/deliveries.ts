import { MongoServerError, type Collection, type Db } from "mongodb";
import type { SectorSystem } from "@onestop/contracts";

/**
 * A step request to deliver to a webhook sector system, keyed by the request's event id (so the
 * relay handing it over again after a crash adds nothing). `body` is the request's envelope as
 * JSON: PERSONAL DATA (the step's inputs), kept only in lienthong's own store.
 */
export interface Delivery {
  _id: string;
  sector: SectorSystem;
  bundleId: string;
  stepCode: string;
  attempt: number;
  body: string;
  status: "PENDING" | "DELIVERED" | "GAVE_UP";
  /** POSTs made so far. */
  attempts: number;
  nextAttemptAtMs: number;
  createdAt: string;
  deliveredAt?: string;
  /** What the last failed POST got (status code or error name; never the body). */
  lastError?: string;
}

const DUPLICATE_KEY = 11000;

/** The durable delivery queue: a restart finds every pending delivery where it was. */
export class MongoWebhookDeliveries {
  private constructor(private readonly deliveries: Collection<Delivery>) {}

  static async open(db: Db): Promise<MongoWebhookDeliveries> {
    const deliveries = db.collection<Delivery>("webhook_deliveries");
    await deliveries.createIndex({ status: 1, nextAttemptAtMs: 1 }, { name: "status_next_attempt" });
    return new MongoWebhookDeliveries(deliveries);
  }

  async enqueue(delivery: Pick<Delivery, "_id" | "sector" | "bundleId" | "stepCode" | "attempt" | "body">, nowMs: number): Promise<void> {
    try {
      await this.deliveries.insertOne({ ...delivery, status: "PENDING", attempts: 0, nextAttemptAtMs: nowMs, createdAt: new Date(nowMs).toISOString() });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
    }
  }

  due(nowMs: number, limit: number): Promise<Delivery[]> {
    return this.deliveries.find({ status: "PENDING", nextAttemptAtMs: { $lte: nowMs } }, { sort: { nextAttemptAtMs: 1 }, limit }).toArray();
  }

  /**
   * Takes a due delivery for one POST: counts the attempt and pushes its next time past the POST's
   * lease, conditional on the attempts read, so of several instances only one sends it; a sender
   * that dies mid-POST leaves it to be tried again once the lease is over.
   */
  async claim(delivery: Delivery, leaseUntilMs: number): Promise<boolean> {
    const result = await this.deliveries.updateOne({ _id: delivery._id, status: "PENDING", attempts: delivery.attempts }, { $set: { nextAttemptAtMs: leaseUntilMs }, $inc: { attempts: 1 } });
    return result.modifiedCount === 1;
  }

  async delivered(id: string, at: string): Promise<void> {
    await this.deliveries.updateOne({ _id: id }, { $set: { status: "DELIVERED", deliveredAt: at }, $unset: { lastError: "" } });
  }

  async failed(id: string, error: string, next: { retry: true; atMs: number } | { retry: false }): Promise<void> {
    await this.deliveries.updateOne({ _id: id }, { $set: next.retry ? { lastError: error, nextAttemptAtMs: next.atMs } : { lastError: error, status: "GAVE_UP" } });
  }

  find(id: string): Promise<Delivery | null> {
    return this.deliveries.findOne({ _id: id });
  }
}
