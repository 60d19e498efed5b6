/**
 * Fee assessment worked by hand from the rules (data/fee-rules.json) and the seed catalogue:
 * - birth registration 1.001193: on time 0 đ (Civil Status Law 2014 art. 11), late 8.000 đ, late
 *   online 4.000 đ from 1/1/2025 (the province's lower online fee), 8.000 đ online before it;
 * - death registration 1.000656: on time 0 đ, late 8.000 đ;
 * - permanent residence 1.004222: 20.000 đ, online 10.000 đ (Circular 75/2022/TT-BTC);
 * - an exempt applicant pays nothing on any procedure; a free procedure keeps its zero line.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadSeedCatalogue } from "@onestop/catalogue";
import { assessFees, kindOf, parseFeeRules, type AssessmentInput } from "../src/domain/fees.js";

const rules = parseFeeRules(JSON.parse(readFileSync(new URL("../data/fee-rules.json", import.meta.url), "utf8")));
const catalogue = loadSeedCatalogue();
if (!catalogue.ok) throw new Error("seed catalogue does not load");

function given(procedureCode: string, overrides: Partial<AssessmentInput> = {}): AssessmentInput {
  const procedure = catalogue.ok ? catalogue.value.procedure(procedureCode) : undefined;
  if (!procedure) throw new Error(`no procedure ${procedureCode}`);
  return { procedureCode, channel: "IN_PERSON", receivedOn: "2025-03-03", catalogue: procedure.fees, receiptCodes: procedure.fees.map((f) => f.code), facts: {}, ...overrides };
}

describe("birth registration (1.001193)", () => {
  it("given a registration on time, when assessed, then one explicit zero line with the exemption's reason", () => {
    const assessment = assessFees(given("1.001193", { facts: { registrationOnTime: "true" } }), rules);
    expect(assessment.lines).toEqual([
      { code: "LP_KHAI_SINH_DUNG_HAN", name: "Lệ phí đăng ký khai sinh đúng hạn", amount: 0, kind: "CHARGE", waiverReason: "Đăng ký khai sinh đúng hạn: miễn lệ phí (Luật Hộ tịch 2014, Điều 11)" },
    ]);
    expect(assessment.total).toBe(0);
  });

  it("given a late registration at the desk, then 8.000 đ of charge", () => {
    const assessment = assessFees(given("1.001193", { facts: { registrationOnTime: "false" } }), rules);
    expect(assessment.lines).toEqual([{ code: "LP_KHAI_SINH_QUA_HAN", name: "Lệ phí đăng ký khai sinh quá hạn", amount: 8000, kind: "CHARGE", waiverReason: "" }]);
    expect(assessment.total).toBe(8000);
  });

  it("given a late registration filed online after 1/1/2025, then 4.000 đ with the online reduction's reason", () => {
    const assessment = assessFees(given("1.001193", { channel: "ONLINE", facts: { registrationOnTime: "false" } }), rules);
    expect(assessment.lines).toEqual([{ code: "LP_KHAI_SINH_QUA_HAN", name: "Lệ phí đăng ký khai sinh quá hạn", amount: 4000, kind: "CHARGE", waiverReason: "Giảm lệ phí khi nộp hồ sơ trực tuyến" }]);
    expect(assessment.appliedRules).toEqual(["khai-sinh-dung-han", "giam-nop-truc-tuyen"]);
  });

  it("given a late registration filed online on 31/12/2024, before the reduction is in force, then the full 8.000 đ", () => {
    expect(assessFees(given("1.001193", { channel: "ONLINE", receivedOn: "2024-12-31", facts: { registrationOnTime: "false" } }), rules).total).toBe(8000);
  });

  it("given no fact but the receipt naming the late line only, then the late line", () => {
    expect(assessFees(given("1.001193", { receiptCodes: ["LP_KHAI_SINH_QUA_HAN"] }), rules).total).toBe(8000);
  });

  it("given no fact and the receipt carrying both lines (the catalogue's default), then the rule's default: on time, 0 đ", () => {
    expect(assessFees(given("1.001193"), rules).lines.map((line) => [line.code, line.amount])).toEqual([["LP_KHAI_SINH_DUNG_HAN", 0]]);
  });
});

describe("death registration (1.000656)", () => {
  it("given a registration on time, then 0 đ; late, then 8.000 đ", () => {
    expect(assessFees(given("1.000656", { facts: { registrationOnTime: "true" } }), rules).lines).toEqual([
      { code: "LP_KHAI_TU_DUNG_HAN", name: "Lệ phí đăng ký khai tử đúng hạn", amount: 0, kind: "CHARGE", waiverReason: "Đăng ký khai tử đúng hạn: miễn lệ phí (Luật Hộ tịch 2014, Điều 11)" },
    ]);
    expect(assessFees(given("1.000656", { facts: { registrationOnTime: "false" } }), rules).total).toBe(8000);
  });
});

describe("permanent residence registration (1.004222)", () => {
  it("given a filing at the desk, then 20.000 đ; online, then 10.000 đ", () => {
    expect(assessFees(given("1.004222"), rules).total).toBe(20_000);
    expect(assessFees(given("1.004222", { channel: "ONLINE" }), rules).lines).toEqual([
      { code: "LP_DANG_KY_THUONG_TRU", name: "Lệ phí đăng ký thường trú", amount: 10_000, kind: "CHARGE", waiverReason: "Giảm lệ phí khi nộp hồ sơ trực tuyến" },
    ]);
  });

  it("given an exempt applicant (poor household), then the line is kept at 0 đ with the exemption's reason", () => {
    const assessment = assessFees(given("1.004222", { channel: "ONLINE", facts: { exemptApplicant: "true" } }), rules);
    expect(assessment.lines).toEqual([
      {
        code: "LP_DANG_KY_THUONG_TRU",
        name: "Lệ phí đăng ký thường trú",
        amount: 0,
        kind: "CHARGE",
        waiverReason: "Miễn phí, lệ phí cho người thuộc hộ nghèo, người có công với cách mạng, người khuyết tật",
      },
    ]);
    expect(assessment.appliedRules).toEqual(["ho-ngheo-nguoi-co-cong"]);
  });
});

describe("a free procedure and kinds", () => {
  it("given the health-insurance card for a child under 6 (KHONG_THU), then its explicit zero line", () => {
    const assessment = assessFees(given("9.900001"), rules);
    expect(assessment.total).toBe(0);
    expect(assessment.lines).toHaveLength(1);
    expect(assessment.lines[0]).toMatchObject({ code: "KHONG_THU", amount: 0, kind: "UNSPECIFIED" });
  });

  it("given fee codes, then LP_ is a charge (lệ phí), PHI_ a fee (phí)", () => {
    expect(kindOf("LP_CAP_HO_CHIEU", rules)).toBe("CHARGE");
    expect(kindOf("PHI_LY_LICH_TU_PHAP", rules)).toBe("FEE");
  });

  it("given a rules file with a misspelt field or a default naming no line, then it is refused naming it", () => {
    expect(() => parseFeeRules({ ...rules, reductionz: [] })).toThrow(/reductionz/);
    expect(() => parseFeeRules({ ...rules, alternatives: [{ ...rules.alternatives[0]!, default: "maybe" }] })).toThrow(/khai-sinh-dung-han/);
  });
});
