import type { Extension, Pause, SupplementRequest, TimeLimit, Transfer } from "@onestop/calendar";

/** Kênh tiếp nhận: how the dossier reached the desk. */
export type Channel = "ONLINE" | "IN_PERSON" | "POSTAL";
/** Dịch vụ công trực tuyến toàn trình / một phần. */
export type OnlineMode = "FULL" | "PARTIAL";
export type Level = "PROVINCE" | "DISTRICT" | "COMMUNE";

export type DossierStatus =
  | "PROCESSING" // đang xử lý
  | "SUPPLEMENT_REQUESTED" // yêu cầu bổ sung
  | "PAUSED" // tạm dừng (chờ ý kiến, nghĩa vụ tài chính)
  | "RESOLVED" // giải quyết xong
  | "RESULT_RETURNED" // đã trả kết quả
  | "REFUSED" // trả lại / từ chối
  | "WITHDRAWN" // rút hồ sơ
  | "CLOSED"; // dừng xử lý: không bổ sung trong hạn

export type Outcome = "APPROVED" | "REFUSED";
export type ResultChannel = "IN_PERSON" | "POSTAL" | "ONLINE";
/** Mức độ hài lòng: 1 (lowest) to RATING_MAX, the portal's scale. */
export const RATING_MAX = 5;

/** Personal data: never logged unmasked. */
export interface Applicant {
  idNumber: string;
  fullName: string;
  phone?: string;
  email?: string;
}

export interface Component {
  typeCode: string;
  name: string;
  reused: boolean;
}

export interface Fee {
  code: string;
  amount: number;
}

/** A move to another deciding agency, as the shared clock fold records it. */
export type { Transfer };

/** One entry per accepted event: the dossier's history, also its dedupe record. */
export interface TimelineEntry {
  eventId: string;
  type: DossierEventType;
  at: string;
  details?: Record<string, unknown>;
}

/**
 * A dossier as raw facts. Due dates and verdicts are derived from these (domain/deadlines.ts),
 * never stored as flags, so the legal view and the indicator view cannot drift apart.
 */
export interface Dossier {
  code: string;
  procedureCode: string;
  sectorCode: string;
  /** The deciding agency (cơ quan có thẩm quyền giải quyết); indicators are attributed to it. */
  agencyCode: string;
  level: Level;
  /** The desk that received it (bộ phận một cửa), which may differ from the deciding agency. */
  receivingUnitCode: string;
  channel: Channel;
  onlineMode?: OnlineMode;
  receivedAt: string;
  applicant: Applicant;
  components: Component[];
  fees: Fee[];
  timeLimit: TimeLimit;
  /** The due date printed on the receipt (ngày hẹn trả). */
  originalDueAt: string;
  status: DossierStatus;
  supplements: SupplementRequest[];
  pauses: Pause[];
  extensions: Extension[];
  transfers: Transfer[];
  resolution?: { outcome: Outcome; at: string };
  resultReturn?: { at: string; channel: ResultChannel; electronic: boolean };
  /** Refused, withdrawn or closed: when it left processing without a decision. */
  endedAt?: string;
  rating?: number;
  timeline: TimelineEntry[];
  /** A liên thông bundle's filing: the bundle (BIRTH, DEATH); lienthong routes its steps. */
  bundleCode?: string;
  /** The bundle's steps' results, one per step, set when lienthong resolves it. Outputs are PERSONAL DATA. */
  bundleResults?: BundleStepResult[];
}

/** One step's result of a bundle, as lienthong reports it on RESOLVED. */
export interface BundleStepResult {
  stepCode: string;
  procedureCode: string;
  agencyCode: string;
  completedAt: string;
  resultNumber?: string;
  outputs: Record<string, string>;
}

const DOSSIER_EVENT_TYPES = [
  "RECEIVED",
  "SUPPLEMENT_REQUESTED",
  "SUPPLEMENT_RECEIVED",
  "PAUSED",
  "RESUMED",
  "DEADLINE_EXTENDED",
  "TRANSFERRED",
  "RESOLVED",
  "RESULT_RETURNED",
  "REFUSED",
  "WITHDRAWN",
  "CLOSED",
  "EVALUATED",
] as const;
export type DossierEventType = (typeof DOSSIER_EVENT_TYPES)[number];
export type LifecycleEventType = Exclude<DossierEventType, "RECEIVED">;
