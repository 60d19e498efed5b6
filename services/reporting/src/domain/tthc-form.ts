/**
 * The statistics form "Thống kê kết quả giải quyết TTHC" (seed 000): one row per sector, 16
 * columns, a totals row, and each of the form's invariants checked. A pure fold over the period's
 * tally: no counters kept between events, so a late event corrects its own period.
 *
 * Choices where the form is silent: a decision (RESOLVED, approved or refused on the merits) is
 * "resolved"; refusal of the dossier (REFUSED), withdrawal and closure are (15). A dossier pending
 * at the end with its clock stopped (awaiting a supplement, paused) is "not yet due". (14) and
 * (16) count the period's own dossiers whose request / postal return happened in the period.
 */
import type { PeriodDossiers, ReportScope } from "./scope.js";
import type { Period } from "./period.js";
import type { TallyLine } from "./tally.js";

export interface FormCounts {
  /** (3) = (4) + (5) + (6) + (7) */
  received: { total: number; online: number; carriedOver: number; inPerson: number; postal: number };
  /** (8) = (9) + (10); (9) = early + onTime (seed 002 keeps both). */
  resolved: { total: number; onTimeOrEarly: number; early: number; onTime: number; overdue: number };
  /** (11) = (12) + (13) */
  pending: { total: number; notYetDue: number; overdue: number };
  /** (14) */
  supplementRequested: number;
  /** (15): refused, withdrawn, or closed without a supplement. */
  returned: { total: number; refused: number; withdrawn: number; closed: number };
  /** (16) */
  resultsByPost: number;
  /** Dossiers whose facts contradict each other: in (3) but in none of (8), (11), (15). */
  inconsistent: number;
}

export interface FormRow extends FormCounts {
  /** (1) */
  no: number;
  /** (2) */
  sectorCode: string;
  sectorName: string;
}

export interface FormCheck {
  rule: string;
  /** Vietnamese statement of the rule, for the rendering. */
  description: string;
  holds: boolean;
  /** Rows where it does not hold ("TOTAL" for the totals row). */
  failingRows: string[];
}

export interface TthcForm {
  period: Period;
  scope: ReportScope;
  rows: FormRow[];
  totals: FormCounts;
  checks: FormCheck[];
  awaitingReceipt: number;
}

export interface SectorName {
  code: string;
  name: string;
}

export function emptyCounts(): FormCounts {
  return {
    received: { total: 0, online: 0, carriedOver: 0, inPerson: 0, postal: 0 },
    resolved: { total: 0, onTimeOrEarly: 0, early: 0, onTime: 0, overdue: 0 },
    pending: { total: 0, notYetDue: 0, overdue: 0 },
    supplementRequested: 0,
    returned: { total: 0, refused: 0, withdrawn: 0, closed: 0 },
    resultsByPost: 0,
    inconsistent: 0,
  };
}

const ENTRY_COLUMN = { ONLINE: "online", CARRIED_OVER: "carriedOver", IN_PERSON: "inPerson", POSTAL: "postal" } as const;

function count(counts: FormCounts, line: TallyLine): void {
  const n = line.count;
  counts.received.total += n;
  counts.received[ENTRY_COLUMN[line.entry]] += n;
  const outcome = line.outcome;
  switch (outcome.kind) {
    case "RESOLVED":
      counts.resolved.total += n;
      if (outcome.legal === "OVERDUE") counts.resolved.overdue += n;
      else {
        counts.resolved.onTimeOrEarly += n;
        if (outcome.legal === "EARLY") counts.resolved.early += n;
        else counts.resolved.onTime += n;
      }
      break;
    case "PENDING":
      counts.pending.total += n;
      if (outcome.overdue) counts.pending.overdue += n;
      else counts.pending.notYetDue += n;
      break;
    case "RETURNED":
      counts.returned.total += n;
      counts.returned[outcome.reason === "REFUSED" ? "refused" : outcome.reason === "WITHDRAWN" ? "withdrawn" : "closed"] += n;
      break;
    case "INCONSISTENT":
      counts.inconsistent += n;
      break;
  }
  if (line.supplementRequested) counts.supplementRequested += n;
  if (line.resultByPost) counts.resultsByPost += n;
}

/** The form's invariants over one row's counts; each is a sum of independently counted cells. */
const RULES: Array<{ rule: string; description: string; holds: (c: FormCounts) => boolean }> = [
  {
    rule: "(3)=(4)+(5)+(6)+(7)",
    description: "Tổng số hồ sơ tiếp nhận = trực tuyến + kỳ trước chuyển qua + trực tiếp + bưu chính",
    holds: (c) => c.received.total === c.received.online + c.received.carriedOver + c.received.inPerson + c.received.postal,
  },
  {
    rule: "(8)=(9)+(10)",
    description: "Số hồ sơ đã giải quyết = trước hạn, đúng hạn + quá hạn",
    holds: (c) => c.resolved.total === c.resolved.onTimeOrEarly + c.resolved.overdue,
  },
  {
    rule: "(9)=early+onTime",
    description: "Giải quyết trước hạn, đúng hạn = trước hạn + đúng hạn",
    holds: (c) => c.resolved.onTimeOrEarly === c.resolved.early + c.resolved.onTime,
  },
  {
    rule: "(11)=(12)+(13)",
    description: "Số hồ sơ đang giải quyết = chưa đến hạn + quá hạn",
    holds: (c) => c.pending.total === c.pending.notYetDue + c.pending.overdue,
  },
  {
    rule: "(3)=(8)+(11)+(15)",
    description: "Mỗi hồ sơ của kỳ ở đúng một trong: đã giải quyết, đang giải quyết, trả lại/rút",
    holds: (c) => c.received.total === c.resolved.total + c.pending.total + c.returned.total,
  },
  {
    rule: "(15)=refused+withdrawn+closed",
    description: "Số hồ sơ trả lại = từ chối + rút + dừng xử lý",
    holds: (c) => c.returned.total === c.returned.refused + c.returned.withdrawn + c.returned.closed,
  },
];

function sumRows(rows: FormCounts[]): FormCounts {
  const total = emptyCounts();
  for (const row of rows) {
    for (const group of ["received", "resolved", "pending", "returned"] as const) {
      const into = total[group] as Record<string, number>;
      for (const [key, value] of Object.entries(row[group])) into[key] = (into[key] ?? 0) + value;
    }
    total.supplementRequested += row.supplementRequested;
    total.resultsByPost += row.resultsByPost;
    total.inconsistent += row.inconsistent;
  }
  return total;
}

/**
 * Builds the form. `sectors` gives the rows' order and Vietnamese names (from the catalogue); a
 * sector met in the facts but missing there gets a row under its code.
 */
export function tthcForm(input: PeriodDossiers, sectors: readonly SectorName[]): TthcForm {
  const bySector = new Map<string, FormCounts>();
  const totals = emptyCounts();
  for (const line of input.lines) {
    let counts = bySector.get(line.sectorCode);
    if (!counts) bySector.set(line.sectorCode, (counts = emptyCounts()));
    count(counts, line);
    count(totals, line);
  }
  const known = new Set(sectors.map((sector) => sector.code));
  const ordered = [
    ...sectors.filter((sector) => bySector.has(sector.code)),
    ...[...bySector.keys()]
      .filter((code) => !known.has(code))
      .sort()
      .map((code) => ({ code, name: code })),
  ];
  const rows = ordered.map((sector, index) => ({ no: index + 1, sectorCode: sector.code, sectorName: sector.name, ...bySector.get(sector.code)! }));

  const checks: FormCheck[] = RULES.map(({ rule, description, holds }) => {
    const failingRows = [...rows.filter((row) => !holds(row)).map((row) => row.sectorCode), ...(holds(totals) ? [] : ["TOTAL"])];
    return { rule, description, holds: failingRows.length === 0, failingRows };
  });
  const summed = sumRows(rows);
  checks.push({
    rule: "TOTAL=sum(rows)",
    description: "Dòng tổng cộng = tổng các dòng lĩnh vực",
    holds: JSON.stringify(summed) === JSON.stringify(totals),
    failingRows: JSON.stringify(summed) === JSON.stringify(totals) ? [] : ["TOTAL"],
  });
  checks.push({
    rule: "noInconsistentFacts",
    description: "Không có hồ sơ nào có dữ liệu mâu thuẫn",
    holds: totals.inconsistent === 0,
    failingRows: rows.filter((row) => row.inconsistent > 0).map((row) => row.sectorCode),
  });
  return { period: input.period, scope: input.scope, rows, totals, checks, awaitingReceipt: input.awaitingReceipt };
}
