// The apology letter's rules and wording, without servers: when a letter with a new date may still
// be sent (once, at least one day before the due date, to a later working day), the dates it names,
// the form's text in Vietnamese, and the officer's request checked field by field.
import { describe, expect, it } from "vitest";
import { apologyLetter, apologyWindow, extendedDueDates, extensionRefusal, parseApologyRequest, type DossierFacts } from "../src/apology.js";

/** Received Monday 02/11/2026 with 5 working days: due Monday 09/11/2026 (Tue 3 … Fri 6, Mon 9). */
const processing: DossierFacts = {
  status: "PROCESSING",
  receivedAt: "2026-11-02T09:00:00+07:00",
  timeLimit: { amount: 5, unit: "WORKING_DAYS" },
  supplements: [],
  pauses: [],
  extensions: [],
};

describe("when an apology with a new date may be sent", () => {
  it("is open until the day before the due date, for a new date from the next working day", () => {
    // given a dossier being processed, due on 09/11/2026
    // when the officer opens the form on 05/11 or on Sunday 08/11
    // then the letter may be sent, until 08/11, for a new date from Tuesday 10/11
    for (const today of ["2026-11-05", "2026-11-08"]) {
      expect(apologyWindow(processing, today)).toEqual({ open: true, dueDate: "2026-11-09", latestSendDate: "2026-11-08", earliestNewDueDate: "2026-11-10" });
    }
  });

  it("is closed on the due date and after it (the letter comes too late)", () => {
    for (const today of ["2026-11-09", "2026-11-12"]) {
      const window = apologyWindow(processing, today);
      expect(window).toMatchObject({ open: false, rule: "LATE_APOLOGY", dueDate: "2026-11-09", latestSendDate: "2026-11-08" });
      expect(window.open ? "" : window.message).toContain("chậm nhất một ngày trước ngày hẹn trả kết quả");
    }
  });

  it("is closed once the due date has been moved: at most once", () => {
    const extended = { ...processing, extensions: [{ apologySentAt: "2026-11-05T10:00:00+07:00", newDueDate: "2026-11-16" }] };
    expect(apologyWindow(extended, "2026-11-06")).toMatchObject({ open: false, rule: "ONE_EXTENSION" });
  });

  it("is closed for a dossier no longer being processed, or whose clock is stopped", () => {
    expect(apologyWindow({ ...processing, status: "RESOLVED" }, "2026-11-05")).toMatchObject({ open: false, rule: "NOT_RUNNING" });
    const awaitingSupplement = { ...processing, status: "SUPPLEMENT_REQUESTED", supplements: [{ requestedAt: "2026-11-03T10:00:00+07:00" }] };
    expect(apologyWindow(awaitingSupplement, "2026-11-05")).toMatchObject({ open: false, rule: "NOT_RUNNING" });
  });
});

describe("the due dates the letter names", () => {
  it("are the due date before the extension and the new one", () => {
    const extended = { ...processing, extensions: [{ apologySentAt: "2026-11-05T10:00:00+07:00", newDueDate: "2026-11-16" }] };
    expect(extendedDueDates(extended)).toEqual({ previousDueDate: "2026-11-09", newDueDate: "2026-11-16" });
  });

  it("do not exist before an extension", () => {
    expect(extendedDueDates(processing)).toBeUndefined();
  });
});

describe("the letter (Mẫu số 04)", () => {
  const letter = apologyLetter({
    dossierCode: "000.00.03.H06-261102-0001",
    procedureName: "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
    agencyName: "Sở Tư pháp tỉnh Bắc Ninh",
    parentName: "Ủy ban nhân dân tỉnh Bắc Ninh",
    place: "Bắc Ninh",
    receivedAt: "2026-11-02T09:00:00+07:00",
    previousDueDate: "2026-11-09",
    newDueDate: "2026-11-16",
    // decomposed diacritics, as a browser may send them
    reason: "Chờ kết quả xác minh của cơ quan công an".normalize("NFD"),
    issuedAt: "2026-11-05T03:00:00Z",
  });

  it("carries the form's header, title and signature block", () => {
    expect(letter.form).toBe("Mẫu số 04 (Thông tư số 01/2018/TT-VPCP)");
    expect(letter.header).toMatchObject({
      parent: "ỦY BAN NHÂN DÂN TỈNH BẮC NINH",
      agency: "SỞ TƯ PHÁP TỈNH BẮC NINH",
      motto: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
      slogan: "Độc lập - Tự do - Hạnh phúc",
      placeAndDate: "Bắc Ninh, ngày 05 tháng 11 năm 2026",
    });
    expect(letter.title).toBe("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ");
    expect(letter.signature.role).toBe("THỦ TRƯỞNG CƠ QUAN");
  });

  it("names the receipt, the due date, the reason and the new date in Vietnamese formats, in NFC", () => {
    const text = letter.paragraphs.join("\n");
    expect(text).toContain("Ngày 02/11/2026, Sở Tư pháp tỉnh Bắc Ninh tiếp nhận giải quyết hồ sơ");
    expect(text).toContain("mã hồ sơ 000.00.03.H06-261102-0001");
    expect(text).toContain("theo quy định là ngày 09/11/2026");
    expect(text).toContain("Lý do: Chờ kết quả xác minh của cơ quan công an");
    expect(text).toContain("xin lỗi Ông/Bà/Tổ chức");
    expect(text).toContain("vào ngày 16 tháng 11 năm 2026");
    expect(JSON.stringify(letter)).toBe(JSON.stringify(letter).normalize("NFC"));
  });
});

describe("the officer's request", () => {
  it("gives the reason (NFC, trimmed) and the new date", () => {
    expect(parseApologyRequest({ reason: "  Chờ ý kiến ".normalize("NFD"), newDueDate: "2026-11-16" })).toEqual({ ok: true, value: { reason: "Chờ ý kiến", newDueDate: "2026-11-16" } });
  });

  it("names each field in error", () => {
    expect(parseApologyRequest({ reason: " ", newDueDate: "2026-02-30", extra: 1 })).toEqual({
      ok: false,
      errors: [
        { path: "reason", message: "Cần nêu lý do chậm trễ" },
        { path: "newDueDate", message: "Ngày hẹn mới phải là một ngày hợp lệ dạng YYYY-MM-DD" },
        { path: "extra", message: "Trường không được hỗ trợ" },
      ],
    });
    expect(parseApologyRequest([])).toMatchObject({ ok: false, errors: [{ path: "(body)" }] });
    expect(parseApologyRequest({ reason: "a\u0007b", newDueDate: "2026-11-16" })).toMatchObject({ ok: false, errors: [{ path: "reason" }] });
  });
});

describe("intake's refusals, in words", () => {
  it("explains each rule intake names", () => {
    expect(extensionRefusal("ONE_EXTENSION")).toContain("chỉ được hẹn lại một lần");
    expect(extensionRefusal("TOO_MANY_EXTENSIONS")).toContain("chỉ được hẹn lại một lần");
    expect(extensionRefusal("LATE_APOLOGY")).toContain("chậm nhất một ngày trước");
    expect(extensionRefusal("INVALID_EXTENSION_DATE")).toContain("ngày làm việc sau ngày hẹn trả");
    expect(extensionRefusal("DEADLINE_EXTENDED_NOT_ALLOWED_WHEN_RESOLVED")).toContain("không ở trạng thái đang giải quyết");
    expect(extensionRefusal(undefined)).toContain("không ghi nhận được");
  });
});
