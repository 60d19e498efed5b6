/** The console's JSON: /api (the console itself) and /v1 (forwarded to the owning service as the signed-in person). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: Array<{ path: string; message: string }> = [],
  ) {
    super(detail);
  }
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: "application/json" }, credentials: "same-origin" });
  return answer<T>(response);
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
  return answer<T>(response);
}

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      typeof body.title === "string" ? body.title : `Lỗi ${response.status}`,
      typeof body.detail === "string" ? body.detail : "Không thực hiện được yêu cầu",
      Array.isArray(body.errors) ? (body.errors as Array<{ path: string; message: string }>) : [],
    );
  }
  return body as T;
}

export interface Ratio {
  numerator: number;
  denominator: number;
  rate: number | null;
}

export interface Viewer {
  name: string;
  username?: string;
  roles: string[];
  /** The roles in words (the console's labels). */
  roleNames: string[];
  jurisdiction?: string;
}

export type QuarterView =
  | {
      kind: "report";
      year: number;
      quarter: number;
      period: { from: string; to: string };
      scope: string;
      asOf?: string;
      lagEvents?: number;
      totals: { received: { total: number; online: number }; resolved: { total: number; onTimeOrEarly: number; overdue: number }; pending: { total: number; overdue: number } };
      items: { onTime: Ratio; onlineShareFullServices: Ratio; onlineSharePartialServices: Ratio; onlinePayment: Ratio };
    }
  | { kind: "forbidden"; detail?: string }
  | { kind: "unavailable"; detail: string };

export interface Home {
  viewer: Viewer;
  report: QuarterView;
  status?: { services: Array<{ name: string; url: string; ready: boolean; detail: string }>; streams: Array<{ name: string; subjects: string[]; messages: number; consumers: number }> };
  at: string;
}

export interface DelayedDossier {
  dossierCode: string;
  procedureCode: string;
  sectorCode: string;
  level: "PROVINCE" | "DISTRICT" | "COMMUNE";
  agencyCode: string;
  receivingAgencyCode: string;
  receivedAt: string;
  heldSince: string;
  state: "PROCESSING" | "AWAITING_SUPPLEMENT" | "PAUSED";
  stateSince: string;
  originalDueAt: string;
  dueAt: string | null;
  extended: boolean;
  lastEventAt: string;
  status: "OVERDUE" | "AT_RISK";
  overdueWorkingDays: number;
  workingDaysLeft: number;
  idleWorkingDays: number;
}

export interface DelayedPage {
  asOf: string;
  lagEvents: number;
  total: number;
  counts: { overdue: number; atRisk: number };
  dossiers: DelayedDossier[];
  nextPageToken?: string;
}

export interface Procedure {
  code: string;
  name: string;
  sectorCode: string;
  sectorName: string;
}

export interface Agency {
  code: string;
  name: string;
  level?: string;
}

export interface TimelineItem {
  at: string;
  source: "intake" | "lienthong" | "payment" | "digitisation";
  title: string;
  detail?: string;
  agencyCode?: string;
  slice?: "ON_TIME" | "OVERDUE" | "OPEN_OVERDUE";
}

export interface DossierTimeline {
  dossier: {
    code: string;
    procedureCode: string;
    procedureName: string;
    sectorCode: string;
    agencyCode: string;
    agencyName: string;
    receivedAt: string;
    originalDueAt: string;
    dueAt: string;
    resolvedAt: string;
    deadlineExtended: boolean;
    supplementRequests: number;
  };
  sources: Record<"intake" | "lienthong" | "payment" | "digitisation", boolean>;
  timeline: TimelineItem[];
}

export interface ApologyLetter {
  form: string;
  header: { parent: string; agency: string; number: string; motto: string; slogan: string; placeAndDate: string };
  title: string;
  addressee: string;
  paragraphs: string[];
  closing: string;
  signature: { role: string; note: string };
  recipients: string[];
}

export type ApologyWindow =
  | { open: true; dueDate: string; latestSendDate: string; earliestNewDueDate: string }
  | { open: false; rule: "ONE_EXTENSION" | "LATE_APOLOGY" | "NOT_RUNNING"; message: string; dueDate?: string; latestSendDate?: string };

/** The console's answer about a dossier's apology: the letter once issued, and whether one may still be. */
export interface Apology {
  letter: ApologyLetter | null;
  window: ApologyWindow;
}
