// The main job on a fresh machine (after infra/install.sh): starts NATS and FerretDB, every
// service, loads realistic demo dossiers, prints the URLs and runs until Ctrl-C.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, startServiceProcess, waitFor, type ServiceProcess } from "@onestop/devservers";
import { loadDemoDossiers } from "./demo-load.js";
import { portsFromEnv, startLocalServers, untilInterrupted } from "./local-servers.js";

interface ServicePorts {
  name: string;
  http: number;
  grpc?: number;
}

const SERVICES: ServicePorts[] = [
  { name: "intake", http: 8081, grpc: 50051 },
  { name: "lienthong", http: 8082, grpc: 50052 },
  { name: "digitisation", http: 8083, grpc: 50053 },
  { name: "payment", http: 8084, grpc: 50054 },
  { name: "reporting", http: 8085, grpc: 50055 },
  { name: "console", http: 8080 },
];

const logDir = join(repoRoot(), ".local", "logs");
mkdirSync(logDir, { recursive: true });

console.log("Khởi động NATS (JetStream) và FerretDB…");
const servers = await startLocalServers(portsFromEnv(process.env));
const running: ServiceProcess[] = [];
try {
  for (const service of SERVICES) {
    process.stdout.write(`Khởi động dịch vụ ${service.name}… `);
    const env: Record<string, string> = {
      NATS_URL: servers.nats.url,
      MONGO_URL: servers.ferret.url,
      HTTP_PORT: String(service.http),
      ...(service.grpc ? { GRPC_PORT: String(service.grpc) } : {}),
    };
    const started = await startServiceProcess(service.name, env, { logFile: join(logDir, `${service.name}.log`) });
    running.push(started);
    await waitFor(async () => (await fetch(`${started.httpUrl}/readyz`)).ok, {
      timeoutMs: 30_000,
      description: `${service.name} readiness`,
    });
    console.log("sẵn sàng");
  }

  const count = Number(process.env.DEMO_DOSSIERS ?? 300);
  console.log(`\nNạp ${count} hồ sơ mẫu qua API tiếp nhận…`);
  const loaded = await loadDemoDossiers("http://127.0.0.1:8081", count);
  console.log(`  Đã tiếp nhận ${loaded.submitted} hồ sơ, ghi nhận ${loaded.events} sự kiện xử lý${loaded.refused ? `, ${loaded.refused} hồ sơ bị từ chối` : ""}.`);

  console.log("\nHệ thống một cửa đang chạy:");
  console.log(`  Bảng điều hành (console):  http://127.0.0.1:8080/`);
  for (const service of SERVICES.filter((s) => s.name !== "console")) {
    console.log(`  ${service.name.padEnd(13)} REST http://127.0.0.1:${service.http}   gRPC 127.0.0.1:${service.grpc}`);
  }
  console.log(`  NATS ${servers.nats.url} (giám sát ${servers.nats.monitorUrl}), MongoDB (FerretDB) ${servers.ferret.url}`);
  console.log(`  Nhật ký: ${logDir}`);
  console.log("\nNhấn Ctrl-C để dừng.");
  await untilInterrupted();
  console.log("\nĐang dừng…");
} finally {
  await Promise.all(running.map((service) => service.stop("SIGTERM")));
  await servers.stop();
}
