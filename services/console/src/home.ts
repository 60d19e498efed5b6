import type { Principal } from "@onestop/auth";
import type { AgencyRegistry } from "@onestop/catalogue";
import type { Forwarder } from "./forward.js";
import type { QuarterView, Ratio, Viewer } from "./page.js";
import type { Session } from "./sessions.js";

/** Today in Vietnam (UTC+7), "YYYY-MM-DD". */
export function vietnamToday(now: Date): string {
  return new Date(now.getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** The caller's agency or province in words, from the registry as it stands today. */
export function jurisdictionOf(principal: Principal, registry: AgencyRegistry, today: string): string | undefined {
  if (principal.agencyCode) return agencyLabel(principal.agencyCode, registry, today);
  if (principal.unitCode) {
    const unit = registry.unitSuccessorAt(principal.unitCode, today) ?? registry.unit(principal.unitCode);
    return unit ? `${unit.name}, toàn tỉnh (mã ${principal.unitCode})` : `Đơn vị hành chính mã ${principal.unitCode}`;
  }
  return undefined;
}

function agencyLabel(code: string, registry: AgencyRegistry, today: string): string {
  const agency = registry.successorAt(code, today) ?? registry.agency(code);
  return agency ? `${agency.name} (${agency.code})` : `Cơ quan mã ${code}`;
}

export function viewerOf(session: Session, registry: AgencyRegistry, today: string): Viewer {
  const { principal } = session;
  const jurisdiction = jurisdictionOf(principal, registry, today);
  return {
    name: session.name ?? principal.username ?? principal.subject,
    ...(principal.username ? { username: principal.username } : {}),
    roles: principal.roles,
    ...(jurisdiction ? { jurisdiction } : {}),
  };
}

interface TthcAnswer {
  asOf?: string;
  lagEvents?: number;
  totals: { received: { total: number; online: number }; resolved: { total: number; onTimeOrEarly: number; overdue: number }; pending: { total: number; overdue: number } };
}
interface QuarterlyAnswer {
  asOf?: string;
  lagEvents?: number;
  period: { from: string; to: string };
  scope: { agencyCode?: string };
  total: { onTime: Ratio; onlineShareFullServices: Ratio; onlineSharePartialServices: Ratio; onlinePayment: Ratio };
}

/**
 * The current quarter's figures as the signed-in person may see them, through the forward: the
 * console asks for no scope and reporting narrows it to theirs (an agency's viewer gets their
 * agency; a province operator the province), or refuses (403).
 */
export async function quarterOf(forwarder: Forwarder, session: Session, registry: AgencyRegistry, now: Date): Promise<QuarterView | "signed-out"> {
  const today = vietnamToday(now);
  const year = Number(today.slice(0, 4));
  const quarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3) + 1;
  const [quarterly, tthc] = await Promise.all([
    forwarder.call(session, "reporting", `/v1/reports/quarterly?year=${year}&quarter=${quarter}`, { headers: { accept: "application/json" } }),
    forwarder.call(session, "reporting", `/v1/reports/tthc?period=${year}-Q${quarter}`, { headers: { accept: "application/json" } }),
  ]);
  if (quarterly.kind === "signed-out" || tthc.kind === "signed-out") return "signed-out";
  if (quarterly.kind === "unreachable" || tthc.kind === "unreachable") return { kind: "unavailable", detail: "dịch vụ báo cáo không trả lời." };
  for (const { response } of [quarterly, tthc]) {
    if (response.status === 403) {
      const body = (await response.json().catch(() => ({}))) as { detail?: unknown };
      return { kind: "forbidden", ...(typeof body.detail === "string" ? { detail: body.detail } : {}) };
    }
    if (!response.ok) return { kind: "unavailable", detail: `dịch vụ báo cáo trả lời mã ${response.status}.` };
  }
  const form = (await quarterly.response.json()) as QuarterlyAnswer;
  const counts = (await tthc.response.json()) as TthcAnswer;
  const scope = form.scope.agencyCode ? agencyLabel(form.scope.agencyCode, registry, today) : provinceWide(session.principal, registry, today);
  return {
    kind: "report",
    year,
    quarter,
    period: form.period,
    scope,
    ...(form.asOf ? { asOf: form.asOf } : {}),
    ...(form.lagEvents !== undefined ? { lagEvents: form.lagEvents } : {}),
    totals: { received: counts.totals.received, resolved: counts.totals.resolved, pending: counts.totals.pending },
    items: form.total,
  };
}

function provinceWide(principal: Principal, registry: AgencyRegistry, today: string): string {
  const unit = principal.unitCode ? (registry.unitSuccessorAt(principal.unitCode, today) ?? registry.unit(principal.unitCode)) : undefined;
  return unit ? `Toàn tỉnh: ${unit.name} (mọi cơ quan)` : "Mọi cơ quan";
}
