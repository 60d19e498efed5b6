// Upload throughput of the digitisation service's REST upload (a process on its own nats-server,
// FerretDB and versitygw, as the demo runs it, asking intake, also a process, whose each dossier is;
// the dossiers are filed at intake first) beside the floor it stands on: the same bytes written
// to the same object store with the raw AWS SDK (lib-storage's Upload: one PutObject below its part
// size, multipart above), same concurrency, same run, rounds alternating. Then the service's
// resident memory (VmRSS of its process, sampled while it takes uploads) for growing file sizes.
//   pnpm --filter @onestop/digitisation bench
//   BENCH_ROUNDS=5 BENCH_CONCURRENCY=4 BENCH_MB_PER_ROUND=40 BENCH_MEMORY_SIZES=1,10,50 pnpm --filter @onestop/digitisation bench
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { freePort, signTestToken, startFerretDb, startNats, startObjectStore, startServiceProcess, startTestIssuer, TEST_AUDIENCE, waitFor, type ServiceProcess } from "@onestop/devservers";
import { uuidv7 } from "uuidv7";
import { s3Client } from "../src/adapters/s3/object-store.js";

const MB = 1024 * 1024;
const ROUNDS = envNumber("BENCH_ROUNDS", 5);
const CONCURRENCY = envNumber("BENCH_CONCURRENCY", 4);
/** Bytes each side writes per round and file size: 1 MB files × 40, 10 MB files × 4. */
const MB_PER_ROUND = envNumber("BENCH_MB_PER_ROUND", 40);
const SIZES_MB = [1, 10];
const MEMORY_SIZES_MB = (process.env.BENCH_MEMORY_SIZES ?? "1,10,50").split(",").map(Number);
/** Each size's memory phase writes this many MB (at least CONCURRENCY × 2 files). */
const MEMORY_MB_PER_SIZE = envNumber("BENCH_MEMORY_MB", 400);
/** A commune's desk (after the 2025 reform), deciding its own dossiers; its desk officer uploads. */
const AGENCY = "000.00.51.H06";
/** Dossiers filed at intake; upload i goes to dossier i mod DOSSIERS, as component "TP<i>". */
const DOSSIERS = envNumber("BENCH_DOSSIERS", 50);
const BUCKET = "bench-digitisation";

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** A PDF-looking file of `sizeMb`: one random body per size, made unique per file (its hash differs, so nothing is de-duplicated). */
const bodies = new Map<number, Buffer>();
let serial = 0;
function file(sizeMb: number): Buffer {
  let body = bodies.get(sizeMb);
  if (!body) {
    body = randomBytes(sizeMb * MB);
    Buffer.from("%PDF-1.7\n").copy(body, 0);
    bodies.set(sizeMb, body);
  }
  const copy = Buffer.from(body);
  copy.write(`${process.pid}-${++serial}-${Date.now()}`.padEnd(32, "."), 9, "latin1");
  return copy;
}

/** Runs `count` operations `CONCURRENCY` at a time; seconds taken. */
async function drive(count: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) await op(next++);
    }),
  );
  return (performance.now() - start) / 1_000;
}

/** CPU seconds (user + system) a process has used so far (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024;
}

const dir = mkdtempSync(join(tmpdir(), "onestop-digitisation-bench-"));
const [nats, ferret, store, issuer] = await Promise.all([
  startNats({ dir: join(dir, "nats") }),
  startFerretDb({ dir: join(dir, "ferretdb") }),
  startObjectStore({ dir: join(dir, "s3") }),
  startTestIssuer(),
]);
let service: ServiceProcess | undefined;
let intake: ServiceProcess | undefined;
/** The service's log: kept when the run fails, or at BENCH_LOG. */
const logFile = process.env.BENCH_LOG ?? join(tmpdir(), `onestop-digitisation-bench-${process.pid}.log`);
let failed = false;
const stopAll = async () => {
  await service?.stop();
  await intake?.stop();
  await Promise.all([nats.stop(), ferret.stop(), store.stop(), issuer.stop()]);
  rmSync(dir, { recursive: true, force: true });
  if (failed) console.error(`the service's log: ${logFile}`);
  else if (!process.env.BENCH_LOG) for (const file of [logFile, `${logFile}.intake`]) rmSync(file, { force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stopAll().finally(() => process.exit(130)));

try {
  const serviceToken = await signTestToken(issuer.issuer, issuer.privateJwk, { claims: { sub: "svc-bench", roles: ["service"] }, expiresInSec: 3_600 });
  const common = { NATS_URL: nats.url, MONGO_URL: ferret.url, OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: TEST_AUDIENCE, LOG_LEVEL: "warn" };
  const intakeGrpc = await freePort();
  intake = await startServiceProcess("intake", { ...common, MONGO_DB: "bench_intake", GRPC_PORT: String(intakeGrpc) }, { logFile: `${logFile}.intake` });
  const codes: string[] = [];
  for (let i = 0; i < DOSSIERS; i++) {
    const response = await fetch(`${intake.httpUrl}/v1/dossiers`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${serviceToken}` },
      body: JSON.stringify({
        procedureCode: "1.004873",
        agencyCode: AGENCY,
        channel: "IN_PERSON",
        receivedAt: new Date(Date.now() - 3_600_000).toISOString(),
        applicant: { idNumber: `0240900${String(i).padStart(5, "0")}`, fullName: "Nguyễn Thị Hoa", phone: "0912345678" },
        components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
      }),
    });
    if (response.status !== 201) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
    codes.push(((await response.json()) as { code: string }).code);
  }
  service = await startServiceProcess(
    "digitisation",
    {
      ...common,
      MONGO_DB: "bench_digitisation",
      INTAKE_GRPC_URL: `127.0.0.1:${intakeGrpc}`,
      ONESTOP_TOKEN: serviceToken,
      // BENCH_PROFILE=<dir>: the service writes a CPU profile there when it stops.
      ...(process.env.BENCH_PROFILE ? { NODE_OPTIONS: `--import ${process.env.BENCH_PROFILE}` } : {}),
      ...store.settings,
      S3_BUCKET: BUCKET,
      MAX_UPLOAD_BYTES: String(Math.max(...MEMORY_SIZES_MB, ...SIZES_MB) * MB + MB),
      // One desk officer sends everything: the per-person limit (600 a minute) is not what is measured.
      RATE_LIMIT_PER_MINUTE: "1000000",
      RATE_LIMIT_BURST: "100000",
    },
    { logFile },
  );
  const running = service;
  await waitFor(async () => (await fetch(`${running.httpUrl}/readyz`)).ok, { timeoutMs: 30_000, description: "digitisation readiness" });
  const authorization = `Bearer ${await signTestToken(issuer.issuer, issuer.privateJwk, {
    claims: { sub: "bench-desk", preferred_username: "bench-desk", roles: ["desk_officer"], agency_code: AGENCY },
    expiresInSec: 3_600,
  })}`;
  const raw: S3Client = s3Client({ ...store.settings, S3_BUCKET: BUCKET, S3_FORCE_PATH_STYLE: true });

  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const BOUNDARY = "----onestop-bench-boundary";
  let uploads = 0;
  const viaService = async (body: Buffer) => {
    const i = uploads++;
    const metadata = {
      kind: "COMPONENT",
      dossierCode: codes[i % codes.length],
      componentTypeCode: `TP${i}`,
      document: {
        documentTypeCode: "GKS",
        holder: { idNumber: "024090001234" },
        name: "Giấy khai sinh",
        summary: "Bản sao giấy khai sinh",
        validFrom: "2020-01-01",
        scope: "Toàn quốc",
      },
    };
    // multipart/form-data written as a lean client would: the metadata part, then the file's bytes as they are.
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(metadata)}\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${running.httpUrl}/v1/documents`,
        {
          method: "POST",
          agent,
          headers: { authorization, "content-type": `multipart/form-data; boundary=${BOUNDARY}`, "content-length": String(head.length + body.length + tail.length) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.write(head);
      req.write(body);
      req.end(tail);
    });
    if (status !== 201) throw new Error(`the service answered ${status}: ${text}`);
  };
  const viaSdk = async (body: Buffer) => {
    await new Upload({ client: raw, params: { Bucket: BUCKET, Key: `bench-raw/${uuidv7()}`, Body: body, ContentType: "application/pdf" } }).done();
  };
  // Warm-up: connections, the JIT, the bucket.
  for (const side of [viaService, viaSdk]) await drive(CONCURRENCY * 2, () => side(file(1)));

  const rates: Record<string, { service: number[]; sdk: number[] }> = {};
  // Where the CPU goes, per side and size: each process's CPU seconds per MB written.
  const processes = { "this client": process.pid, digitisation: running.pid, intake: intake.pid, versitygw: store.process.pid, ferretdb: ferret.process.pid, "nats-server": nats.process.pid };
  const cpu: Record<string, Record<string, number>> = {};
  const cpuNow = () => Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, pid === process.pid ? (process.cpuUsage().user + process.cpuUsage().system) / 1e6 : cpuSeconds(pid)]));
  for (const sizeMb of SIZES_MB) {
    const files = Math.max(CONCURRENCY, Math.round(MB_PER_ROUND / sizeMb));
    const entry: { service: number[]; sdk: number[] } = { service: [], sdk: [] };
    rates[sizeMb] = entry;
    for (let round = 0; round < ROUNDS; round++) {
      const sides = round % 2 === 0 ? (["sdk", "service"] as const) : (["service", "sdk"] as const);
      for (const side of sides) {
        const inputs = Array.from({ length: files }, () => file(sizeMb));
        const before = cpuNow();
        const seconds = await drive(files, (i) => (side === "service" ? viaService(inputs[i]!) : viaSdk(inputs[i]!)));
        entry[side].push((files * sizeMb) / seconds);
        const after = cpuNow();
        const spent = (cpu[`${sizeMb} MB ${side}`] ??= {});
        for (const name of Object.keys(processes)) spent[name] = (spent[name] ?? 0) + (after[name]! - before[name]!) / (files * sizeMb * ROUNDS);
      }
      process.stdout.write(`${sizeMb} MB files: round ${round + 1}/${ROUNDS} done\n`);
    }
  }

  // Memory: the service's resident set while it takes files of each size, CONCURRENCY at a time.
  const memory: Array<{ sizeMb: number; files: number; idle: number; median: number; peak: number }> = [];
  for (const sizeMb of MEMORY_SIZES_MB) {
    const files = Math.max(CONCURRENCY * 2, Math.round(MEMORY_MB_PER_SIZE / sizeMb));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const idle = rssMb(running.pid);
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMb(running.pid)), 20);
    try {
      await drive(files, () => viaService(file(sizeMb)));
    } finally {
      clearInterval(sampler);
    }
    memory.push({ sizeMb, files, idle, median: median(samples), peak: Math.max(...samples) });
    process.stdout.write(`memory: ${sizeMb} MB files done\n`);
  }
  raw.destroy();
  agent.destroy();

  const mbs = (value: number) => `${value.toFixed(1).padStart(7)} MB/s`;
  console.log(`\nUpload throughput, ${ROUNDS} rounds × ${MB_PER_ROUND} MB per size and side, ${CONCURRENCY} in flight, medians; versitygw (POSIX) + FerretDB + nats-server, same run`);
  console.log("file size   service REST     raw SDK Upload   service/raw");
  for (const sizeMb of SIZES_MB) {
    const { service: s, sdk } = rates[sizeMb]!;
    const ratio = median(s) / median(sdk);
    console.log(`${`${sizeMb} MB`.padEnd(10)}  ${mbs(median(s))}     ${mbs(median(sdk))}     ${ratio.toFixed(2)} ${ratio >= 0.7 ? "(≥ 0.70)" : "(below the 0.70 target)"}`);
  }
  console.log("\nCPU milliseconds per MB written, by process (both sides share the machine)");
  console.log(
    `${"".padEnd(18)}${Object.keys(processes)
      .map((name) => name.padStart(13))
      .join("")}`,
  );
  for (const [label, spent] of Object.entries(cpu)) {
    console.log(
      `${label.padEnd(18)}${Object.keys(processes)
        .map((name) => (spent[name]! * 1000).toFixed(1).padStart(13))
        .join("")}`,
    );
  }
  console.log(`\nService resident memory (VmRSS of its process, sampled every 20 ms), ${CONCURRENCY} uploads in flight`);
  console.log("file size   files   idle before   median during   peak during");
  for (const m of memory) {
    console.log(`${`${m.sizeMb} MB`.padEnd(10)}  ${String(m.files).padStart(5)}   ${m.idle.toFixed(0).padStart(8)} MB   ${m.median.toFixed(0).padStart(10)} MB   ${m.peak.toFixed(0).padStart(8)} MB`);
  }
} catch (error) {
  failed = true;
  throw error;
} finally {
  await stopAll();
}
