// A reference sector system that takes its step requests by webhook: an HTTP server that checks
// each POST's signature and timestamp, answers 202 at once, and later POSTs its signed result to
// lienthong's callback. Like the NATS one it answers after a delay, refuses a share, goes offline
// (503) for a while and can send every result twice; it can also fail the next deliveries (500).
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeEnvelope } from "@onestop/bus";
import { signedWebhookHeaders, StepRequested, verifyWebhook, type SectorSystem, type WebhookResult } from "@onestop/contracts";
import { answerOf } from "./answer.js";
import { preciseNowMs, remember, seenOf, type SeenRequest } from "./seen.js";
import type { Behaviour } from "./simulator.js";

export interface WebhookBehaviour extends Behaviour {
  /** Answer the next this many deliveries 500 (lienthong must retry them). */
  failNext: number;
}

export interface WebhookSimulatorOptions {
  sector: SectorSystem;
  /** The secret shared with lienthong (its SECTOR_WEBHOOKS entry). */
  secret: string;
  /** lienthong's HTTP base URL: results go to `<lienthongUrl>/webhooks/v1/<sector>/results`. */
  lienthongUrl: string;
  /** Where to listen (default 127.0.0.1 on a free port). */
  port?: number;
  host?: string;
  behaviour?: Partial<WebhookBehaviour>;
  now?: () => Date;
}

/** One POST received: its delivery id and what it was answered. */
export interface ReceivedDelivery {
  deliveryId: string;
  status: number;
}

/** One result sent back: what lienthong answered (`applied`: whether it changed the bundle). */
export interface SentCallback {
  bundleId: string;
  stepCode: string;
  attempt: number;
  status: number;
  applied?: boolean;
}

const CALLBACK_ATTEMPTS = 6;

export class WebhookSectorSimulator {
  readonly seen: SeenRequest[] = [];
  readonly deliveries: ReceivedDelivery[] = [];
  readonly callbacks: SentCallback[] = [];
  private behaviour: WebhookBehaviour;
  private offline = false;
  private offlineTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    private readonly options: WebhookSimulatorOptions,
    private readonly server: Server,
  ) {
    this.behaviour = { delayMs: 0, refuseShare: 0, duplicateResults: false, failNext: 0, accept: () => true, random: Math.random, ...options.behaviour };
  }

  static async start(options: WebhookSimulatorOptions): Promise<WebhookSectorSimulator> {
    let simulator: WebhookSectorSimulator | undefined;
    const server = createServer((req, res) => {
      void simulator!.receive(req).then(
        (status) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ status })),
        () => res.writeHead(500).end(),
      );
    });
    simulator = new WebhookSectorSimulator(options, server);
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
    return simulator;
  }

  /** Where lienthong delivers (the `url` of its SECTOR_WEBHOOKS entry). */
  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address}:${port}/lienthong`;
  }

  get online(): boolean {
    return !this.offline;
  }

  set(behaviour: Partial<WebhookBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...behaviour };
  }

  /** Answers every delivery 503 until back (after `forMs`, or goOnline). */
  goOffline(forMs?: number): void {
    this.offline = true;
    clearTimeout(this.offlineTimer);
    if (forMs !== undefined) {
      this.offlineTimer = setTimeout(() => this.goOnline(), forMs);
      this.offlineTimer.unref();
    }
  }

  goOnline(): void {
    clearTimeout(this.offlineTimer);
    this.offline = false;
  }

  async stop(): Promise<void> {
    clearTimeout(this.offlineTimer);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.pending);
  }

  private async receive(req: IncomingMessage): Promise<number> {
    const receivedAtMs = preciseNowMs();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const deliveryId = String(req.headers["onestop-delivery"] ?? "");
    const answer = (status: number) => (remember(this.deliveries, { deliveryId, status }), status);
    if (req.method !== "POST") return answer(405);
    if (this.offline) return answer(503);
    if (!verifyWebhook(this.options.secret, body, req.headers).ok) return answer(401);
    if (this.behaviour.failNext > 0) {
      this.behaviour.failNext--;
      return answer(500);
    }
    let request: StepRequested;
    try {
      request = StepRequested.fromJSON(decodeEnvelope(new TextEncoder().encode(body)).data);
    } catch {
      return answer(400);
    }
    const behaviour = this.behaviour;
    if (!behaviour.accept(request)) {
      remember(this.seen, { ...seenOf(request), answered: "IGNORED", receivedAtMs });
      return answer(202);
    }
    const task = this.answerLater(request, behaviour, receivedAtMs);
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
    return answer(202);
  }

  private async answerLater(request: StepRequested, behaviour: WebhookBehaviour, receivedAtMs: number): Promise<void> {
    if (behaviour.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    const answer = answerOf(request, behaviour.refuseShare, behaviour.random);
    const at = (this.options.now ?? (() => new Date()))().toISOString();
    const common = { bundleId: request.bundleId, stepCode: request.stepCode, attempt: request.attempt, at };
    const result: WebhookResult =
      answer.outcome === "REFUSED" ? { ...common, outcome: "REFUSED", reason: answer.reason } : { ...common, outcome: "COMPLETED", outputs: answer.outputs, resultNumber: answer.resultNumber };
    const answeredAtMs = preciseNowMs();
    for (let copy = 0; copy < (behaviour.duplicateResults ? 2 : 1); copy++) await this.callBack(result);
    remember(this.seen, { ...seenOf(request), answered: answer.outcome, receivedAtMs, answeredAtMs });
  }

  /** POSTs a result until lienthong takes it (a 4xx will not change: given up at once). */
  private async callBack(result: WebhookResult): Promise<void> {
    const body = JSON.stringify(result);
    const url = `${this.options.lienthongUrl.replace(/\/$/, "")}/webhooks/v1/${this.options.sector}/results`;
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let applied: boolean | undefined;
      try {
        const response = await fetch(url, { method: "POST", headers: signedWebhookHeaders(this.options.secret, body, `${result.bundleId}:${result.stepCode}:${result.attempt}`), body });
        status = response.status;
        if (response.ok) applied = ((await response.json()) as { applied?: boolean }).applied;
        else await response.body?.cancel();
      } catch {
        // lienthong unreachable: tried again below
      }
      const done = (status >= 200 && status < 500) || attempt === CALLBACK_ATTEMPTS;
      if (done) {
        remember(this.callbacks, { bundleId: result.bundleId, stepCode: result.stepCode, attempt: result.attempt, status, ...(applied === undefined ? {} : { applied }) });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    }
  }
}
