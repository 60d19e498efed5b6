// The main job on a fresh machine (after infra/install.sh): starts NATS, FerretDB, the object store
// and Keycloak, the simulated VNPAY gateway, every service and the simulated sector software, loads
// realistic demo dossiers, keeps filing live ones (infra/demo-traffic), prints the URLs and runs
// until Ctrl-C.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { clientCredentials } from "@onestop/auth";
import { natsEnv, ONESTOP_AUDIENCE, repoRoot, startServiceProcess, waitFor, type ServiceProcess } from "@onestop/devservers";
import type { GatewaySimulator } from "@onestop/payment-gateway/sim";
import { loadDemoDossiers } from "./demo-load.js";
import { Api } from "./demo-traffic/api.js";
import { vi, vietnamDay } from "./demo-traffic/people.js";
import { gatewayEnv, startGateway, startSectorSimulators, type SectorSimulators } from "./demo-traffic/simulators.js";
import { readCatalogue, startTraffic, trafficRateFromEnv, type Traffic } from "./demo-traffic/traffic.js";
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
mkdirSync(logDir, { recursive: true });
const startedAt = Date.now();
const rate = trafficRateFromEnv(process.env);

const running: ServiceProcess[] = [];
let servers: LocalServers | undefined;
let gateway: GatewaySimulator | undefined;
let sectors: SectorSimulators | undefined;
let traffic: Traffic | undefined;

async function stopAll(): Promise<void> {
  await traffic?.stop();
  await sectors?.stop();
  await Promise.all(running.map((service) => service.stop("SIGTERM")));
  await gateway?.stop();
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
  console.log("Khởi động NATS (JetStream), FerretDB, kho lưu trữ đối tượng S3 và Keycloak…");
  servers = await startLocalServers(portsFromEnv(process.env));
  const { nats, ferret, keycloak, objectStore } = servers;
  const paymentUrl = "http://127.0.0.1:8084";
  gateway = await startGateway(paymentUrl, Number(vietnamDay(startedAt).replaceAll("-", "")));
  console.log(`Cổng thanh toán VNPAY mô phỏng: ${gateway.url}`);
  for (const service of SERVICES) {
    process.stdout.write(`Khởi động dịch vụ ${service.name}… `);
    const env: Record<string, string> = {
      ...natsEnv(nats, service.name), // its own NATS user
      MONGO_URL: ferret.url,
      OIDC_ISSUER: keycloak.issuer,
      OIDC_AUDIENCE: ONESTOP_AUDIENCE,
      // Its own service account (realm file), for the calls it makes to other services.
      OIDC_CLIENT_ID: `svc-${service.name}`,
      OIDC_CLIENT_SECRET: `svc-${service.name}-local-secret`,
      HTTP_PORT: String(service.http),
      ...(service.grpc ? { GRPC_PORT: String(service.grpc) } : {}),
      // The console signs people in through Keycloak and sends them back to its own address.
      ...(service.name === "console" ? { CONSOLE_PUBLIC_URL: CONSOLE_URL, CONSOLE_OIDC_CLIENT_ID: "onestop-console" } : {}),
      ...(service.name === "digitisation" ? objectStore.settings : {}),
      ...(service.name === "payment" ? gatewayEnv(gateway, paymentUrl) : {}),
    };
    const started = await startServiceProcess(service.name, env, { logFile: join(logDir, `${service.name}.log`) });
    running.push(started);
    await waitFor(async () => (await fetch(`${started.httpUrl}/readyz`)).ok, {
      timeoutMs: 30_000,
      description: `${service.name} readiness`,
    });
    console.log("sẵn sàng");
  }

  // The sector systems pull from the durables lienthong has created by now.
  const sectorDelayMs = Number(process.env.DEMO_SECTOR_DELAY_MS || 3_000);
  if (!Number.isInteger(sectorDelayMs) || sectorDelayMs < 0) throw new Error(`DEMO_SECTOR_DELAY_MS must be a whole number of milliseconds, got "${process.env.DEMO_SECTOR_DELAY_MS}"`);
  sectors = await startSectorSimulators(nats.url, join(repoRoot(), ".local", "data", "nats", "credentials.json"), { delayMs: sectorDelayMs, refuseShare: 0.05 }, join(logDir, "sector-sim.log"));
  console.log(`Phần mềm chuyên ngành mô phỏng (hộ tịch, cư trú, bảo hiểm xã hội): trả lời sau ${vi(sectorDelayMs / 1_000)} giây, từ chối 5%`);
  console.log(`Mọi dịch vụ sẵn sàng sau ${vi(Math.round((Date.now() - startedAt) / 1_000))} giây.`);

  const tokens = clientCredentials({ issuer: keycloak.issuer, ...LOADER_CLIENT });
  if (rate > 0) {
    const api = new Api({ intake: "http://127.0.0.1:8081", lienthong: "http://127.0.0.1:8082", digitisation: "http://127.0.0.1:8083", payment: paymentUrl }, tokens);
    const catalogue = await readCatalogue(api, vietnamDay(Date.now()));
    traffic = startTraffic({ api, gateway, catalogue, ratePerSecond: rate, reportingUrl: "http://127.0.0.1:8085", quarter: quarterOf(Date.now()), startedAt });
    console.log(`\nLưu lượng trực tiếp: ${vi(rate)} hồ sơ mới mỗi giây (DEMO_TRAFFIC_RATE), mọi kênh, liên thông, thanh toán, số hóa.`);
  }

  const count = Number(process.env.DEMO_DOSSIERS ?? 300);
  console.log(`\nNạp ${count} hồ sơ mẫu qua API tiếp nhận (tài khoản dịch vụ ${LOADER_CLIENT.clientId})…`);
  const loadStart = performance.now();
  const loaded = await loadDemoDossiers("http://127.0.0.1:8081", count, tokens);
  const seconds = Math.round((performance.now() - loadStart) / 100) / 10;
  console.log(
    `  Đã tiếp nhận ${vi(loaded.submitted)} hồ sơ, ghi nhận ${vi(loaded.events)} sự kiện xử lý${loaded.refused ? `, ${vi(loaded.refused)} hồ sơ bị từ chối` : ""} trong ${vi(seconds)} giây.`,
  );

  console.log("\nHệ thống một cửa đang chạy:");
  console.log(`  Bảng điều hành (console):  ${CONSOLE_URL}/   (đăng nhập: ${CONSOLE_URL}/dang-nhap)`);
  for (const service of SERVICES.filter((s) => s.name !== "console")) {
    console.log(`  ${service.name.padEnd(13)} REST http://127.0.0.1:${service.http}   gRPC 127.0.0.1:${service.grpc}`);
  }
  const quarter = quarterOf(Date.now());
  // Through the console: it forwards with the signed-in user's token (the services answer 401 without one).
  console.log(`  Báo cáo thống kê quý:      ${CONSOLE_URL}/v1/reports/tthc?period=${quarter}   (thêm &format=xlsx để tải Excel; sau khi đăng nhập)`);
  console.log(`  Chỉ số theo Quyết định 766: ${CONSOLE_URL}/v1/reports/indicators-766?period=${quarter}`);
  console.log(`  Cổng thanh toán mô phỏng:  ${gateway.url}/paymentv2/vpcpay.html   kho S3: ${objectStore.endpoint}`);
  console.log(`  NATS ${nats.url} (giám sát ${nats.monitorUrl}), MongoDB (FerretDB) ${ferret.url}`);
  console.log(`  Keycloak (định danh, OIDC): ${keycloak.url}/   issuer ${keycloak.issuer}   (quản trị ${keycloak.url}/admin: admin / onestop-admin)`);
  console.log(`  Người dùng mẫu (mật khẩu onestop-demo; đăng nhập tại ${CONSOLE_URL}/dang-nhap):`);
  for (const line of demoUserLines()) console.log(`    ${line}`);
  console.log(`  Nhật ký: ${logDir}`);
  console.log("\nNhấn Ctrl-C để dừng.");
  if (traffic) {
    console.log("\nLưu lượng trực tiếp (tiến độ mỗi 30 giây):");
    traffic.showProgress();
  }
} catch (error) {
  console.error(`\nKhông khởi động được: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll();
  process.exit(1);
}

/** The quarter of Vietnam's date of `ms`, e.g. 2026-Q4. */
function quarterOf(ms: number): string {
  const day = vietnamDay(ms);
  return `${day.slice(0, 4)}-Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
}
