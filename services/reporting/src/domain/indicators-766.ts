/**
 * The national indicator set of Decision 766/QĐ-TTg (100 points). Score per item: full points when
 * the rate reaches the target T, otherwise rate × points / T. Only items that dossier events can
 * give are computed; the others are listed as not available with the reason.
 */
import { onlinePaymentOf, type ProcedureInfo } from "./quarterly-form.js";
import { ratio, type Ratio } from "./ratio.js";
import type { PeriodDossiers } from "./scope.js";
import { countOf, type TallyLine } from "./tally.js";

/**
 * Targets T as fractions. Progress 100% matches seed 002 (98,54% gave 19,6/20 points); the
 * digitisation targets 80% and dossier satisfaction 90% are the primer's; the online service,
 * electronic result and dossiers-paid-online targets are not in our sources: 100%, configuration, to verify.
 */
export interface IndicatorTargets {
  progress: number;
  onlineService: number;
  dossiersPaidOnline: number;
  electronicResults: number;
  digitisedWithEResult: number;
  dataReuse: number;
  dossierSatisfaction: number;
}

export const DEFAULT_TARGETS: IndicatorTargets = {
  progress: 1,
  onlineService: 1,
  dossiersPaidOnline: 1,
  electronicResults: 1,
  digitisedWithEResult: 0.8,
  dataReuse: 0.8,
  dossierSatisfaction: 0.9,
};

export type ItemStatus = "COMPUTED" | "PARTIAL" | "NOT_AVAILABLE";

export interface IndicatorItem {
  group: string;
  code: string;
  /** Vietnamese name. */
  name: string;
  maxPoints: number;
  target: number | null;
  status: ItemStatus;
  measure?: Ratio;
  /** rate used for the score (for PARTIAL: an upper bound). */
  rate?: number | null;
  points?: number | null;
  note?: string;
}

export interface Indicators766 {
  items: IndicatorItem[];
  /** Points of the computed items, out of `computedMaxPoints`. */
  computedPoints: number;
  computedMaxPoints: number;
}

export function score(rate: number | null, target: number, maxPoints: number): number | null {
  if (rate === null) return null;
  return rate >= target ? maxPoints : (rate * maxPoints) / target;
}

const NOT_YET: Array<[group: string, code: string, name: string, points: number, target: number | null, reason: string]> = [
  ["Công khai, minh bạch", "publishedOnTime", "Công bố, công khai TTHC đúng hạn", 6, null, "Cần dữ liệu công bố TTHC, không có trên luồng hồ sơ."],
  ["Công khai, minh bạch", "publicOnTime", "Công khai TTHC đúng hạn", 4, null, "Cần dữ liệu công bố TTHC, không có trên luồng hồ sơ."],
  ["Công khai, minh bạch", "complete", "Công khai đầy đủ", 2, null, "Cần dữ liệu công bố TTHC, không có trên luồng hồ sơ."],
  ["Công khai, minh bạch", "syncedToPortal", "Đồng bộ hồ sơ lên Cổng DVC quốc gia", 6, null, "Cần sự kiện đồng bộ với Cổng DVC quốc gia."],
  ["Thanh toán trực tuyến", "proceduresIntegrated", "TTHC tích hợp thanh toán trực tuyến", 2, 0.8, "Cần danh mục TTHC đã tích hợp thanh toán trực tuyến, không có trong danh mục báo cáo."],
  ["Thanh toán trực tuyến", "proceduresPaidOnline", "TTHC có phát sinh thanh toán trực tuyến", 2, 0.8, "Cần danh mục TTHC có thu phí, lệ phí, không có trong danh mục báo cáo."],
  ["Số hóa", "eCertifiedCopies", "Bản sao điện tử chứng thực", 2, null, "Không có sự kiện chứng thực bản sao điện tử trên luồng DIGITISATION."],
  ["Số hóa", "citizenDataStore", "Kết nối kho dữ liệu của công dân", 4, null, "Không có dữ liệu về kho dữ liệu công dân."],
  ["Số hóa", "populationDbProcedures", "TTHC kết nối Cơ sở dữ liệu quốc gia về dân cư", 2, null, "Không có dữ liệu kết nối CSDL dân cư."],
  ["Số hóa", "populationDbDossiers", "Hồ sơ sử dụng Cơ sở dữ liệu quốc gia về dân cư", 2, null, "Không có dữ liệu kết nối CSDL dân cư."],
  ["Mức độ hài lòng", "feedbackOnTime", "Xử lý phản ánh, kiến nghị trong 15 ngày làm việc", 6, null, "Chưa có sự kiện phản ánh, kiến nghị (PAKN)."],
  ["Mức độ hài lòng", "feedbackSatisfaction", "Mức độ hài lòng về xử lý phản ánh, kiến nghị", 6, null, "Chưa có sự kiện phản ánh, kiến nghị (PAKN)."],
];

function computed(group: string, code: string, name: string, maxPoints: number, target: number, measure: Ratio): IndicatorItem {
  return { group, code, name, maxPoints, target, status: "COMPUTED", measure, rate: measure.rate, points: score(measure.rate, target, maxPoints) };
}

export function indicators766(input: PeriodDossiers, procedures: readonly ProcedureInfo[], targets: IndicatorTargets = DEFAULT_TARGETS): Indicators766 {
  type Resolved = TallyLine & { outcome: { kind: "RESOLVED" } };
  const resolved = input.lines.filter((line): line is Resolved => line.outcome.kind === "RESOLVED");
  const resolvedCount = countOf(resolved);
  const indicatorOnTime = countOf(resolved, (line) => line.outcome.indicator !== "OVERDUE");
  const fullOnline = new Set(procedures.filter((p) => p.onlineMode === "FULL").map((p) => p.code));
  const eligible = input.lines.filter((line) => line.entry !== "CARRIED_OVER" && fullOnline.has(line.procedureCode));
  const approved = resolved.filter((line) => line.outcome.approved);
  const electronic = countOf(approved, (line) => line.outcome.electronicResult);
  const received = input.lines.filter((line) => line.entry !== "CARRIED_OVER");

  const progress = ratio(indicatorOnTime, resolvedCount);
  const overdueRate = progress.rate === null ? null : 1 - progress.rate;
  const satisfactionUpperBound = overdueRate === null ? null : 1 - overdueRate;

  const items: IndicatorItem[] = [
    computed("Tiến độ giải quyết", "progress", "Hồ sơ giải quyết đúng hạn (trừ thời gian tạm dừng, bổ sung)", 20, targets.progress, progress),
    computed(
      "Dịch vụ công trực tuyến",
      "onlineService",
      "Hồ sơ trực tuyến toàn trình / hồ sơ của TTHC đủ điều kiện trực tuyến toàn trình",
      12,
      targets.onlineService,
      ratio(
        countOf(eligible, (line) => line.channel === "ONLINE" && line.onlineMode === "FULL"),
        countOf(eligible),
      ),
    ),
    {
      ...computed(
        "Thanh toán trực tuyến",
        "dossiersPaidOnline",
        "Hồ sơ thanh toán trực tuyến / hồ sơ tiếp nhận trong kỳ có phí, lệ phí khác 0",
        6,
        targets.dossiersPaidOnline,
        onlinePaymentOf(received),
      ),
      note: "Mục tiêu không có trong nguồn tham chiếu: dùng 100%, cần xác minh. Trực tuyến = nền tảng thanh toán quốc gia hoặc cổng thanh toán khác; không tính khoản đã hoàn trả toàn bộ.",
    },
    computed("Số hóa", "electronicResults", "Kết quả giải quyết điện tử", 6, targets.electronicResults, ratio(electronic, countOf(approved))),
    {
      ...computed(
        "Số hóa",
        "digitisedWithEResult",
        "Hồ sơ được số hóa thành phần và có kết quả điện tử / hồ sơ đã giải quyết (chấp thuận)",
        4,
        targets.digitisedWithEResult,
        ratio(
          countOf(approved, (line) => line.digitised && line.outcome.electronicResult),
          countOf(approved),
        ),
      ),
      note: "Số hóa: ít nhất một thành phần hồ sơ được số hóa; kết quả điện tử: trả hoặc cấp kết quả điện tử đến cuối kỳ. Mẫu số như chỉ tiêu kết quả điện tử.",
    },
    {
      ...computed(
        "Số hóa",
        "dataReuse",
        "Hồ sơ tái sử dụng dữ liệu, giấy tờ đã số hóa / hồ sơ tiếp nhận trong kỳ",
        2,
        targets.dataReuse,
        ratio(
          countOf(received, (line) => line.reused),
          countOf(received),
        ),
      ),
      note: "Tái sử dụng: ít nhất một giấy tờ hoặc dữ liệu đã có được dùng lại đến cuối kỳ.",
    },
    {
      group: "Mức độ hài lòng",
      code: "dossierSatisfaction",
      name: "Mức độ hài lòng trong giải quyết TTHC = 100% - (tỷ lệ quá hạn + tỷ lệ có phản ánh)",
      maxPoints: 6,
      target: targets.dossierSatisfaction,
      status: "PARTIAL",
      measure: ratio(resolvedCount - indicatorOnTime, resolvedCount),
      rate: satisfactionUpperBound,
      points: score(satisfactionUpperBound, targets.dossierSatisfaction, 6),
      note: "Chỉ trừ tỷ lệ quá hạn; tỷ lệ hồ sơ có phản ánh cần sự kiện PAKN nên giá trị là cận trên.",
    },
    ...NOT_YET.map(([group, code, name, maxPoints, target, note]): IndicatorItem => ({ group, code, name, maxPoints, target, status: "NOT_AVAILABLE", note })),
  ];
  const scored = items.filter((item) => item.status === "COMPUTED");
  return {
    items,
    computedPoints: scored.reduce((sum, item) => sum + (item.points ?? 0), 0),
    computedMaxPoints: scored.reduce((sum, item) => sum + item.maxPoints, 0),
  };
}
