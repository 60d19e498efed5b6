// Intake through REST with the real store and bus, side by side with the floor it stands on:
// raw driver inserts + raw JetStream publishes of the same dossiers, same concurrency, same
// servers, same run. Rounds alternate; medians and ratios are printed.
//   pnpm --filter @onestop/intake bench
//   BENCH_DOSSIERS=2000 BENCH_CONCURRENCY=16 BENCH_ROUNDS=3 pnpm --filter @onestop/intake bench
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { encodeEnvelope, ensureStreams, newEnvelope } from "@onestop/bus";
import { signTestToken, startFerretDb, startNats, startServiceProcess, startTestIssuer, TEST_AUDIENCE } from "@onestop/devservers";
import { MongoClient } from "mongodb";

const DOSSIERS = Number(process.env.BENCH_DOSSIERS ?? 1_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// Communes after the 2025 reform: dossiers spread over several desks, as in a province.
const DESKS = ["000.00.51.H06", "000.00.52.H06", "000.00.53.H06", "000.00.54.H06"];

function dossier(round: number, i: number) {
  const minute = String(i % 60).padStart(2, "0");
  const hour = String(8 + (Math.floor(i / 60) % 9)).padStart(2, "0");
  return {
    procedureCode: "1.004873",
    agencyCode: DESKS[i % DESKS.length]!,
    channel: "ONLINE",
    receivedAt: `2025-10-${String(1 + round).padStart(2, "0")}T${hour}:${minute}:00+07:00`,
    applicant: { idNumber: `0240900${String(i).padStart(5, "0")}`, fullName: "Nguyễn Thị Hoa", phone: "0912345678" },
    components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
  };
}

interface RunStats {
  seconds: number;
  latenciesMs: number[];
}

async function drive(count: number, op: (i: number) => Promise<void>): Promise<RunStats> {
  const latenciesMs: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latenciesMs.push(performance.now() - t0);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1_000, latenciesMs };
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;
const median = (values: number[]) => percentile(values, 0.5);

const dir = mkdtempSync(join(tmpdir(), "onestop-intake-bench-"));
const nats = await startNats({ dir: join(dir, "nats"), profile: process.env.BENCH_NATS_PROFILE === "durable" ? "durable" : "fast" });
const ferret = await startFerretDb({ dir: join(dir, "ferretdb") });
// Intake verifies a bearer token and writes an audit record per request, as in production.
const issuer = await startTestIssuer();
const authorization = `Bearer ${await signTestToken(issuer.issuer, issuer.privateJwk, { claims: { sub: "bench", roles: ["service"] }, expiresInSec: 4 * 3_600 })}`;
const intake = await startServiceProcess("intake", {
  NATS_URL: nats.url,
  MONGO_URL: ferret.url,
  MONGO_DB: "bench_intake",
  LOG_LEVEL: "warn",
  OUTBOX_RETRY_MS: "1000",
  OIDC_ISSUER: issuer.issuer,
  OIDC_AUDIENCE: TEST_AUDIENCE,
});
const nc = await connect({ servers: nats.url });
const js = jetstream(nc);
await ensureStreams(await jetstreamManager(nc), [{ name: "BENCH_RAW", subjects: ["bench.raw.>"] }]);
const mongo = await MongoClient.connect(ferret.url);
const raw = mongo.db("bench_raw").collection("dossiers");

const results = { intake: [] as RunStats[], raw: [] as RunStats[] };
try {
  for (let round = 0; round < ROUNDS; round++) {
    const sides = round % 2 === 0 ? (["raw", "intake"] as const) : (["intake", "raw"] as const);
    for (const side of sides) {
      if (side === "intake") {
        results.intake.push(
          await drive(DOSSIERS, async (i) => {
            const response = await fetch(`${intake.httpUrl}/v1/dossiers`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization },
              body: JSON.stringify(dossier(round, i)),
            });
            if (response.status !== 201) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
          }),
        );
      } else {
        results.raw.push(
          await drive(DOSSIERS, async (i) => {
            const body = dossier(round, i);
            const code = `${body.agencyCode}-r${round}-${i}`;
            const event = newEnvelope({ type: "vn.onestop.dossier.received.v1", source: body.agencyCode, subject: code, time: body.receivedAt, data: body });
            await raw.insertOne({ _id: code as never, dossier: body, version: 1, outbox: [event] }, { writeConcern: { w: "majority", j: true } });
            await js.publish(`bench.raw.${round}`, encodeEnvelope(event), { msgID: event.id });
          }),
        );
      }
      process.stdout.write(`round ${round + 1}/${ROUNDS}: ${side} done\n`);
    }
  }
  const summary = (runs: RunStats[]) => ({
    rate: median(runs.map((r) => DOSSIERS / r.seconds)),
    p50: median(runs.map((r) => percentile(r.latenciesMs, 0.5))),
    p99: median(runs.map((r) => percentile(r.latenciesMs, 0.99))),
  });
  const a = summary(results.intake);
  const b = summary(results.raw);
  const fmt = (s: { rate: number; p50: number; p99: number }) => `${s.rate.toFixed(0).padStart(6)} dossiers/s   p50 ${s.p50.toFixed(1).padStart(6)} ms   p99 ${s.p99.toFixed(1).padStart(6)} ms`;
  console.log(`\n${DOSSIERS} dossiers × ${ROUNDS} rounds, ${CONCURRENCY} in flight, medians; FerretDB (SQLite) + nats-server, same run`);
  console.log(`intake REST              ${fmt(a)}`);
  console.log(`baseline insert+publish  ${fmt(b)}`);
  console.log(`intake/baseline: throughput ${(a.rate / b.rate).toFixed(3)}, p50 latency ${(a.p50 / b.p50).toFixed(2)}×, p99 latency ${(a.p99 / b.p99).toFixed(2)}×`);
} finally {
  await mongo.close();
  await nc.drain();
  await intake.stop();
  await Promise.all([nats.stop(), ferret.stop(), issuer.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
