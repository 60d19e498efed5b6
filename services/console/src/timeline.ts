/**
 * A dossier's timeline from every service, in time order. Pure: each service's answer in, one
 * list out. Intake's entries come with their Vietnamese summaries (its gRPC GetDossier); liên
 * thông's bundle view, payment's payments of the dossier and digitisation's documents are read
 * field by field, so an answer that is missing (no bundle, no fee) or not understood adds nothing.
 */
import { formatDate, formatCount } from "@onestop/vn-format";

export type TimelineSource = "intake" | "lienthong" | "payment" | "digitisation";

export interface TimelineItem {
  at: string;
  source: TimelineSource;
  title: string;
  detail?: string;
  /** The agency concerned, when the event names one. */
  agencyCode?: string;
  /** For a liên thông step's answer: within its own slice of time or not. */
  slice?: "ON_TIME" | "OVERDUE" | "OPEN_OVERDUE";
}

export interface IntakeEntry {
  eventId: string;
  type: string;
  at: string;
  summary: string;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const instant = (value: unknown): string | undefined => (typeof value === "string" && !Number.isNaN(Date.parse(value)) ? value : undefined);
const text = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value : undefined);

export function intakeItems(entries: readonly IntakeEntry[]): TimelineItem[] {
  return entries.map((entry) => ({ at: entry.at, source: "intake", title: entry.summary || entry.type }));
}

/** A step of lienthong's bundle view (GET /v1/dossiers/:code/bundle). */
interface BundleStepView {
  stepCode: string;
  agencyCode: string;
  requestedAt?: string;
  dueAt?: string;
  timedOutAt?: string;
  completedAt?: string;
  refusedAt?: string;
}

/** A liên thông bundle's steps: each request (with the agency's own deadline) and its answer, on time or not within that slice. */
export function bundleItems(bundle: unknown): TimelineItem[] {
  if (!isObject(bundle) || !Array.isArray(bundle.steps)) return [];
  const items: TimelineItem[] = [];
  const code = text(bundle.bundleCode);
  const requested = instant(bundle.requestedAt);
  const bundleDue = instant(bundle.dueAt);
  if (requested)
    items.push({ at: requested, source: "lienthong", title: `Lập hồ sơ liên thông${code ? ` (nhóm ${code})` : ""}`, ...(bundleDue ? { detail: `Hạn cả nhóm: ${formatDate(bundleDue)}` } : {}) });
  for (const step of bundle.steps as BundleStepView[]) {
    if (!isObject(step)) continue;
    const name = `bước ${text(step.stepCode) ?? "?"}`;
    const agency = text(step.agencyCode) ? { agencyCode: step.agencyCode } : {};
    const dueAt = instant(step.dueAt);
    const requestedAt = instant(step.requestedAt);
    if (requestedAt)
      items.push({ at: requestedAt, source: "lienthong", title: `Gửi yêu cầu liên thông, ${name}`, ...(dueAt ? { detail: `Thời hạn phần việc của cơ quan: ${formatDate(dueAt)}` } : {}), ...agency });
    const timedOut = instant(step.timedOutAt);
    if (timedOut) items.push({ at: timedOut, source: "lienthong", title: `Quá hạn phần việc, ${name}: chưa có kết quả`, ...agency, slice: "OPEN_OVERDUE" });
    const completed = instant(step.completedAt);
    const answered = completed ?? instant(step.refusedAt);
    if (answered) {
      const late = dueAt !== undefined && Date.parse(answered) > Date.parse(dueAt);
      items.push({
        at: answered,
        source: "lienthong",
        title: `${completed ? "Hoàn thành" : "Từ chối"} ${name} (${late ? "quá hạn" : "trong hạn"} phần việc)`,
        ...agency,
        slice: late ? "OVERDUE" : "ON_TIME",
      });
    }
  }
  const done = instant(bundle.completedAt);
  if (done) items.push({ at: done, source: "lienthong", title: "Hoàn thành hồ sơ liên thông" });
  const failed = instant(bundle.failedAt);
  if (failed) items.push({ at: failed, source: "lienthong", title: "Hồ sơ liên thông không hoàn thành" });
  return items;
}

/** payment's answer to GET /v1/payments?dossierCode=…: requested, paid, failed and refunded amounts (VND). */
export function paymentItems(answer: unknown): TimelineItem[] {
  if (!isObject(answer) || !Array.isArray(answer.payments)) return [];
  const items: TimelineItem[] = [];
  for (const payment of answer.payments) {
    if (!isObject(payment)) continue;
    const money = (amount: unknown) => (typeof amount === "number" ? { detail: `${formatCount(amount)} đồng` } : {});
    const requested = instant(payment.requestedAt);
    const paid = instant(payment.paidAt);
    const failed = instant(payment.failedAt);
    const refunded = instant(payment.refundedAt);
    if (requested) items.push({ at: requested, source: "payment", title: "Yêu cầu thanh toán phí, lệ phí", ...money(payment.amount) });
    if (paid) items.push({ at: paid, source: "payment", title: "Đã thanh toán phí, lệ phí", ...money(payment.amount) });
    if (failed) items.push({ at: failed, source: "payment", title: "Thanh toán không thành công", ...money(payment.amount) });
    if (refunded) items.push({ at: refunded, source: "payment", title: "Hoàn trả phí, lệ phí", ...money(payment.refundedAmount) });
  }
  return items;
}

/** The documents digitised for the dossier's components (digitisation's GET /v1/documents/:id of each covered one). */
export function digitisationItems(documents: readonly unknown[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  for (const document of documents) {
    if (!isObject(document)) continue;
    const at = instant(document.digitisedAt);
    if (!at) continue;
    const type = text(document.componentTypeCode) ?? text(document.resultTypeCode);
    items.push({ at, source: "digitisation", title: document.kind === "RESULT" ? "Cấp kết quả điện tử" : "Số hóa thành phần hồ sơ", ...(type ? { detail: `Loại giấy tờ ${type}` } : {}) });
  }
  return items;
}

/** The document ids digitisation names for a dossier's components (its `covered` map). */
export function coveredDocumentIds(answer: unknown): string[] {
  if (!isObject(answer) || !isObject(answer.covered)) return [];
  return [...new Set(Object.values(answer.covered).filter((id): id is string => typeof id === "string"))];
}

/** All items in time order (ties: intake first, then liên thông, payment, digitisation), duplicates dropped. */
export function mergeTimeline(...lists: TimelineItem[][]): TimelineItem[] {
  const order: Record<TimelineSource, number> = { intake: 0, lienthong: 1, payment: 2, digitisation: 3 };
  const seen = new Set<string>();
  return lists
    .flat()
    .filter((item) => {
      const key = `${item.source}|${item.at}|${item.title}|${item.detail ?? ""}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || order[a.source] - order[b.source]);
}
