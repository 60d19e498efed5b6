// Starts the reference sector systems for a demo or a benchmark: each NATS one connected as its own
// NATS user (credentials as devservers writes them), the webhook ones listening for lienthong's POSTs.
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { inboxPrefixOf, SECTOR_SYSTEMS, type SectorSystem } from "@onestop/contracts";
import { SectorSimulator, type Behaviour } from "./simulator.js";
import { WebhookSectorSimulator } from "./webhook-simulator.js";

export interface SectorSimulatorsOptions {
  natsUrl: string;
  /** Each sector system's NATS user and password by sector (devservers' `<nats dir>/credentials.json`); without, connects unauthenticated. */
  credentials?: Record<string, { user: string; password: string }>;
  /** The sector systems to run (default all three); those in `webhooks` are run as webhook systems, the others on NATS. */
  sectors?: readonly SectorSystem[];
  /** Webhook sector systems: the secret shared with lienthong (its SECTOR_WEBHOOKS) and the port to listen on. */
  webhooks?: Partial<Record<SectorSystem, { secret: string; port?: number }>>;
  /** lienthong's HTTP base URL, where webhook sector systems send their results. */
  lienthongUrl?: string;
  behaviour?: Partial<Behaviour>;
  /** Every simulator goes offline `afterMs` after the start, for `forMs`. */
  offline?: { afterMs: number; forMs: number };
}

export interface RunningSectorSimulators {
  nats: Partial<Record<SectorSystem, SectorSimulator>>;
  webhooks: Partial<Record<SectorSystem, WebhookSectorSimulator>>;
  stop(): Promise<void>;
}

export async function startSectorSimulators(options: SectorSimulatorsOptions): Promise<RunningSectorSimulators> {
  const running: RunningSectorSimulators = { nats: {}, webhooks: {}, stop: async () => {} };
  const connections: NatsConnection[] = [];
  let offlineTimer: NodeJS.Timeout | undefined;
  running.stop = async () => {
    clearTimeout(offlineTimer);
    await Promise.all([...Object.values(running.nats), ...Object.values(running.webhooks)].map((simulator) => simulator.stop()));
    await Promise.all(connections.map((nc) => nc.drain()));
  };
  try {
    for (const sector of options.sectors ?? SECTOR_SYSTEMS) {
      const webhook = options.webhooks?.[sector];
      if (webhook) {
        if (!options.lienthongUrl) throw new Error("a webhook sector system needs lienthongUrl");
        running.webhooks[sector] = await WebhookSectorSimulator.start({
          sector,
          secret: webhook.secret,
          lienthongUrl: options.lienthongUrl,
          ...(webhook.port !== undefined ? { port: webhook.port } : {}),
          ...(options.behaviour ? { behaviour: options.behaviour } : {}),
        });
        continue;
      }
      const own = options.credentials?.[sector];
      const nats = await connect({ servers: options.natsUrl, name: sector, inboxPrefix: inboxPrefixOf(own?.user ?? sector), ...(own ? { user: own.user, pass: own.password } : {}) });
      connections.push(nats);
      running.nats[sector] = await SectorSimulator.start({ nats, sector, ...(options.behaviour ? { behaviour: options.behaviour } : {}) });
    }
  } catch (error) {
    await running.stop();
    throw error;
  }
  if (options.offline) {
    const { afterMs, forMs } = options.offline;
    offlineTimer = setTimeout(() => {
      for (const simulator of Object.values(running.nats)) void simulator.goOffline(forMs);
      for (const simulator of Object.values(running.webhooks)) simulator.goOffline(forMs);
    }, afterMs);
    offlineTimer.unref();
  }
  return running;
}
