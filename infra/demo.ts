// The main job on a fresh machine (after infra/install.sh): starts NATS, FerretDB and Keycloak, every
// service, loads realistic demo dossiers, prints the URLs and runs until Ctrl-C.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { clientCredentials } from "@onestop/auth";
import { natsEnv, ONESTOP_AUDIENCE, repoRoot, startServiceProcess, waitFor, type ServiceProcess } from "@onestop/devservers";
import { loadDemoDossiers } from "./demo-load.js";
import { demoUserLines, portsFromEnv, startLocalServers, type LocalServers } from "./local-servers.js";

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

/** The one-stop systems' service account (realm file): the demo dossiers come in as they would. */
const LOADER_CLIENT = { clientId: "onestop-system", clientSecret: "onestop-system-local-secret" };
const CONSOLE_URL = "http://127.0.0.1:8080";

const logDir = join(repoRoot(), ".local", "logs");
/** A number as Vietnamese write it: 1.234,5. */
const vi = (n: number): string => n.toLocaleString("vi-VN");
mkdirSync(logDir, { recursive: true });

const running: ServiceProcess[] = [];
let servers: LocalServers | undefined;

async function stopAll(): Promise<void> {
  await Promise.all(running.map((service) => service.stop("SIGTERM")));
  await servers?.stop();
}

// Registered first, so that Ctrl-C stops everything at any stage: start-up, loading, running.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log("\nĐang dừng…");
    stopAll().finally(() => process.exit(0));
  });
}

try {
  console.log("Khởi động NATS (JetStream), FerretDB và Keycloak…");
  servers = await startLocalServers(portsFromEnv(process.env));
  const { nats, ferret, keycloak } = servers;
  for (const service of SERVICES) {
    process.stdout.write(`Khởi động dịch vụ ${service.name}… `);
    const env: Record<string, string> = {
      ...natsEnv(nats, service.name), // its own NATS user
      MONGO_URL: ferret.url,
      OIDC_ISSUER: keycloak.issuer,
      OIDC_AUDIENCE: ONESTOP_AUDIENCE,
      HTTP_PORT: String(service.http),
      ...(service.grpc ? { GRPC_PORT: String(service.grpc) } : {}),
      // The console signs people in through Keycloak and sends them back to its own address.
      ...(service.name === "console" ? { CONSOLE_PUBLIC_URL: CONSOLE_URL, CONSOLE_OIDC_CLIENT_ID: "onestop-console" } : {}),
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
  console.log(`\nNạp ${count} hồ sơ mẫu qua API tiếp nhận (tài khoản dịch vụ ${LOADER_CLIENT.clientId})…`);
  const loadStart = performance.now();
  const loaded = await loadDemoDossiers("http://127.0.0.1:8081", count, clientCredentials({ issuer: keycloak.issuer, ...LOADER_CLIENT }));
  const seconds = Math.round((performance.now() - loadStart) / 100) / 10;
  console.log(
    `  Đã tiếp nhận ${vi(loaded.submitted)} hồ sơ, ghi nhận ${vi(loaded.events)} sự kiện xử lý${loaded.refused ? `, ${vi(loaded.refused)} hồ sơ bị từ chối` : ""} trong ${vi(seconds)} giây.`,
  );

  console.log("\nHệ thống một cửa đang chạy:");
  console.log(`  Bảng điều hành (console):  ${CONSOLE_URL}/   (đăng nhập: ${CONSOLE_URL}/dang-nhap)`);
  for (const service of SERVICES.filter((s) => s.name !== "console")) {
    console.log(`  ${service.name.padEnd(13)} REST http://127.0.0.1:${service.http}   gRPC 127.0.0.1:${service.grpc}`);
  }
  const today = new Date(Date.now() + 7 * 3_600_000);
  const quarter = `${today.getUTCFullYear()}-Q${Math.floor(today.getUTCMonth() / 3) + 1}`;
  // Through the console: it forwards with the signed-in user's token (the services answer 401 without one).
  console.log(`  Báo cáo thống kê quý:      ${CONSOLE_URL}/v1/reports/tthc?period=${quarter}   (thêm &format=xlsx để tải Excel; sau khi đăng nhập)`);
  console.log(`  Chỉ số theo Quyết định 766: ${CONSOLE_URL}/v1/reports/indicators-766?period=${quarter}`);
  console.log(`  NATS ${nats.url} (giám sát ${nats.monitorUrl}), MongoDB (FerretDB) ${ferret.url}`);
  console.log(`  Keycloak (định danh, OIDC): ${keycloak.url}/   issuer ${keycloak.issuer}   (quản trị ${keycloak.url}/admin: admin / onestop-admin)`);
  console.log(`  Người dùng mẫu (mật khẩu onestop-demo; đăng nhập tại ${CONSOLE_URL}/dang-nhap):`);
  for (const line of demoUserLines()) console.log(`    ${line}`);
  console.log(`  Nhật ký: ${logDir}`);
  console.log("\nNhấn Ctrl-C để dừng.");
} catch (error) {
  console.error(`\nKhông khởi động được: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}
