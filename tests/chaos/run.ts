/**
 * `pnpm chaos`: faults injected under load, on loopback only, bounded in time and requests.
 *
 *   CHAOS_SECONDS   load duration (default 600)
 *   CHAOS_RATE      new dossiers per second (default 4; each is 1 to 4 requests)
 *   CHAOS_FAULT_EVERY_S  seconds between faults (default 15)
 *   CHAOS_SEED      order of the faults (default 1)
 *   CHAOS_SERVICES  services to run, comma-separated (default all six)
 *
 * Exits 1 unless lost, applied twice and stuck are all 0.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { SECTOR_SYSTEMS } from "@onestop/contracts";
import { GatewaySimulator } from "@onestop/payment-gateway/sim";
import { SectorSimulator } from "@onestop/sector-sim";
import { check, type Verdict } from "./checker.js";
import { faultKinds, shuffled } from "./faults.js";
import { CHAOS_AGENCY, LoadDriver } from "./load.js";
import { ChaosSystem } from "./system.js";

const seconds = Number(process.env.CHAOS_SECONDS ?? 600);
const rate = Number(process.env.CHAOS_RATE ?? 4);
const faultEveryMs = Number(process.env.CHAOS_FAULT_EVERY_S ?? 15) * 1_000;
const seed = Number(process.env.CHAOS_SEED ?? 1);
const services = process.env.CHAOS_SERVICES?.split(",").map((name) => name.trim());
const say = (message: string) => console.log(`[chaos] ${message}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const vn = (n: number, digits = 0) => n.toLocaleString("vi-VN", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "onestop-chaos-"));
  say(`starting a 3-node NATS cluster, FerretDB, the object store, the gateway and sector simulators and every service (two instances of intake, reporting and lienthong) in ${dir}`);
  // The gateway answers the payment service's IPN endpoint, known once the system has started.
  const gatewayOptions = { tmnCode: "CHAOS001", secret: "chaos-vnpay-secret-0123456789abcdef", ipnUrl: "", ipnDelayMs: 100, retryDelaysMs: [1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 60_000] };
  const gateway = await new GatewaySimulator(gatewayOptions).start();
  const system = await ChaosSystem.start(dir, services, {
    payment: { VNPAY_TMN_CODE: gatewayOptions.tmnCode, VNPAY_HASH_SECRET: gatewayOptions.secret, VNPAY_PAYMENT_URL: gateway.paymentPageUrl, VNPAY_MERCHANT_API_URL: gateway.url },
  });
  const [payment] = system.of("payment");
  if (payment) gatewayOptions.ipnUrl = `${payment.url}/gateways/vnpay/ipn`;
  const harness = system.nats.credentials!.harness!;
  const nc = await connect({ servers: system.nats.url.split(","), user: harness.user, pass: harness.password, inboxPrefix: harness.inboxPrefix, maxReconnectAttempts: -1 });
  // The sector systems (justice, police, social insurance), answering each step at once.
  const sectors = system.of("lienthong").length > 0 ? await Promise.all(SECTOR_SYSTEMS.map((sector) => SectorSimulator.start({ nats: nc, sector }))) : [];
  let token: Promise<string> | undefined;
  const tokenOf = () => (token ??= system.token());
  const poisonIds: string[] = [];
  /** Per fault kind: seconds from the repair until every service was ready, and until every report had folded every event. */
  const recoveries = new Map<string, Array<{ ready: number; caughtUp: number }>>();
  const load = new LoadDriver((service) => system.of(service).map((instance) => instance.url), tokenOf, `chaos${Date.now().toString(36)}`, payment ? gateway : undefined);
  let failed = 0;
  try {
    const started = Date.now();
    const elapsed = () => (Date.now() - started) / 1_000;
    load.start(rate);
    const progress = setInterval(() => {
      say(
        `${vn(elapsed())}/${vn(seconds)} s · ${vn(load.dossiers.length)} dossiers begun · ${vn(load.acknowledgedRequests)} requests acknowledged · ${vn(load.stats.retries)} retries · ${vn([...recoveries.values()].flat().length)} faults survived`,
      );
    }, 10_000);
    const kinds = faultKinds(system, nc, poisonIds);
    for (let round = 0; elapsed() < seconds; round++) {
      for (const fault of shuffled(kinds, seed + round)) {
        await pause(faultEveryMs);
        if (elapsed() >= seconds) break;
        say(`fault: ${fault.kind}`);
        await fault.strike();
        const repaired = Date.now();
        await system.untilReady();
        const ready = (Date.now() - repaired) / 1_000;
        await reportsCaughtUp(system, tokenOf);
        const caughtUp = (Date.now() - repaired) / 1_000;
        recoveries.set(fault.kind, [...(recoveries.get(fault.kind) ?? []), { ready, caughtUp }]);
        say(`  every service ready ${vn(ready, 1)} s after the repair, reports caught up after ${vn(caughtUp, 1)} s`);
      }
    }
    say("load stopped; waiting for the clients' retries to be acknowledged");
    const settling = load.stop();
    const settled = await Promise.race([settling.then(() => true), pause(180_000).then(() => false)]);
    clearInterval(progress);
    const loadSeconds = elapsed();

    say("checking what was acknowledged against the stream, the outboxes and every report");
    let verdict: Verdict | undefined;
    const checkUntil = Date.now() + 240_000;
    for (;;) {
      verdict = await check({ ledger: load.dossiers, nc, storeUrl: system.storeUrl, urls: (service) => system.of(service).map((i) => i.url), token: tokenOf, poisonIds });
      if (!settled) verdict.stuck += load.dossiers.filter((record) => !record.settled).length;
      if ((verdict.lost === 0 && verdict.appliedTwice === 0 && verdict.stuck === 0) || Date.now() > checkUntil) break;
      await pause(5_000); // the consumers may still be catching up after the last fault
    }

    const acknowledged = load.acknowledgedRequests;
    say(
      `load held: ${vn(load.dossiers.length)} dossiers, ${vn(acknowledged)} requests acknowledged in ${vn(loadSeconds)} s (${vn(acknowledged / loadSeconds, 1)} requests/s), ${vn(load.stats.retries)} retries; answers other than 2xx: ${JSON.stringify(Object.fromEntries(load.stats.answers))}`,
    );
    say("faults survived (seconds after the repair until every service was ready / every report caught up; median, max):");
    const medianMax = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `${vn(sorted[Math.floor(sorted.length / 2)]!, 1)} / ${vn(sorted.at(-1)!, 1)}`;
    };
    for (const [kind, times] of [...recoveries].sort()) {
      say(`  ${kind}: ${times.length}× · ready ${medianMax(times.map((t) => t.ready))} s · caught up ${medianMax(times.map((t) => t.caughtUp))} s`);
    }
    say(`accepted ${vn(verdict.accepted)} · lost ${verdict.lost} · applied twice ${verdict.appliedTwice} · stuck ${verdict.stuck} · refused ${load.refusals.length}`);
    for (const detail of verdict.details.slice(0, 20)) say(`  ${detail}`);
    for (const refusal of load.refusals.slice(0, 10)) say(`  refused: ${refusal}`);
    failed = verdict.lost + verdict.appliedTwice + verdict.stuck + load.refusals.length;
  } catch (error) {
    failed = 1; // keep the logs of a run that broke
    throw error;
  } finally {
    for (const sector of sectors) await sector.stop();
    await nc.close();
    await system.stop();
    await gateway.stop();
    if (failed === 0) rmSync(dir, { recursive: true, force: true });
    else say(`logs kept in ${dir}/logs`);
  }
  return failed === 0 ? 0 : 1;
}

/** Waits until every reporting instance reports no event left to fold (at most 2 minutes). */
async function reportsCaughtUp(system: ChaosSystem, token: () => Promise<string>): Promise<void> {
  const until = Date.now() + 120_000;
  for (const instance of system.of("reporting")) {
    while (Date.now() < until) {
      const response = await fetch(`${instance.url}/v1/reports/tthc?period=2024-Q3&agency=${CHAOS_AGENCY}`, { headers: { authorization: `Bearer ${await token()}` } }).catch(() => undefined);
      if (response?.ok && ((await response.json()) as { lagEvents: number }).lagEvents === 0) break;
      await pause(250);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
