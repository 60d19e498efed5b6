/**
 * XLSX renderings laid out like the official forms, Vietnamese headers, numbers in Vietnamese
 * format (59.790; 99,3%). Counts stay numeric cells: the format shows "." as the thousands
 * separator whatever the reader's locale.
 */
import ExcelJS from "exceljs";
import {
  formatCount,
  formatPercent,
  formatPoints,
  type FormCounts,
  type Indicators766,
  type Level,
  type Period,
  type QuarterlyForm,
  type Ratio,
  type ReportScope,
  type TthcForm,
} from "../../domain/index.js";
import type { Freshness } from "../../app/reports.js";

/** Up to 999.999.999 with "." between thousands, independent of the reader's locale. */
export const VN_COUNT_FORMAT = '[>=1000000]#"."###"."###;[>=1000]#"."###;0';

const LEVEL_NAMES: Record<Level, string> = { PROVINCE: "Cấp tỉnh", DISTRICT: "Cấp huyện", COMMUNE: "Cấp xã" };

const vnDate = (date: string) => {
  const [y, m, d] = date.split("-");
  return `${Number(d)}/${Number(m)}/${y}`;
};

function periodLine(period: Period, scope: ReportScope): string {
  const parts = [`Kỳ báo cáo: từ ngày ${vnDate(period.from)} đến ngày ${vnDate(period.to)}`];
  if (scope.level) parts.push(LEVEL_NAMES[scope.level]);
  if (scope.agencyCode) parts.push(`Cơ quan: ${scope.agencyCode}`);
  if (scope.sectorCode) parts.push(`Lĩnh vực: ${scope.sectorCode}`);
  return parts.join(" — ");
}

function freshnessLine(freshness: Freshness): string {
  const [date, time] = freshness.asOf.split("T");
  return `Số liệu tính đến ${time!.slice(0, 5)} ngày ${vnDate(date!)}; sự kiện chưa xử lý: ${formatCount(freshness.lagEvents)}`;
}

function title(sheet: ExcelJS.Worksheet, columns: number, lines: string[]): void {
  lines.forEach((text, i) => {
    const row = i + 1;
    sheet.mergeCells(row, 1, row, columns);
    const cell = sheet.getCell(row, 1);
    cell.value = text;
    cell.alignment = { horizontal: "center" };
    if (i === 0) cell.font = { bold: true, size: 13 };
  });
}

function header(sheet: ExcelJS.Worksheet, top: number, left: number, bottom: number, right: number, text: string): void {
  if (top !== bottom || left !== right) sheet.mergeCells(top, left, bottom, right);
  const cell = sheet.getCell(top, left);
  cell.value = text;
  cell.font = { bold: true };
  cell.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
  cell.border = { top: { style: "thin" }, left: { style: "thin" }, bottom: { style: "thin" }, right: { style: "thin" } };
}

/** The 16 columns (1)-(16) after no. and sector, then the split of (9) kept from seed 002. */
function countsCells(c: FormCounts): number[] {
  return [
    c.received.total,
    c.received.online,
    c.received.carriedOver,
    c.received.inPerson,
    c.received.postal,
    c.resolved.total,
    c.resolved.onTimeOrEarly,
    c.resolved.overdue,
    c.pending.total,
    c.pending.notYetDue,
    c.pending.overdue,
    c.supplementRequested,
    c.returned.total,
    c.resultsByPost,
    c.resolved.early,
    c.resolved.onTime,
  ];
}

export async function tthcWorkbook(form: TthcForm, freshness: Freshness): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("Thống kê TTHC");
  const columns = 18;
  title(sheet, columns, ["THỐNG KÊ KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", periodLine(form.period, form.scope), freshnessLine(freshness)]);

  const top = 5;
  header(sheet, top, 1, top + 2, 1, "STT");
  header(sheet, top, 2, top + 2, 2, "Lĩnh vực giải quyết");
  header(sheet, top, 3, top, 7, "Số hồ sơ nhận giải quyết");
  header(sheet, top + 1, 3, top + 2, 3, "Tổng số");
  header(sheet, top + 1, 4, top + 1, 7, "Trong đó");
  header(sheet, top + 2, 4, top + 2, 4, "Số mới tiếp nhận trực tuyến");
  header(sheet, top + 2, 5, top + 2, 5, "Số kỳ trước chuyển qua");
  header(sheet, top + 2, 6, top + 2, 6, "Số mới tiếp nhận trực tiếp");
  header(sheet, top + 2, 7, top + 2, 7, "Số mới tiếp nhận qua dịch vụ bưu chính công ích");
  header(sheet, top, 8, top, 10, "Số hồ sơ đã giải quyết");
  header(sheet, top + 1, 8, top + 2, 8, "Tổng số");
  header(sheet, top + 1, 9, top + 2, 9, "Trả trước hạn, đúng hạn");
  header(sheet, top + 1, 10, top + 2, 10, "Trả quá hạn");
  header(sheet, top, 11, top, 13, "Số hồ sơ đang giải quyết");
  header(sheet, top + 1, 11, top + 2, 11, "Tổng số");
  header(sheet, top + 1, 12, top + 2, 12, "Chưa đến hạn");
  header(sheet, top + 1, 13, top + 2, 13, "Quá hạn");
  header(sheet, top, 14, top + 2, 14, "Số hồ sơ yêu cầu bổ sung");
  header(sheet, top, 15, top + 2, 15, "Số hồ sơ trả lại, rút hồ sơ");
  header(sheet, top, 16, top + 2, 16, "Số hồ sơ trả kết quả qua dịch vụ bưu chính công ích");
  header(sheet, top, 17, top, 18, "Trong đó (9)");
  header(sheet, top + 1, 17, top + 2, 17, "Trước hạn");
  header(sheet, top + 1, 18, top + 2, 18, "Đúng hạn");
  const numbers = sheet.getRow(top + 3);
  for (let column = 1; column <= columns; column++) {
    numbers.getCell(column).value = column <= 16 ? `(${column})` : column === 17 ? "(9a)" : "(9b)";
    numbers.getCell(column).alignment = { horizontal: "center" };
    numbers.getCell(column).font = { italic: true };
  }

  let rowIndex = top + 4;
  const writeRow = (no: number | string, label: string, counts: FormCounts, bold = false) => {
    const row = sheet.getRow(rowIndex++);
    row.getCell(1).value = no;
    row.getCell(2).value = label;
    countsCells(counts).forEach((value, i) => {
      const cell = row.getCell(i + 3);
      cell.value = value;
      cell.numFmt = VN_COUNT_FORMAT;
    });
    if (bold) row.font = { bold: true };
  };
  for (const row of form.rows) writeRow(row.no, row.sectorName, row);
  writeRow("", "Tổng cộng", form.totals, true);

  sheet.getColumn(1).width = 6;
  sheet.getColumn(2).width = 36;
  for (let column = 3; column <= columns; column++) sheet.getColumn(column).width = 13;
  sheet.getRow(top + 2).height = 60;

  const checks = book.addWorksheet("Kiểm tra");
  checks.addRow(["Quy tắc", "Nội dung", "Kết quả", "Dòng không đạt"]).font = { bold: true };
  for (const check of form.checks) checks.addRow([check.rule, check.description, check.holds ? "Đạt" : "Không đạt", check.failingRows.join(", ")]);
  checks.addRow(["", "Hồ sơ chờ sự kiện tiếp nhận (chưa tính)", formatCount(form.awaitingReceipt), ""]);
  checks.getColumn(2).width = 70;
  return Buffer.from(await book.xlsx.writeBuffer());
}

const ratioCells = (r: Ratio) => [r.numerator, r.denominator, formatPercent(r.rate)];

export async function quarterlyWorkbook(form: QuarterlyForm, period: Period, scope: ReportScope, freshness: Freshness): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("Biểu mẫu 3");
  title(sheet, 5, ["KẾT QUẢ GIẢI QUYẾT TTHC VÀ CUNG CẤP DỊCH VỤ CÔNG TRỰC TUYẾN", periodLine(period, scope), freshnessLine(freshness)]);
  sheet.addRow([]);
  sheet.addRow(["Cấp", "Chỉ tiêu", "Số hồ sơ / dịch vụ đạt", "Tổng số", "Tỷ lệ"]).font = { bold: true };
  const groups = [...form.byLevel.map((g) => [LEVEL_NAMES[g.level], g.items] as const), ["Tổng", form.total] as const];
  for (const [label, items] of groups) {
    sheet.addRow([label, "Giải quyết đúng hạn (trước hạn, đúng hạn / đã giải quyết)", ...ratioCells(items.onTime)]);
    sheet.addRow([label, "Dịch vụ công trực tuyến có phát sinh hồ sơ trực tuyến", ...ratioCells(items.servicesWithOnlineDossiers)]);
    sheet.addRow([label, "Hồ sơ trực tuyến của dịch vụ toàn trình", ...ratioCells(items.onlineShareFullServices)]);
    sheet.addRow([label, "Hồ sơ trực tuyến của dịch vụ một phần", ...ratioCells(items.onlineSharePartialServices)]);
    sheet.addRow([label, "Hồ sơ thanh toán trực tuyến / hồ sơ có phí, lệ phí khác 0", ...ratioCells(items.onlinePayment)]);
    sheet.addRow([label, "Phản ánh, kiến nghị", "Chưa có dữ liệu", "", items.feedback.reason]);
  }
  sheet.eachRow((row, n) => {
    if (n > 5) for (const column of [3, 4]) if (typeof row.getCell(column).value === "number") row.getCell(column).numFmt = VN_COUNT_FORMAT;
  });
  sheet.getColumn(2).width = 60;
  sheet.getColumn(5).width = 16;
  return Buffer.from(await book.xlsx.writeBuffer());
}

const STATUS_NAMES = { COMPUTED: "Đã tính", PARTIAL: "Tính một phần", NOT_AVAILABLE: "Chưa có dữ liệu" } as const;

export async function indicatorsWorkbook(result: Indicators766, period: Period, scope: ReportScope, freshness: Freshness): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("Bộ chỉ số 766");
  title(sheet, 9, ["BỘ CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP (QUYẾT ĐỊNH 766/QĐ-TTg)", periodLine(period, scope), freshnessLine(freshness)]);
  sheet.addRow([]);
  sheet.addRow(["Nhóm", "Chỉ tiêu", "Điểm tối đa", "Mục tiêu", "Đạt", "Tổng số", "Tỷ lệ", "Điểm", "Trạng thái, ghi chú"]).font = { bold: true };
  for (const item of result.items) {
    sheet.addRow([
      item.group,
      item.name,
      item.maxPoints,
      item.target === null ? "" : formatPercent(item.target),
      item.measure?.numerator ?? "",
      item.measure?.denominator ?? "",
      item.rate === undefined ? "" : formatPercent(item.rate),
      item.points === undefined ? "" : formatPoints(item.points),
      [STATUS_NAMES[item.status], item.note].filter(Boolean).join(": "),
    ]);
  }
  sheet.addRow(["", "Tổng điểm các chỉ tiêu đã tính", result.computedMaxPoints, "", "", "", "", formatPoints(result.computedPoints), ""]).font = { bold: true };
  sheet.getColumn(2).width = 60;
  sheet.getColumn(9).width = 60;
  return Buffer.from(await book.xlsx.writeBuffer());
}
