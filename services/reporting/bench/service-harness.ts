/**
 * What the end-to-end benchmarks share: nats-server and FerretDB of their own, the intake and
 * reporting services as processes (as the demo runs them), a client of intake's public API, and a
 * probe of one agency's report.
 */
import { join } from "node:path";
import { signTestToken, startServiceProcess, startTestIssuer, TEST_AUDIENCE, waitFor, type ServiceProcess } from "@onestop/devservers";
import { startBenchServers, type BenchServers } from "./support.js";

export interface ProcedureSummary {
  code: string;
  levels: string[];
  onlineMode: "FULL" | "PARTIAL" | "NONE";
  bundleCode?: string;
}

export interface ServiceHarness {
  servers: BenchServers;
  intakeUrl: string;
  reportingUrl: string;
  /** Every agency of the registry today, each with the procedures of its level. */
  agencies: Array<{ code: string; procedures: ProcedureSummary[] }>;
  stop(): Promise<void>;
}

/** The harness's caller: a service account of the test issuer, as the one-stop systems call intake. */
let authorization = "";

export async function startServiceHarness(label: string, logDir: string): Promise<ServiceHarness> {
  const servers = await startBenchServers(label);
  const issuer = await startTestIssuer();
  authorization = `Bearer ${await signTestToken(issuer.issuer, issuer.privateJwk, { claims: { sub: "bench", roles: ["service"] }, expiresInSec: 4 * 3_600 })}`;
  const common = { NATS_URL: servers.nats.url, MONGO_URL: servers.ferret.url, GRPC_PORT: "0", OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: TEST_AUDIENCE };
  const running: ServiceProcess[] = [];
  try {
    for (const name of ["intake", "reporting"]) {
      const service = await startServiceProcess(name, common, { logFile: join(logDir, `${label}-${name}.log`) });
      running.push(service);
      await waitFor(async () => (await fetch(`${service.httpUrl}/readyz`)).ok, { timeoutMs: 60_000, description: `${name} readiness` });
    }
  } catch (error) {
    await Promise.all(running.map((service) => service.stop()));
    await Promise.all([servers.stop(), issuer.stop()]);
    throw error;
  }
  const [intake, reporting] = running as [ServiceProcess, ServiceProcess];
  const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
  const procedures = ((await (await fetch(`${intake.httpUrl}/v1/procedures`, { headers: { authorization } })).json()) as ProcedureSummary[]).filter((p) => !p.bundleCode);
  const agencies = (await (await fetch(`${intake.httpUrl}/v1/agencies?at=${today}`, { headers: { authorization } })).json()) as Array<{ code: string; level: string }>;
  const withProcedures = agencies.map((agency) => ({ agency, procedures: procedures.filter((p) => p.levels.includes(agency.level)) })).filter((a) => a.procedures.length > 0);
  if (withProcedures.length === 0) throw new Error("the catalogue has no agency with a procedure");
  const stop = async () => {
    await Promise.all(running.map((service) => service.stop()));
    await Promise.all([servers.stop(), issuer.stop()]);
  };
  // Interrupted (Ctrl-C): the services and servers go with the benchmark, none is left running.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  return {
    servers,
    intakeUrl: intake.httpUrl,
    reportingUrl: reporting.httpUrl,
    agencies: withProcedures.map(({ agency, procedures }) => ({ code: agency.code, procedures })),
    stop,
  };
}

/** Vietnam local time with its offset, to the second. */
function vietnamTime(ms: number): string {
  return `${new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`;
}

/** POSTs JSON to intake; throws with the answer when it is not the expected status. */
export async function post(url: string, body: unknown, expected: number, key?: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization, ...(key ? { "Idempotency-Key": key } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== expected) throw new Error(`${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** A receipt for intake: online when the procedure has an online service, at the desk otherwise. */
export function dossierBody(procedure: ProcedureSummary, agencyCode: string, receivedMs: number, serial: number) {
  return {
    procedureCode: procedure.code,
    agencyCode,
    channel: procedure.onlineMode === "NONE" ? "IN_PERSON" : "ONLINE",
    receivedAt: vietnamTime(receivedMs),
    applicant: { idNumber: `0${String(100_000_000_00 + serial).padStart(11, "0")}`, fullName: "Nguyễn Văn An" },
  };
}

/** The statistics form of a quarter, the province's or with `agencyCode` one agency's: received and resolved totals. */
export async function reportTotals(reportingUrl: string, quarter: string, agencyCode?: string): Promise<{ received: number; resolved: number }> {
  const response = await fetch(`${reportingUrl}/v1/reports/tthc?period=${quarter}${agencyCode ? `&agency=${agencyCode}` : ""}`, { headers: { authorization } });
  if (!response.ok) throw new Error(`report ${quarter}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { totals: { received: { total: number }; resolved: { total: number } } };
  return { received: body.totals.received.total, resolved: body.totals.resolved.total };
}

export function quarterOf(ms: number): string {
  const local = new Date(ms + 7 * 3_600_000);
  return `${local.getUTCFullYear()}-Q${Math.floor(local.getUTCMonth() / 3) + 1}`;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
