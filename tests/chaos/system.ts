import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  freePort,
  natsEnv,
  signTestToken,
  startFerretDb,
  startNatsCluster,
  startServiceProcess,
  startTestIssuer,
  TEST_AUDIENCE,
  waitFor,
  type FerretDbServer,
  type NatsCluster,
  type ServiceProcess,
  type TestIssuer,
} from "@onestop/devservers";

/** One running instance of a service, restartable on the same port (clients keep their URL). */
export class Instance {
  private process: ServiceProcess | undefined;
  readonly url: string;

  constructor(
    readonly service: string,
    readonly label: string,
    private readonly port: number,
    private readonly env: () => Record<string, string>,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.process = await startServiceProcess(this.service, { ...this.env(), HTTP_PORT: String(this.port), GRPC_PORT: "0" }, { logFile: this.logFile });
  }

  /** kill -9: no shutdown, whatever it was doing. */
  async crash(): Promise<void> {
    await this.process?.stop("SIGKILL");
    this.process = undefined;
  }

  freeze(): void {
    this.process?.signal("SIGSTOP");
  }

  thaw(): void {
    this.process?.signal("SIGCONT");
  }

  async stop(): Promise<void> {
    this.process?.signal("SIGCONT");
    await this.process?.stop("SIGTERM");
    this.process = undefined;
  }
}

/** Services started by the chaos run, two instances each of those that scale out under load. */
const SERVICES: Array<{ name: string; instances: number }> = [
  { name: "intake", instances: 2 },
  { name: "reporting", instances: 2 },
  { name: "lienthong", instances: 1 },
  { name: "digitisation", instances: 1 },
  { name: "payment", instances: 1 },
  { name: "console", instances: 1 },
];

/**
 * The whole platform on loopback, in `dir`: a 3-node NATS cluster (streams R3), FerretDB, a test
 * OpenID issuer, and every service as its own process, each restartable for fault injection.
 */
export class ChaosSystem {
  private constructor(
    readonly dir: string,
    readonly issuer: TestIssuer,
    readonly nats: NatsCluster,
    private storeServer: FerretDbServer,
    private readonly storePort: number,
    readonly instances: Instance[],
  ) {}

  /** `only`: the services to run (all by default). */
  static async start(dir: string, only: string[] = SERVICES.map((service) => service.name)): Promise<ChaosSystem> {
    mkdirSync(join(dir, "logs"), { recursive: true });
    const issuer = await startTestIssuer();
    const nats = await startNatsCluster({ dir: join(dir, "nats"), profile: "durable", authorization: { reportingConsumer: "*" } });
    const storePort = await freePort();
    const store = await startFerretDb({ dir: join(dir, "ferretdb"), port: storePort });
    const instances: Instance[] = [];
    // Chosen now, bound only when each instance starts: keep them distinct from each other.
    const taken = new Set<number>();
    const distinctPort = async (): Promise<number> => {
      for (;;) {
        const port = await freePort();
        if (!taken.has(port)) return taken.add(port) && port;
      }
    };
    const system = new ChaosSystem(dir, issuer, nats, store, storePort, instances);
    for (const { name, instances: count } of SERVICES.filter((service) => only.includes(service.name))) {
      for (let i = 1; i <= count; i++) {
        const label = count > 1 ? `${name}-${i}` : name;
        instances.push(new Instance(name, label, await distinctPort(), () => system.serviceEnv(name), join(dir, "logs", `${label}.log`)));
      }
    }
    try {
      for (const instance of instances) await instance.start();
    } catch (error) {
      await system.stop();
      throw error;
    }
    return system;
  }

  get storeUrl(): string {
    return this.storeServer.url;
  }

  of(service: string): Instance[] {
    return this.instances.filter((instance) => instance.service === service);
  }

  private serviceEnv(name: string): Record<string, string> {
    return {
      ...natsEnv(this.nats, name),
      NATS_STREAM_REPLICAS: "3",
      MONGO_URL: this.storeServer.url,
      MONGO_DB: `chaos_${name}`,
      OIDC_ISSUER: this.issuer.issuer,
      OIDC_AUDIENCE: TEST_AUDIENCE,
      OUTBOX_RETRY_MS: "500",
      LOG_LEVEL: "warn",
    };
  }

  /** A service account's token, as one-stop systems and operators' tools hold. */
  token(): Promise<string> {
    return signTestToken(this.issuer.issuer, this.issuer.privateJwk, { claims: { sub: "svc-chaos", preferred_username: "service-account-chaos", roles: ["service"] }, expiresInSec: 7_200 });
  }

  async restartStore(downMs: number): Promise<void> {
    await this.storeServer.process.kill();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    this.storeServer = await startFerretDb({ dir: join(this.dir, "ferretdb"), port: this.storePort });
  }

  /** Every service answers /readyz 200 (connected to NATS and the store). */
  async untilReady(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () => {
        const answers = await Promise.all(this.instances.map(async (instance) => (await fetch(`${instance.url}/readyz`)).ok));
        return answers.every(Boolean);
      },
      { timeoutMs, intervalMs: 250, description: "every service ready" },
    );
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.instances.map((instance) => instance.stop()));
    await this.nats.stop();
    await this.storeServer.stop();
    await this.issuer.stop();
  }
}
