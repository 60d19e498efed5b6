// A dossier's timeline from every service, without servers: each service's answer (in the shape
// it answers: intake's entries, lienthong's bundle view, payment's payments, digitisation's
// documents) becomes items, and all of them come out in time order.
import { describe, expect, it } from "vitest";
import { bundleItems, coveredDocumentIds, digitisationItems, intakeItems, mergeTimeline, paymentItems } from "../src/timeline.js";

const intake = intakeItems([
  { eventId: "e1", type: "RECEIVED", at: "2026-11-02T02:00:00Z", summary: "Tiếp nhận hồ sơ" },
  { eventId: "e2", type: "DEADLINE_EXTENDED", at: "2026-11-05T03:00:00Z", summary: "Hẹn lại ngày trả kết quả" },
]);

describe("liên thông steps", () => {
  it("show each request with the agency's own slice, and each answer within it or past it", () => {
    // given a bundle whose first step answered in time and whose second answered after its slice
    const bundle = {
      bundleCode: "BIRTH",
      requestedAt: "2026-11-02T02:05:00Z",
      dueAt: "2026-11-09T16:59:59.999Z",
      steps: [
        { stepCode: "HOTICH", agencyCode: "000.00.03.H06", requestedAt: "2026-11-02T02:05:00Z", dueAt: "2026-11-03T16:59:59.999Z", completedAt: "2026-11-03T01:00:00Z" },
        {
          stepCode: "CUTRU",
          agencyCode: "000.00.90.H06",
          requestedAt: "2026-11-03T01:00:00Z",
          dueAt: "2026-11-04T16:59:59.999Z",
          timedOutAt: "2026-11-04T17:00:00Z",
          completedAt: "2026-11-05T01:00:00Z",
        },
        { stepCode: "BHXH", agencyCode: "000.00.91.H06" },
      ],
    };
    // when it is read
    const items = bundleItems(bundle);
    // then the steps' requests, the slice run out and the answers are there, with their agency
    expect(items.map((item) => [item.title, item.agencyCode, item.slice])).toEqual([
      ["Lập hồ sơ liên thông (nhóm BIRTH)", undefined, undefined],
      ["Gửi yêu cầu liên thông, bước HOTICH", "000.00.03.H06", undefined],
      ["Hoàn thành bước HOTICH (trong hạn phần việc)", "000.00.03.H06", "ON_TIME"],
      ["Gửi yêu cầu liên thông, bước CUTRU", "000.00.90.H06", undefined],
      ["Quá hạn phần việc, bước CUTRU: chưa có kết quả", "000.00.90.H06", "OPEN_OVERDUE"],
      ["Hoàn thành bước CUTRU (quá hạn phần việc)", "000.00.90.H06", "OVERDUE"],
    ]);
    expect(items[1]!.detail).toBe("Thời hạn phần việc của cơ quan: 03/11/2026");
  });

  it("add nothing when there is no bundle", () => {
    expect(bundleItems(undefined)).toEqual([]);
    expect(bundleItems({ title: "Not Found" })).toEqual([]);
  });
});

describe("payments", () => {
  it("show the request, the payment and the refund with amounts in Vietnamese format", () => {
    const items = paymentItems({
      payments: [{ amount: 200000, refundedAmount: 50000, requestedAt: "2026-11-02T02:01:00Z", paidAt: "2026-11-02T02:03:00Z", refundedAt: "2026-11-06T02:00:00Z" }],
    });
    expect(items.map((item) => [item.title, item.detail])).toEqual([
      ["Yêu cầu thanh toán phí, lệ phí", "200.000 đồng"],
      ["Đã thanh toán phí, lệ phí", "200.000 đồng"],
      ["Hoàn trả phí, lệ phí", "50.000 đồng"],
    ]);
  });
});

describe("digitisation", () => {
  it("shows each digitised component and electronic result at its time", () => {
    expect(coveredDocumentIds({ covered: { TK01: "doc-1", CCCD: "doc-2", COPY: "doc-1" } })).toEqual(["doc-1", "doc-2"]);
    const items = digitisationItems([
      { kind: "COMPONENT", componentTypeCode: "TK01", digitisedAt: "2026-11-02T02:02:00Z" },
      { kind: "RESULT", resultTypeCode: "KQ01", digitisedAt: "2026-11-06T03:00:00Z" },
      undefined,
    ]);
    expect(items.map((item) => [item.title, item.detail])).toEqual([
      ["Số hóa thành phần hồ sơ", "Loại giấy tờ TK01"],
      ["Cấp kết quả điện tử", "Loại giấy tờ KQ01"],
    ]);
  });
});

describe("the merged timeline", () => {
  it("is in time order across services, intake first on a tie, without duplicates", () => {
    const payments = paymentItems({ payments: [{ amount: 1000, requestedAt: "2026-11-02T02:00:00Z", paidAt: "2026-11-04T00:00:00Z" }] });
    const documents = digitisationItems([{ kind: "COMPONENT", componentTypeCode: "TK01", digitisedAt: "2026-11-03T00:00:00Z" }]);
    const merged = mergeTimeline(documents, payments, intake, payments);
    expect(merged.map((item) => [item.at, item.source])).toEqual([
      ["2026-11-02T02:00:00Z", "intake"],
      ["2026-11-02T02:00:00Z", "payment"],
      ["2026-11-03T00:00:00Z", "digitisation"],
      ["2026-11-04T00:00:00Z", "payment"],
      ["2026-11-05T03:00:00Z", "intake"],
    ]);
  });
});
