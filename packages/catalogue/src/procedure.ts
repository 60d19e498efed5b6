/** Administrative levels. DISTRICT exists only before 1 July 2025 (the district level was abolished). */
export const LEVELS = ["PROVINCE", "DISTRICT", "COMMUNE"] as const;
export type Level = (typeof LEVELS)[number];

export const TIME_UNITS = ["WORKING_DAYS", "DAYS"] as const;
/** WORKING_DAYS: ngày làm việc. DAYS: ngày (calendar days, Civil Code art. 147-148). Never assume one. */
export type TimeUnit = (typeof TIME_UNITS)[number];

export const ONLINE_MODES = ["FULL", "PARTIAL", "NONE"] as const;
/** FULL: dịch vụ công trực tuyến toàn trình; PARTIAL: một phần (submission online only); NONE: in person or by post. */
export type OnlineMode = (typeof ONLINE_MODES)[number];

export const RESULT_TYPES = ["PAPER", "ELECTRONIC"] as const;
export type ResultType = (typeof RESULT_TYPES)[number];

export const BUNDLE_CODES = ["BIRTH", "DEATH"] as const;
/** The two procedure bundles of Decree 63/2024 (nhóm TTHC liên thông). */
export type BundleCode = (typeof BUNDLE_CODES)[number];

/**
 * A procedure's time limit. Same-day procedures (resolved on the day of receipt; after 15:00 the next
 * working day) have amount 0 and sameDay true; any other procedure has amount >= 1 and sameDay false.
 */
export interface TimeLimit {
  amount: number;
  unit: TimeUnit;
  sameDay: boolean;
}

/** One charge that may apply to a dossier. An explicit amount of 0 records a free procedure or case. */
export interface FeeLine {
  code: string;
  name: string;
  /** VND, whole number >= 0. */
  amount: number;
  /** VND when filed online, where a rule lowers it (e.g. a province halves fees for online filing). */
  onlineAmount?: number;
  /** What the amount is counted per when not per dossier, e.g. "trang", "bản". */
  per?: string;
  /** When this line applies, in Vietnamese, e.g. "Đăng ký trong 60 ngày kể từ ngày sinh". */
  condition?: string;
}

export interface Procedure {
  /** National procedure code (mã thủ tục), e.g. "1.001193". */
  code: string;
  /** False when the code could not be checked against a published list; `note` then says why. */
  codeVerified: boolean;
  name: string;
  sectorCode: string;
  sectorName: string;
  /** Every level that handles (or handled) the procedure; DISTRICT only for handling before 1/7/2025. */
  levels: Level[];
  timeLimit: TimeLimit;
  onlineMode: OnlineMode;
  fees: FeeLine[];
  /** Exemption rules in Vietnamese (who pays nothing and under which text). */
  feeExemptions: string[];
  resultType: ResultType;
  bundleCode?: BundleCode;
  /** The step the procedure is in its bundle, 1-based; present exactly when bundleCode is. */
  bundleStep?: number;
  /** Sources and anything not verified. */
  note?: string;
}

/** The shape `GET /v1/procedures` returns, one per procedure. */
export interface ProcedureSummary {
  code: string;
  name: string;
  sectorCode: string;
  levels: Level[];
  timeLimit: TimeLimit;
  onlineMode: OnlineMode;
  fees: FeeLine[];
  resultType: ResultType;
  bundleCode?: BundleCode;
}

export function summarize(procedure: Procedure): ProcedureSummary {
  const summary: ProcedureSummary = {
    code: procedure.code,
    name: procedure.name,
    sectorCode: procedure.sectorCode,
    levels: [...procedure.levels],
    timeLimit: { ...procedure.timeLimit },
    onlineMode: procedure.onlineMode,
    fees: procedure.fees.map((fee) => ({ ...fee })),
    resultType: procedure.resultType,
  };
  if (procedure.bundleCode !== undefined) summary.bundleCode = procedure.bundleCode;
  return summary;
}
