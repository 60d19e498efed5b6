import {
  Level,
  type GetIndicators766Response,
  type GetQuarterlyReportResponse,
  type GetTthcReportResponse,
  type IndicatorGroup,
  type IndicatorItem,
  type InvariantCheck,
  type Period,
  type Ratio,
  type SectorRef,
  type TthcRow,
} from "@onestop/contracts";
import type { ReportQueries } from "../../app/reports.js";

// The answers of the report queries' public methods, whatever they compute them from.
type TthcAnswer = Awaited<ReturnType<ReportQueries["tthc"]>>;
type QuarterlyAnswer = Awaited<ReturnType<ReportQueries["quarterly"]>>;
type IndicatorsAnswer = Awaited<ReturnType<ReportQueries["indicators"]>>;
type FormCounts = TthcAnswer["report"]["totals"];
type FormCheck = TthcAnswer["report"]["checks"][number];
type DomainRatio = QuarterlyAnswer["report"]["total"]["onTime"];
type DomainIndicator = IndicatorsAnswer["report"]["items"][number];

const periodMessage = ({ from, to }: { from: string; to: string }): Period => ({ from, to });

/** A domain ratio (a fraction, null without denominator) as the contract's (percent, absent without denominator). */
function ratioMessage({ numerator, denominator, rate }: DomainRatio): Ratio {
  return rate === null ? { numerator, denominator } : { numerator, denominator, percent: rate * 100 };
}

/**
 * The statistics form. Not in the contract: the REST answer's `frozen` restatement, `awaitingReceipt`,
 * the split of (15) into refused / withdrawn / closed, and the count of inconsistent dossiers (which
 * still shows as the failing `noInconsistentFacts` check).
 */
export function tthcResponse({ report, asOf, lagEvents }: TthcAnswer): GetTthcReportResponse {
  const rowNames = new Map(report.rows.map((row) => [row.sectorCode, row.sectorName]));
  return {
    period: periodMessage(report.period),
    rows: report.rows.map((row) => tthcRow(row, { code: row.sectorCode, name: row.sectorName })),
    total: tthcRow(report.totals, undefined),
    checks: report.checks.map((check) => invariantCheck(check, rowNames)),
    asOf,
    lagEvents,
  };
}

function tthcRow(counts: FormCounts, sector: SectorRef | undefined): TthcRow {
  const { received, resolved, pending } = counts;
  return {
    sector,
    received: { total: received.total, online: received.online, carriedOver: received.carriedOver, inPerson: received.inPerson, postal: received.postal },
    resolved: { total: resolved.total, early: resolved.early, onTime: resolved.onTime, overdue: resolved.overdue },
    pending: { total: pending.total, notDue: pending.notYetDue, overdue: pending.overdue },
    supplementRequested: counts.supplementRequested,
    returned: counts.returned.total,
    resultsByPost: counts.resultsByPost,
  };
}

/** Violations name the failing rows by their sector's name, the totals row as "Tổng cộng" (as in the XLSX form). */
function invariantCheck(check: FormCheck, rowNames: ReadonlyMap<string, string>): InvariantCheck {
  return {
    code: check.rule,
    description: check.description,
    holds: check.holds,
    violations: check.failingRows.map((row) => (row === "TOTAL" ? "Tổng cộng" : (rowNames.get(row) ?? row))),
  };
}

/**
 * The quarterly form items. `onlineServices` and `onlinePayment` are the scope's total (every
 * level, or the one asked for). The domain marks feedback not available (no PAKN events), so
 * `feedback` is left absent rather than zero, and so is `onlinePayment.proceduresIntegrated` (the
 * catalogue does not say which procedures integrate online payment); the domain checks no
 * invariant on this form, so `checks` is empty.
 */
export function quarterlyResponse({ period, report, asOf, lagEvents }: QuarterlyAnswer): GetQuarterlyReportResponse {
  const { total } = report;
  return {
    period: periodMessage(period),
    onTimeByLevel: report.byLevel.map(({ level, items }) => ({
      level: Level[`LEVEL_${level}` as const],
      resolved: items.onTime.denominator,
      onTime: items.onTime.numerator,
      rate: ratioMessage(items.onTime),
    })),
    onlineServices: {
      servicesWithOnlineDossiers: ratioMessage(total.servicesWithOnlineDossiers),
      fullOnlineDossiers: ratioMessage(total.onlineShareFullServices),
      partialOnlineDossiers: ratioMessage(total.onlineSharePartialServices),
    },
    onlinePayment: { dossiersPaidOnline: ratioMessage(total.onlinePayment) },
    checks: [],
    asOf,
    lagEvents,
  };
}

/** Decision 766's groups in its order, by the Vietnamese name the domain gives each item's group. */
const GROUPS: ReadonlyArray<{ code: string; name: string }> = [
  { code: "transparency", name: "Công khai, minh bạch" },
  { code: "progress", name: "Tiến độ giải quyết" },
  { code: "online-service", name: "Dịch vụ công trực tuyến" },
  { code: "online-payment", name: "Thanh toán trực tuyến" },
  { code: "digitisation", name: "Số hóa" },
  { code: "satisfaction", name: "Mức độ hài lòng" },
];

/**
 * The Decision 766 scores. Only computed items are available and scored; a partial item (dossier
 * satisfaction: an upper bound without complaint data) is, like in the domain's total, not counted:
 * it is not available and scores 0 here (REST shows its bound). `totalScore` is the domain's
 * computed points, out of the 100 points of every item.
 */
export function indicatorsResponse({ period, report, asOf, lagEvents }: IndicatorsAnswer): GetIndicators766Response {
  const byGroup = new Map<string, IndicatorItem[]>();
  for (const item of report.items) byGroup.set(item.group, [...(byGroup.get(item.group) ?? []), indicatorItem(item)]);
  const order = (name: string) => {
    const index = GROUPS.findIndex((group) => group.name === name);
    return index === -1 ? GROUPS.length : index;
  };
  const groups = [...byGroup].sort(([a], [b]) => order(a) - order(b)).map(([name, items]) => indicatorGroup(name, items));
  return { period: periodMessage(period), groups, totalScore: report.computedPoints, asOf, lagEvents };
}

/** A group the table does not know keeps an empty code. */
function indicatorGroup(name: string, items: IndicatorItem[]): IndicatorGroup {
  return {
    code: GROUPS.find((group) => group.name === name)?.code ?? "",
    name,
    maxPoints: items.reduce((sum, item) => sum + item.maxPoints, 0),
    score: items.reduce((sum, item) => sum + item.score, 0),
    items,
  };
}

/** `targetPercent` is 0 when the domain has no target for the item; `rate` is absent when the item is not available. */
function indicatorItem(item: DomainIndicator): IndicatorItem {
  const available = item.status === "COMPUTED";
  return {
    code: item.code,
    name: item.name,
    maxPoints: item.maxPoints,
    targetPercent: item.target === null ? 0 : item.target * 100,
    rate: available && item.measure ? ratioMessage(item.measure) : undefined,
    score: available ? (item.points ?? 0) : 0,
    available,
  };
}
