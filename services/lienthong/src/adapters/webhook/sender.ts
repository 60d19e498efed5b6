import { LIENTHONG_STEPS, signedWebhookHeaders, type SectorSystem } from "@onestop/contracts";
import type { Logger } from "@onestop/telemetry";
import type { OutboxEntry } from "../../app/ports.js";
import { afterFailure, type RetryPolicy } from "../../domain/webhook-retry.js";
import type { MongoWebhookDeliveries } from "./deliveries.js";

/** A sector system that takes its step requests by HTTP POST instead of NATS. */
export interface SectorWebhook {
  url: string;
  /** Shared with the sector system: signs our requests and its results. */
  secret: string;
}
export type SectorWebhooks = Partial<Record<SectorSystem, SectorWebhook>>;

export interface SenderOptions {
  pollMs: number;
  policy: RetryPolicy;
  /** A POST not answered by then counts as failed. */
  timeoutMs?: number;
  /** Deliveries sent at once. */
  concurrency?: number;
}

/** The sector system that answers a step, by its bundle and step codes. */
export function sectorOfStep(bundleCode: string, stepCode: string): SectorSystem | undefined {
  return LIENTHONG_STEPS.find((step) => step.bundleCode === bundleCode && step.stepCode === stepCode)?.sector;
}

/**
 * Delivers step requests to the webhook sector systems: the relay hands over each step request it
 * published (`accept`), which is queued in the store; every `pollMs` (and at once after a hand-over)
 * the due ones are POSTed, signed. A 2xx (the sector system answers 202 and calls back later) ends
 * a delivery; anything else is tried again with backoff, until the policy gives up.
 */
export class WebhookSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly timeoutMs: number;
  private readonly concurrency: number;

  constructor(
    private readonly deliveries: MongoWebhookDeliveries,
    private readonly webhooks: SectorWebhooks,
    private readonly log: Logger,
    private readonly options: SenderOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = options.concurrency ?? 16;
  }

  /** Whether any sector system is reached by webhook (otherwise nothing needs to run). */
  get enabled(): boolean {
    return Object.keys(this.webhooks).length > 0;
  }

  isWebhookSector(sector: SectorSystem): boolean {
    return this.webhooks[sector] !== undefined;
  }

  /** Queues a published step request for a webhook sector system (other entries are not its business). */
  async accept(entry: Extract<OutboxEntry, { kind: "event" }>): Promise<void> {
    const envelope = entry.envelope as { type?: string; data?: { bundleId?: string; bundleCode?: string; stepCode?: string; attempt?: number } };
    if (envelope.type !== "vn.onestop.lienthong.step_requested.v1" || !envelope.data) return;
    const { bundleId = "", bundleCode = "", stepCode = "", attempt = 1 } = envelope.data;
    const sector = sectorOfStep(bundleCode, stepCode);
    if (!sector || !this.isWebhookSector(sector)) return;
    await this.deliveries.enqueue({ _id: entry.id, sector, bundleId, stepCode, attempt, body: JSON.stringify(entry.envelope) }, Date.now());
    this.kick();
  }

  start(): void {
    if (!this.enabled) return;
    this.schedule(this.options.pollMs);
  }

  /** A pass soon (after a hand-over). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: every due delivery POSTed once. */
  async poll(): Promise<void> {
    try {
      const now = Date.now();
      const due = await this.deliveries.due(now, this.concurrency * 4);
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(this.concurrency, due.length) }, async () => {
          while (next < due.length) await this.send(due[next++]!);
        }),
      );
    } catch (error) {
      this.log.warn("webhook pass failed; next pass retries", { error });
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? 0 : this.options.pollMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async send(delivery: Awaited<ReturnType<MongoWebhookDeliveries["due"]>>[number]): Promise<void> {
    const webhook = this.webhooks[delivery.sector];
    if (!webhook) return; // no longer a webhook sector: left pending until it is again
    if (!(await this.deliveries.claim(delivery, Date.now() + this.timeoutMs + 5_000))) return;
    const attempts = delivery.attempts + 1;
    const where = { bundleId: delivery.bundleId, step: delivery.stepCode, sector: delivery.sector, attempts };
    let error: string;
    try {
      const response = await fetch(webhook.url, {
        method: "POST",
        headers: signedWebhookHeaders(webhook.secret, delivery.body, delivery._id),
        body: delivery.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel();
      if (response.ok) {
        await this.deliveries.delivered(delivery._id, new Date().toISOString());
        return;
      }
      error = `HTTP ${response.status}`;
    } catch (cause) {
      error = cause instanceof Error ? cause.name : "error";
    }
    const next = afterFailure(this.options.policy, attempts, Date.now());
    await this.deliveries.failed(delivery._id, error, next);
    if (next.retry) this.log.warn("webhook delivery failed; will retry", { ...where, error, retryInMs: next.atMs - Date.now() });
    else this.log.error("webhook delivery given up", { ...where, error });
  }
}
