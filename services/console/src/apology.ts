/**
 * The apology letter: Mẫu số 04, "Phiếu xin lỗi và hẹn lại ngày trả kết quả", of Thông tư
 * 01/2018/TT-VPCP (guiding Decree 61/2018 on the one-stop mechanism; kept by Decree 118/2025).
 * Pure: the letter's parts from the dossier's facts, the agency's name, the reason and the new
 * date. The web page and the PDF both render these parts, so the wording lives here only.
 *
 * The text follows the form's layout (the form's own wording was not among the project's seeds:
 * it is written after the published form, see the README): national motto, the agency, number and
 * date, title, addressee, the apology with the dossier's receipt and due dates, the reason, the
 * new date, the closing and the signature block. The applicant's name is left to be written by
 * hand: the console reads dossiers with the applicant masked (personal data stays in intake).
 */
import { addDays, computeDueAt, defaultCalendar, localDateOf, ruleSetFor, type DossierClock, type LocalDate, type WorkingCalendar } from "@onestop/calendar";
import { formatDate, formatLongDate } from "@onestop/vn-format";

export interface ApologyInput {
  dossierCode: string;
  procedureName: string;
  /** The agency that handles the dossier, in words, and the body it belongs to (UBND tỉnh …), when known. */
  agencyName: string;
  parentName?: string;
  /** Where the letter is issued (tỉnh Bắc Ninh → "Bắc Ninh"). */
  place: string;
  receivedAt: string;
  /** The due date before the extension, "YYYY-MM-DD". */
  previousDueDate: string;
  newDueDate: string;
  reason: string;
  /** When the apology was recorded (the extension's time). */
  issuedAt: string;
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

const nfc = (text: string) => text.normalize("NFC");

export function apologyLetter(input: ApologyInput): ApologyLetter {
  const received = formatDate(input.receivedAt);
  const letter: ApologyLetter = {
    form: "Mẫu số 04 (Thông tư số 01/2018/TT-VPCP)",
    header: {
      parent: (input.parentName ?? "").toUpperCase(),
      agency: input.agencyName.toUpperCase(),
      number: "Số: ....../PXL",
      motto: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      slogan: "Độc lập - Tự do - Hạnh phúc",
      placeAndDate: `${input.place}, ${formatLongDate(input.issuedAt)}`,
    },
    title: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    addressee: "Kính gửi: Ông/Bà/Tổ chức ..................................................",
    paragraphs: [
      `Ngày ${received}, ${input.agencyName} tiếp nhận giải quyết hồ sơ đề nghị giải quyết thủ tục hành chính "${input.procedureName}" của Ông/Bà/Tổ chức, mã hồ sơ ${input.dossierCode}. Thời hạn trả kết quả giải quyết hồ sơ theo quy định là ngày ${formatDate(input.previousDueDate)}.`,
      `Tuy nhiên đến nay, ${input.agencyName} chưa trả kết quả giải quyết hồ sơ cho Ông/Bà/Tổ chức đúng hạn như đã hẹn.`,
      `Lý do: ${input.reason}`,
      `Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của Ông/Bà/Tổ chức. ${input.agencyName} xin lỗi Ông/Bà/Tổ chức và trân trọng đề nghị Ông/Bà/Tổ chức thông cảm.`,
      `${input.agencyName} xin hẹn lại thời gian trả kết quả giải quyết hồ sơ của Ông/Bà/Tổ chức vào ${formatLongDate(input.newDueDate)}.`,
    ],
    closing: "Xin trân trọng cảm ơn./.",
    signature: { role: "THỦ TRƯỞNG CƠ QUAN", note: "(Ký, ghi rõ họ tên và đóng dấu)" },
    recipients: ["Nơi nhận:", "- Như trên;", "- Lưu: VT, Bộ phận Một cửa."],
  };
  return JSON.parse(nfc(JSON.stringify(letter))) as ApologyLetter;
}

/** What the rules read of intake's view of a dossier: its status and its deadline clock. */
export interface DossierFacts extends DossierClock {
  status: string;
}

/** Intake accepts an extension only while the dossier is being processed or paused. */
const EXTENDABLE_STATUSES = new Set(["PROCESSING", "PAUSED"]);

export type ApologyWindow =
  | { open: true; dueDate: LocalDate; latestSendDate: LocalDate; earliestNewDueDate: LocalDate }
  | { open: false; rule: "ONE_EXTENSION" | "LATE_APOLOGY" | "NOT_RUNNING"; message: string; dueDate?: LocalDate; latestSendDate?: LocalDate };

/**
 * Whether an apology with a new date may still be sent `today` (Vietnam's date), by the same rules
 * intake applies when it records the extension (the calendar's rule set of the dossier): the due
 * date moves at most once, the letter goes out at least `apologyDaysBeforeDue` days (one) before
 * the due date, and the new date is a working day after it. Intake stays the authority; this lets
 * the page say so before the officer writes a reason.
 */
export function apologyWindow(facts: DossierFacts, today: LocalDate, calendar: WorkingCalendar = defaultCalendar): ApologyWindow {
  if ((facts.extensions ?? []).length > 0) return { open: false, rule: "ONE_EXTENSION", message: extensionRefusal("ONE_EXTENSION") };
  const { dueDate } = computeDueAt(facts, calendar);
  if (!EXTENDABLE_STATUSES.has(facts.status) || dueDate === null)
    return { open: false, rule: "NOT_RUNNING", message: "Hồ sơ không ở trạng thái đang giải quyết (hoặc đang dừng tính thời gian) nên không thể hẹn lại ngày trả kết quả." };
  const latestSendDate = addDays(dueDate, -ruleSetFor(facts.receivedAt).apologyDaysBeforeDue);
  if (today > latestSendDate) return { open: false, rule: "LATE_APOLOGY", message: extensionRefusal("LATE_APOLOGY"), dueDate, latestSendDate };
  return { open: true, dueDate, latestSendDate, earliestNewDueDate: calendar.nextWorkingDay(dueDate) };
}

/** The due date before the extension and the one after it, from the dossier's clock. */
export function extendedDueDates(facts: DossierFacts, calendar: WorkingCalendar = defaultCalendar): { previousDueDate: LocalDate; newDueDate: LocalDate } | undefined {
  const deadline = computeDueAt(facts, calendar);
  if (!deadline.extendedFrom || !deadline.dueDate) return undefined;
  return { previousDueDate: deadline.extendedFrom, newDueDate: deadline.dueDate };
}

/** Vietnam's date of an instant. */
export const vietnamDateOf = (instant: Date): LocalDate => localDateOf(instant);

/** The reason and the new date as asked for: each problem named by its field, in Vietnamese. */
export function parseApologyRequest(body: unknown): { ok: true; value: { reason: string; newDueDate: string } } | { ok: false; errors: Array<{ path: string; message: string }> } {
  const errors: Array<{ path: string; message: string }> = [];
  const record = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (!record) return { ok: false, errors: [{ path: "(body)", message: "Nội dung yêu cầu phải là một đối tượng JSON" }] };
  const reason = typeof record.reason === "string" ? nfc(record.reason.trim()) : undefined;
  if (!reason) errors.push({ path: "reason", message: "Cần nêu lý do chậm trễ" });
  else if (reason.length > 1000) errors.push({ path: "reason", message: "Lý do dài quá 1.000 ký tự" });
  else if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(reason)) errors.push({ path: "reason", message: "Lý do chứa ký tự điều khiển" });
  const newDueDate = record.newDueDate;
  if (
    typeof newDueDate !== "string" ||
    !/^\d{4}-\d{2}-\d{2}$/.test(newDueDate) ||
    Number.isNaN(Date.parse(`${newDueDate}T00:00:00Z`)) ||
    new Date(`${newDueDate}T00:00:00Z`).toISOString().slice(0, 10) !== newDueDate
  ) {
    errors.push({ path: "newDueDate", message: "Ngày hẹn mới phải là một ngày hợp lệ dạng YYYY-MM-DD" });
  }
  for (const key of Object.keys(record)) if (key !== "reason" && key !== "newDueDate") errors.push({ path: key, message: "Trường không được hỗ trợ" });
  return errors.length ? { ok: false, errors } : { ok: true, value: { reason: reason!, newDueDate: newDueDate as string } };
}

/** Intake's refusal of the extension (rule name) in words for the officer. */
export function extensionRefusal(rule: string | undefined): string {
  switch (rule) {
    case "ONE_EXTENSION":
    case "TOO_MANY_EXTENSIONS":
      return "Hồ sơ đã được hẹn lại ngày trả kết quả một lần; theo quy định chỉ được hẹn lại một lần.";
    case "LATE_APOLOGY":
      return "Phiếu xin lỗi phải được gửi chậm nhất một ngày trước ngày hẹn trả kết quả; hồ sơ này đã quá thời điểm đó.";
    case "INVALID_EXTENSION_DATE":
      return "Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn trả hiện tại.";
    default:
      return rule?.startsWith("DEADLINE_EXTENDED_NOT_ALLOWED_WHEN_")
        ? "Hồ sơ không ở trạng thái đang giải quyết nên không thể hẹn lại ngày trả kết quả."
        : "Hệ thống tiếp nhận không ghi nhận được việc hẹn lại ngày trả kết quả.";
  }
}
