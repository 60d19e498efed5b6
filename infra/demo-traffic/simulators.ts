// The outside systems the services talk to, simulated for the demo: the VNPAY gateway (its own
// HTTP server, where the demo's applicants pay) and the sector software of justice, police and
// social insurance (packages/sector-sim's CLI, its own process on NATS, one user per sector).
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@onestop/devservers";
import { GatewaySimulator, seededRandom } from "@onestop/payment-gateway/sim";

/** The gateway's port: payment's defaults (VNPAY_PAYMENT_URL, VNPAY_MERCHANT_API_URL) point at it. */
export const GATEWAY_PORT = 8094;
/** The demo merchant: public values, they protect nothing (payment refuses them in production). */
export const DEMO_MERCHANT = { tmnCode: "ONESTOP1", secret: "onestop-demo-vnpay-secret-local-only" };

/** payment's environment for the simulated gateway at `gateway`. */
export function gatewayEnv(gateway: GatewaySimulator, paymentUrl: string): Record<string, string> {
  return {
    VNPAY_TMN_CODE: DEMO_MERCHANT.tmnCode,
    VNPAY_HASH_SECRET: DEMO_MERCHANT.secret,
    VNPAY_PAYMENT_URL: gateway.paymentPageUrl,
    VNPAY_MERCHANT_API_URL: gateway.url,
    PAYMENT_PUBLIC_URL: paymentUrl,
  };
}

/** The gateway notifying payment's IPN endpoint, with a duplicate or a late callback now and then, as the real one. */
export function startGateway(paymentUrl: string, seed: number): Promise<GatewaySimulator> {
  return new GatewaySimulator({
    ...DEMO_MERCHANT,
    ipnUrl: `${paymentUrl}/gateways/vnpay/ipn`,
    port: GATEWAY_PORT,
    ipnDelayMs: 500,
    retryDelaysMs: [1_000, 5_000, 15_000, 60_000],
    duplicateRate: 0.05,
    lateRate: 0.02,
    lateDelayMs: 20_000,
    random: seededRandom(seed),
  }).start();
}

export interface SectorSimulators {
  stop(): Promise<void>;
}

export interface SectorBehaviour {
  delayMs: number;
  refuseShare: number;
}

/**
 * The sector systems as their own process: each connects as its own NATS user (passwords from
 * the credentials file nats-server was started with) and answers its steps after `delayMs`,
 * refusing a share of them.
 */
export async function startSectorSimulators(natsUrl: string, credentialsFile: string, behaviour: SectorBehaviour, logFile: string): Promise<SectorSimulators> {
  const root = repoRoot();
  const child = spawn(
    process.execPath,
    [
      "--conditions=onestop:source",
      "--import",
      "tsx",
      join(root, "packages", "sector-sim", "src", "cli.ts"),
      "--credentials",
      credentialsFile,
      "--delay-ms",
      String(behaviour.delayMs),
      "--refuse-share",
      String(behaviour.refuseShare),
    ],
    { cwd: join(root, "packages", "sector-sim"), env: { ...process.env, NATS_URL: natsUrl }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const log = createWriteStream(logFile, { flags: "a" });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Ready once each of the three sectors has said it answers (one line each).
  await new Promise<void>((resolve, reject) => {
    let lines = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      lines += chunk
        .toString()
        .split("\n")
        .filter((line) => line.includes("answering")).length;
      if (lines >= 3) resolve();
    });
    child.once("exit", (code) => reject(new Error(`the sector simulators exited with code ${code}: see ${logFile}`)));
    setTimeout(() => reject(new Error(`the sector simulators did not start within 30 s: see ${logFile}`)), 30_000).unref();
  });
  return {
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}
