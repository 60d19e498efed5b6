import { formatInstant, type Instant, type NonWorkingDay as CalendarDay } from "@onestop/calendar";
import type { Agency as RegistryAgency, ProcedureSummary } from "@onestop/catalogue";
import {
  Channel,
  DossierStatus,
  FeeKind,
  Level,
  OnlineMode,
  Outcome,
  PauseReason,
  PortalStatus,
  Timeliness,
  TimeUnit,
  type Agency,
  type Dossier,
  type EventType,
  type NonWorkingDay,
  type Pause,
  type Procedure,
  type RecordDossierEventResponse,
  type SubmitDossierResponse,
  type TimelineEntry,
} from "@onestop/contracts";
import type { DossierView, SubmitResult } from "../../app/intake.js";
import type { DossierEventType, DossierStatus as Status } from "../../domain/dossier.js";

// Proto enum values are looked up by their full name (`Level[`LEVEL_${level}`]`), so a domain value
// without a proto counterpart is a compile error rather than a silent UNSPECIFIED.

/** "TIME_UNIT_DAYS" -> "DAYS"; unspecified or unrecognized -> undefined. */
export function shortName(json: string, prefix: string): string | undefined {
  return json.startsWith(prefix) && !json.endsWith("_UNSPECIFIED") ? json.slice(prefix.length) : undefined;
}

export function receiptMessage({ created, receipt }: SubmitResult): SubmitDossierResponse {
  return {
    code: receipt.code,
    status: DossierStatus[`DOSSIER_STATUS_${receipt.status}` as const],
    receivedAt: receipt.receivedAt,
    dueAt: receipt.dueAt,
    replayed: !created,
  };
}

export function eventAnswer(view: DossierView, eventId: string, applied: boolean): RecordDossierEventResponse {
  return { dossierCode: view.code, eventId, status: DossierStatus[`DOSSIER_STATUS_${view.status}` as const], dueAt: view.dueAt ?? "", applied };
}

/** The GET view as the contract's Dossier; `now` decides whether an unresolved dossier is overdue. */
export function dossierMessage(view: DossierView, now: Date): Dossier {
  return {
    code: view.code,
    procedureCode: view.procedureCode,
    sectorCode: view.sectorCode,
    agencyCode: view.agencyCode,
    receivingUnitCode: view.receivingUnitCode,
    level: Level[`LEVEL_${view.level}` as const],
    channel: Channel[`CHANNEL_${view.channel}` as const],
    // As in the received event: no online mode means not online.
    onlineMode: view.onlineMode ? OnlineMode[`ONLINE_MODE_${view.onlineMode}` as const] : OnlineMode.ONLINE_MODE_NONE,
    status: DossierStatus[`DOSSIER_STATUS_${view.status}` as const],
    portalStatus: portalStatusOf(view),
    applicant: { idNumber: view.applicant.idNumber, fullName: view.applicant.fullName, phone: view.applicant.phone ?? "", email: view.applicant.email ?? "" },
    components: view.components.map((c) => ({ typeCode: c.typeCode, name: c.name, reused: c.reused, documentId: "" })),
    // Intake keeps each line's code and amount only; names and kinds are in the catalogue.
    fees: view.fees.map((f) => ({ code: f.code, amount: f.amount, name: "", kind: FeeKind.FEE_KIND_UNSPECIFIED, waiverReason: "" })),
    receivedAt: view.receivedAt,
    originalDueAt: view.originalDueAt,
    dueAt: view.dueAt ?? "", // empty while the clock is stopped
    pauses: pausesOf(view),
    resolvedAt: view.resolution?.at ?? "",
    outcome: view.resolution ? Outcome[`OUTCOME_${view.resolution.outcome}` as const] : Outcome.OUTCOME_UNSPECIFIED,
    resultReturnedAt: view.resultReturn?.at ?? "",
    legalTimeliness: legalTimeliness(view, now),
    // The indicator's verdict needs the resolution time (supplement and pause time subtracted from it):
    // unspecified until the dossier is resolved.
    indicatorTimeliness: view.verdicts ? Timeliness[`TIMELINESS_${view.verdicts.indicator.verdict}` as const] : Timeliness.TIMELINESS_UNSPECIFIED,
    supplementRequests: view.supplements.length,
    deadlineExtended: view.extensions.length > 0,
    bundleCode: "",
    timeline: view.timeline.map(timelineEntry),
    // The document starts at version 1 with the receipt; each accepted event adds one entry and one version.
    version: view.timeline.length,
  };
}

const OPEN_STATUSES: readonly Status[] = ["PROCESSING", "SUPPLEMENT_REQUESTED", "PAUSED"];

/** Resolved: the legal verdict. Still open: overdue once its due time passed. Ended without a decision: unspecified. */
function legalTimeliness(view: DossierView, now: Date): Timeliness {
  if (view.verdicts) return Timeliness[`TIMELINESS_${view.verdicts.legal.verdict}` as const];
  if (!OPEN_STATUSES.includes(view.status)) return Timeliness.TIMELINESS_UNSPECIFIED;
  const overdue = view.dueAt !== null && now.getTime() > Date.parse(view.dueAt);
  return overdue ? Timeliness.TIMELINESS_PENDING_OVERDUE : Timeliness.TIMELINESS_PENDING_NOT_DUE;
}

/** The national portal's status codes; "processing stopped" (8) covers a refusal and a closure. */
const PORTAL_STATUS: Record<Exclude<Status, "PAUSED">, PortalStatus> = {
  PROCESSING: PortalStatus.PORTAL_STATUS_PROCESSING,
  SUPPLEMENT_REQUESTED: PortalStatus.PORTAL_STATUS_SUPPLEMENT_REQUESTED,
  RESOLVED: PortalStatus.PORTAL_STATUS_RESOLVED,
  RESULT_RETURNED: PortalStatus.PORTAL_STATUS_RESULT_RETURNED,
  REFUSED: PortalStatus.PORTAL_STATUS_STOPPED,
  WITHDRAWN: PortalStatus.PORTAL_STATUS_WITHDRAWN,
  CLOSED: PortalStatus.PORTAL_STATUS_STOPPED,
};

function portalStatusOf(view: DossierView): PortalStatus {
  if (view.status !== "PAUSED") return PORTAL_STATUS[view.status];
  // The portal knows the financial-obligation pause (6) but not the wait for another agency's opinion.
  return view.pauses.at(-1)?.reason === "FINANCIAL_OBLIGATION" ? PortalStatus.PORTAL_STATUS_FINANCIAL_OBLIGATION_REQUESTED : PortalStatus.PORTAL_STATUS_PROCESSING;
}

/** Supplement waits and other pauses, in time order; `to` empty while open. */
function pausesOf(view: DossierView): Pause[] {
  const supplements = view.supplements.map((s) => ({
    reason: PauseReason.PAUSE_REASON_UNSPECIFIED,
    supplement: true,
    from: instantText(s.requestedAt),
    to: s.returnedAt ? instantText(s.returnedAt) : "",
  }));
  const pauses = view.pauses.map((p) => ({
    reason: PauseReason[`PAUSE_REASON_${p.reason}` as const],
    supplement: false,
    from: instantText(p.from),
    to: p.to ? instantText(p.to) : "",
  }));
  return [...supplements, ...pauses].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
}

/** Instants are kept as received (offset included); a Date gets Vietnam's offset. */
const instantText = (instant: Instant) => (typeof instant === "string" ? instant : formatInstant(instant));

/** One-line Vietnamese summaries: no reason text, which may hold personal data. */
const SUMMARY: Record<DossierEventType, string> = {
  RECEIVED: "Tiếp nhận hồ sơ",
  SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
  SUPPLEMENT_RECEIVED: "Nhận hồ sơ bổ sung",
  PAUSED: "Tạm dừng xử lý hồ sơ",
  RESUMED: "Tiếp tục xử lý hồ sơ",
  DEADLINE_EXTENDED: "Gia hạn ngày hẹn trả kết quả",
  TRANSFERRED: "Chuyển hồ sơ đến cơ quan khác",
  RESOLVED: "Giải quyết xong hồ sơ",
  RESULT_RETURNED: "Trả kết quả",
  REFUSED: "Trả lại hồ sơ",
  WITHDRAWN: "Rút hồ sơ",
  CLOSED: "Dừng xử lý: không bổ sung hồ sơ trong hạn",
  EVALUATED: "Đánh giá mức độ hài lòng",
};

/** Intake does not keep when an event was recorded: `recordedAt` stays empty. */
function timelineEntry(entry: DossierView["timeline"][number]): TimelineEntry {
  return { eventId: entry.eventId, type: eventTypeOf(entry.type), at: entry.at, recordedAt: "", summary: SUMMARY[entry.type] };
}

/** "SUPPLEMENT_REQUESTED" -> "vn.onestop.dossier.supplement_requested.v1", checked against the contracts' event types. */
function eventTypeOf(type: DossierEventType): EventType {
  return `vn.onestop.dossier.${type.toLowerCase() as Lowercase<DossierEventType>}.v1`;
}

export function procedureMessage(summary: ProcedureSummary): Procedure {
  const { timeLimit } = summary;
  return {
    code: summary.code,
    name: summary.name,
    sectorCode: summary.sectorCode,
    levels: summary.levels.map((level) => Level[`LEVEL_${level}` as const]),
    timeLimit: { amount: timeLimit.amount, unit: TimeUnit[`TIME_UNIT_${timeLimit.unit}` as const], sameDay: timeLimit.sameDay },
    onlineMode: OnlineMode[`ONLINE_MODE_${summary.onlineMode}` as const],
    // The catalogue does not classify fee against charge; `condition` is not a waiver reason.
    fees: summary.fees.map((f) => ({ code: f.code, amount: f.amount, name: f.name, kind: FeeKind.FEE_KIND_UNSPECIFIED, waiverReason: "" })),
    resultType: summary.resultType,
    bundleCode: summary.bundleCode ?? "",
  };
}

export function agencyMessage(agency: RegistryAgency): Agency {
  return {
    code: agency.code,
    name: agency.name,
    level: Level[`LEVEL_${agency.level}` as const],
    unitCode: agency.unitCode,
    validFrom: agency.validFrom,
    validTo: agency.validTo ?? "",
    successorCode: agency.successorCode ?? "",
  };
}

export const nonWorkingDayMessage = ({ date, reason }: CalendarDay): NonWorkingDay => ({ date, reason });
