// VNPAY IPN callbacks processed end to end by the payment service (a process of its own on its own
// nats-server and FerretDB: signature checked, payment loaded, decided, saved with its outbox,
// side indexes, the audit record, the answer; then PaymentSucceeded on the PAYMENT stream), side by
// side with the floor: a bare node:http process that only verifies the signature of the same
// signed queries, at the same concurrency, in the same run. Rounds alternate; medians and the ratio
// are printed.
//   pnpm --filter @onestop/payment bench
//   BENCH_CALLBACKS=1000 BENCH_CONCURRENCY=32 BENCH_ROUNDS=5 pnpm --filter @onestop/payment bench
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { ensureStreams, newEnvelope, publishEvent, type EventEnvelope } from "@onestop/bus";
import { formatInstant } from "@onestop/calendar";
import { STREAMS, subjectFor } from "@onestop/contracts";
import { signTestToken, startFerretDb, startNats, startServiceProcess, startTestIssuer, TEST_AUDIENCE, waitFor } from "@onestop/devservers";
import { formatVnpDate, signedQuery, toVnpAmount, type VnpParams } from "@onestop/payment-gateway";

const CALLBACKS = Number(process.env.BENCH_CALLBACKS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP = Math.min(50, CALLBACKS);
const SECRET = "bench-vnpay-secret-0123456789abcdef";
const TMN = "ONESTOP1";
const AGENCY = "000.00.03.H06"; // Sở Tư pháp tỉnh Bắc Ninh
const FEE = 20_000; // đăng ký thường trú at the desk

interface Order {
  paymentId: string;
  /** The signed IPN query the gateway would send for its success. */
  query: string;
}

interface RunStats {
  /** From the first callback sent to the last answer. */
  answeredSeconds: number;
  /** From the first callback sent to the last PaymentSucceeded seen on the bus (service only). */
  announcedSeconds?: number;
  latenciesMs: number[];
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const median = (values: number[]) => percentile(values, 0.5);

async function drive<T>(items: readonly T[], op: (item: T) => Promise<void>): Promise<{ seconds: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const t0 = performance.now();
        await op(item);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1_000, latenciesMs };
}

/** The IPN of a successful payment, as the gateway signs it (the simulator's parameters). */
function ipnQuery(txnRef: string, amount: number, transactionNo: number): string {
  const params: VnpParams = {
    vnp_TmnCode: TMN,
    vnp_Amount: toVnpAmount(amount),
    vnp_BankCode: "NCB",
    vnp_BankTranNo: `VNP${transactionNo}`,
    vnp_CardType: "ATM",
    vnp_OrderInfo: "Nop phi le phi ho so",
    vnp_PayDate: formatVnpDate(Date.now()),
    vnp_ResponseCode: "00",
    vnp_TransactionNo: String(transactionNo),
    vnp_TransactionStatus: "00",
    vnp_TxnRef: txnRef,
  };
  return signedQuery(params, SECRET);
}

/** The bare handler as its own process; resolves with its base URL once it listens. */
async function startBare(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", new URL("./bare-ipn-server.ts", import.meta.url).pathname], {
    env: { ...process.env, BARE_SECRET: SECRET },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the bare handler exited (${code})`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), "onestop-payment-bench-"));
const nats = await startNats({ dir: join(dir, "nats") });
const ferret = await startFerretDb({ dir: join(dir, "ferretdb") });
const issuer = await startTestIssuer();
const authorization = `Bearer ${await signTestToken(issuer.issuer, issuer.privateJwk, { claims: { sub: "bench", roles: ["service"] }, expiresInSec: 4 * 3_600 })}`;
const nc = await connect({ servers: nats.url });
const js = jetstream(nc);
await ensureStreams(
  await jetstreamManager(nc),
  [STREAMS.DOSSIER, STREAMS.PAYMENT, STREAMS.DLQ].map((s) => ({ name: s.name, subjects: [...s.subjects] })),
);
const payment = await startServiceProcess(
  "payment",
  {
    NATS_URL: nats.url,
    MONGO_URL: ferret.url,
    MONGO_DB: "bench_payment",
    OIDC_ISSUER: issuer.issuer,
    OIDC_AUDIENCE: TEST_AUDIENCE,
    VNPAY_TMN_CODE: TMN,
    VNPAY_HASH_SECRET: SECRET,
    ORDER_TTL_SECONDS: "3600",
    LOG_LEVEL: "warn",
  },
  { logFile: join(dir, "payment.log") },
);
const bare = await startBare();

// What the service announces, counted as it reaches the bus (a core subscription sees JetStream's publishes).
const seen = { assessed: 0, requested: 0, succeeded: new Set<string>() };
const watcher = nc.subscribe("payment.>");
void (async () => {
  for await (const message of watcher) {
    const envelope = message.json<EventEnvelope>();
    if (envelope.type === "vn.onestop.payment.fees_assessed.v1") seen.assessed += 1;
    else if (envelope.type === "vn.onestop.payment.requested.v1") seen.requested += 1;
    else if (envelope.type === "vn.onestop.payment.succeeded.v1") seen.succeeded.add((envelope.data as { paymentId: string }).paymentId);
  }
})();

const stop = async () => {
  watcher.unsubscribe();
  await nc.drain();
  await Promise.all([payment.stop(), bare.stop()]);
  await Promise.all([nats.stop(), ferret.stop(), issuer.stop()]);
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));

try {
  // Orders for the warm-up and every round: receipts as intake publishes them, assessed by the
  // service, then one online payment requested per dossier over REST (not timed).
  const total = WARMUP + ROUNDS * CALLBACKS;
  const setupStart = performance.now();
  const codes = Array.from({ length: total }, (_, i) => `BENCH-${String(i).padStart(6, "0")}`);
  await drive(codes, async (dossierCode) => {
    const receivedAt = formatInstant(Date.now());
    const envelope = newEnvelope({
      type: "vn.onestop.dossier.received.v1",
      source: "urn:onestop:intake",
      subject: dossierCode,
      time: receivedAt,
      data: {
        dossierCode,
        procedureCode: "1.004222",
        sectorCode: "CU_TRU",
        agencyCode: AGENCY,
        receivingUnitCode: AGENCY,
        level: "LEVEL_PROVINCE",
        channel: "CHANNEL_IN_PERSON",
        receivedAt,
        dueAt: receivedAt,
        timeLimit: { amount: 7, unit: "TIME_UNIT_WORKING_DAYS" },
        fees: [{ code: "LP_DANG_KY_THUONG_TRU", amount: FEE }],
        applicantRef: "ab".repeat(32),
      },
    });
    await publishEvent(js, subjectFor("vn.onestop.dossier.received.v1", { agencyCode: AGENCY }), envelope);
  });
  await waitFor(() => seen.assessed >= total, { timeoutMs: 300_000, intervalMs: 100, description: `${total} dossiers assessed` });
  const orders: Order[] = [];
  let transactionNo = 14_000_000;
  await drive(codes, async (dossierCode) => {
    const response = await fetch(`${payment.httpUrl}/v1/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization },
      body: JSON.stringify({ dossierCode, channel: "OTHER_GATEWAY" }),
    });
    const body = (await response.json()) as { payment: { paymentId: string; amount: number }; paymentUrl: string };
    if (response.status !== 201) throw new Error(`payment request answered ${response.status}: ${JSON.stringify(body)}`);
    const txnRef = new URL(body.paymentUrl).searchParams.get("vnp_TxnRef")!;
    orders.push({ paymentId: body.payment.paymentId, query: ipnQuery(txnRef, body.payment.amount, ++transactionNo) });
  });
  await waitFor(() => seen.requested >= total, { timeoutMs: 300_000, intervalMs: 100, description: `${total} payments requested` });
  process.stdout.write(`set-up: ${total} dossiers assessed and online payments requested in ${((performance.now() - setupStart) / 1_000).toFixed(1)} s\n`);

  const send = (base: string) => async (order: Order) => {
    const response = await fetch(`${base}/gateways/vnpay/ipn?${order.query}`);
    const answer = (await response.json()) as { RspCode?: string };
    if (answer.RspCode !== "00") throw new Error(`${base} answered ${JSON.stringify(answer)} for ${order.paymentId}`);
  };
  const serviceRun = async (batch: Order[]): Promise<RunStats> => {
    const start = performance.now();
    const { seconds, latenciesMs } = await drive(batch, send(payment.httpUrl));
    await waitFor(() => batch.every((order) => seen.succeeded.has(order.paymentId)), { timeoutMs: 120_000, intervalMs: 5, description: "PaymentSucceeded of every callback" });
    return { answeredSeconds: seconds, announcedSeconds: (performance.now() - start) / 1_000, latenciesMs };
  };
  const bareRun = async (batch: Order[]): Promise<RunStats> => {
    const { seconds, latenciesMs } = await drive(batch, send(bare.url));
    return { answeredSeconds: seconds, latenciesMs };
  };

  // Warm-up of both sides (JIT, connections, the store's first pages); not counted.
  const warmup = orders.slice(0, WARMUP);
  await bareRun(warmup);
  await serviceRun(warmup);

  const results = { service: [] as RunStats[], bare: [] as RunStats[] };
  for (let round = 0; round < ROUNDS; round++) {
    const batch = orders.slice(WARMUP + round * CALLBACKS, WARMUP + (round + 1) * CALLBACKS);
    const sides = round % 2 === 0 ? (["bare", "service"] as const) : (["service", "bare"] as const);
    for (const side of sides) {
      // The bare handler verifies the same signed queries the service is about to (or did) apply.
      results[side].push(side === "service" ? await serviceRun(batch) : await bareRun(batch));
      const last = results[side].at(-1)!;
      process.stdout.write(`round ${round + 1}/${ROUNDS}: ${side.padEnd(7)} ${(CALLBACKS / last.answeredSeconds).toFixed(0).padStart(6)} callbacks/s answered\n`);
    }
  }

  const summary = (runs: RunStats[]) => ({
    answered: median(runs.map((r) => CALLBACKS / r.answeredSeconds)),
    announced: runs[0]?.announcedSeconds === undefined ? undefined : median(runs.map((r) => CALLBACKS / r.announcedSeconds!)),
    p50: median(runs.map((r) => percentile(r.latenciesMs, 0.5))),
    p99: median(runs.map((r) => percentile(r.latenciesMs, 0.99))),
  });
  const s = summary(results.service);
  const b = summary(results.bare);
  const fmt = (x: { answered: number; p50: number; p99: number }) =>
    `${x.answered.toFixed(0).padStart(6)} callbacks/s   p50 ${x.p50.toFixed(2).padStart(7)} ms   p99 ${x.p99.toFixed(2).padStart(7)} ms`;
  console.log(`\n${CALLBACKS} IPN callbacks × ${ROUNDS} rounds, ${CONCURRENCY} in flight, medians; FerretDB (SQLite) + nats-server, same run`);
  console.log(`payment service (answered)            ${fmt(s)}`);
  console.log(`payment service (PaymentSucceeded on the bus) ${s.announced!.toFixed(0).padStart(6)} callbacks/s`);
  console.log(`bare handler, signature only          ${fmt(b)}`);
  console.log(
    `service/bare: throughput ${(s.answered / b.answered).toFixed(3)} (to the bus ${(s.announced! / b.answered).toFixed(3)}), p50 latency ${(s.p50 / b.p50).toFixed(1)}×, p99 latency ${(s.p99 / b.p99).toFixed(1)}×`,
  );
} finally {
  await stop();
}
