import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  freePort,
  natsEnv,
  signTestToken,
  startFerretDb,
  startNatsCluster,
  startObjectStore,
  startServiceProcess,
  startTestIssuer,
  TEST_AUDIENCE,
  waitFor,
  type FerretDbServer,
  type NatsCluster,
  type ObjectStoreServer,
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
    /** Its gRPC port, fixed like the HTTP one: other services call intake there. */
    readonly grpcPort: number,
    private readonly env: () => Record<string, string>,
    private readonly logFile: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    this.process = await startServiceProcess(this.service, { ...this.env(), HTTP_PORT: String(this.port), GRPC_PORT: String(this.grpcPort) }, { logFile: this.logFile });
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
  { name: "lienthong", instances: 2 },
  { name: "digitisation", instances: 1 },
  { name: "payment", instances: 1 },
  { name: "console", instances: 1 },
];

/**
 * The whole platform on loopback, in `dir`: a 3-node NATS cluster (streams R3), FerretDB, the S3
 * object store, a test OpenID issuer, and every service as its own process, each restartable for
 * fault injection. The gateway simulator and the sector systems are the load's (load.ts).
 */
export class ChaosSystem {
  private constructor(
    readonly dir: string,
    readonly issuer: TestIssuer,
    readonly nats: NatsCluster,
    private storeServer: FerretDbServer,
    private readonly storePort: number,
    private readonly objects: ObjectStoreServer,
    /** What services calling another (lienthong and digitisation call intake) present. */
    private readonly serviceAccountToken: string,
    /** Environment for services by name, from the load (the payment gateway's URLs). */
    private readonly extraEnv: Record<string, Record<string, string>>,
    readonly instances: Instance[],
  ) {}

  /** `only`: the services to run (all by default); `extraEnv`: more settings of a service by name. */
  static async start(dir: string, only: string[] = SERVICES.map((service) => service.name), extraEnv: Record<string, Record<string, string>> = {}): Promise<ChaosSystem> {
    mkdirSync(join(dir, "logs"), { recursive: true });
    const issuer = await startTestIssuer();
    const nats = await startNatsCluster({ dir: join(dir, "nats"), profile: "durable", authorization: { reportingConsumer: "*" } });
    const storePort = await freePort();
    const store = await startFerretDb({ dir: join(dir, "ferretdb"), port: storePort });
    const objects = await startObjectStore({ dir: join(dir, "objects") });
    const instances: Instance[] = [];
    // Chosen now, bound only when each instance starts: keep them distinct from each other.
    const taken = new Set<number>();
    const distinctPort = async (): Promise<number> => {
      for (;;) {
        const port = await freePort();
        if (!taken.has(port)) return taken.add(port) && port;
      }
    };
    const token = await signTestToken(issuer.issuer, issuer.privateJwk, { claims: { sub: "svc-chaos", preferred_username: "service-account-chaos", roles: ["service"] }, expiresInSec: 7_200 });
    const system = new ChaosSystem(dir, issuer, nats, store, storePort, objects, token, extraEnv, instances);
    for (const { name, instances: count } of SERVICES.filter((service) => only.includes(service.name))) {
      for (let i = 1; i <= count; i++) {
        const label = count > 1 ? `${name}-${i}` : name;
        instances.push(new Instance(name, label, await distinctPort(), await distinctPort(), () => system.serviceEnv(name), join(dir, "logs", `${label}.log`)));
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
    // Every intake instance, in order: gRPC's pick-first moves to the next while one is down.
    const intakes = this.of("intake").map((instance) => `127.0.0.1:${instance.grpcPort}`);
    return {
      ...natsEnv(this.nats, name),
      ...(intakes.length > 0 ? { INTAKE_GRPC_URL: `ipv4:${intakes.join(",")}` } : {}),
      ONESTOP_TOKEN: this.serviceAccountToken,
      ...(name === "digitisation" ? { ...this.objects.settings, S3_BUCKET: "chaos-documents" } : {}),
      ...this.extraEnv[name],
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
    return Promise.resolve(this.serviceAccountToken);
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
    await this.objects.stop();
    await this.issuer.stop();
  }
}
