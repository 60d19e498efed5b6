import { describe, expect, it } from "vitest";
import { buildCatalogue, parseBundlesJson, type BundleDefinition, type Procedure } from "../src/index.js";

function procedure(code: string, overrides: Partial<Procedure> = {}): Procedure {
  return {
    code,
    codeVerified: true,
    name: `Thủ tục ${code}`,
    sectorCode: "HO_TICH",
    sectorName: "Hộ tịch",
    levels: ["COMMUNE"],
    timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: false },
    onlineMode: "FULL",
    fees: [{ code: "KHONG_THU", name: "Không thu lệ phí", amount: 0 }],
    feeExemptions: [],
    resultType: "PAPER",
    ...overrides,
  };
}

const birth: BundleDefinition = {
  code: "BIRTH",
  name: "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
  nationalCode: "2.002621",
  onlineOnly: true,
  timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: false },
};

describe("Catalogue", () => {
  it("answers procedures by code, keeps file order and groups bundle steps in step order", () => {
    const result = buildCatalogue(
      [
        procedure("1.004222", { bundleCode: "BIRTH", bundleStep: 2, sectorCode: "CU_TRU", sectorName: "Đăng ký, quản lý cư trú" }),
        procedure("1.001193", { bundleCode: "BIRTH", bundleStep: 1 }),
        procedure("1.004873"),
      ],
      [birth],
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const catalogue = result.value;
    expect(catalogue.procedure("1.004873")?.name).toBe("Thủ tục 1.004873");
    expect(catalogue.procedure("9.999999")).toBeUndefined();
    expect(catalogue.procedures().map((p) => p.code)).toEqual(["1.004222", "1.001193", "1.004873"]);
    expect(catalogue.bundle("BIRTH")?.steps.map(({ step, procedure: p }) => [step, p.code])).toEqual([
      [1, "1.001193"],
      [2, "1.004222"],
    ]);
    expect(catalogue.bundle("DEATH")).toBeUndefined();
    expect(catalogue.sectors()).toEqual([
      { code: "CU_TRU", name: "Đăng ký, quản lý cư trú" },
      { code: "HO_TICH", name: "Hộ tịch" },
    ]);
  });

  it("serves the GET /v1/procedures shape: no internal fields, bundleCode only on bundle steps", () => {
    const result = buildCatalogue([procedure("1.001193", { bundleCode: "BIRTH", bundleStep: 1, note: "nguồn", feeExemptions: ["Miễn"] }), procedure("1.004873")], [birth]);
    if (!result.ok) throw new Error("expected a catalogue");
    expect(result.value.summaries()).toEqual([
      {
        code: "1.001193",
        name: "Thủ tục 1.001193",
        sectorCode: "HO_TICH",
        levels: ["COMMUNE"],
        timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: false },
        onlineMode: "FULL",
        fees: [{ code: "KHONG_THU", name: "Không thu lệ phí", amount: 0 }],
        resultType: "PAPER",
        bundleCode: "BIRTH",
      },
      {
        code: "1.004873",
        name: "Thủ tục 1.004873",
        sectorCode: "HO_TICH",
        levels: ["COMMUNE"],
        timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: false },
        onlineMode: "FULL",
        fees: [{ code: "KHONG_THU", name: "Không thu lệ phí", amount: 0 }],
        resultType: "PAPER",
      },
    ]);
  });

  it("hands out data callers cannot change", () => {
    const result = buildCatalogue([procedure("1.004873")], []);
    if (!result.ok) throw new Error("expected a catalogue");
    const found = result.value.procedure("1.004873")!;
    expect(() => {
      (found.fees[0] as { amount: number }).amount = 5;
    }).toThrow(TypeError);
    expect(result.value.procedure("1.004873")!.fees[0]!.amount).toBe(0);
  });

  it("refuses a bundle with a missing step, a step of an undefined bundle and a duplicate code", () => {
    const result = buildCatalogue(
      [
        procedure("1.001193", { bundleCode: "BIRTH", bundleStep: 1 }),
        procedure("1.004222", { bundleCode: "BIRTH", bundleStep: 3 }),
        procedure("1.000656", { bundleCode: "DEATH", bundleStep: 1 }),
        procedure("1.001193"),
      ],
      [birth],
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { row: 4, field: "code", message: "duplicate procedure code 1.001193 (first on row 1)" },
        { row: 3, field: "bundleCode", message: "bundle DEATH is not defined in the bundles file" },
        { row: 1, field: "code", message: "bundle BIRTH has no procedure for step 2; steps must run 1, 2, 3, ... without gaps" },
      ],
    });
  });
});

describe("parseBundlesJson", () => {
  it("accepts a bundle without a published time limit and rejects a same-day or duplicate bundle", () => {
    const death = { code: "DEATH", name: "Liên thông đăng ký khai tử", timeLimit: null };
    expect(parseBundlesJson(JSON.stringify([death]))).toEqual({
      ok: true,
      value: [{ code: "DEATH", name: "Liên thông đăng ký khai tử", onlineOnly: false, timeLimit: null }],
    });
    const result = parseBundlesJson(JSON.stringify([death, { ...death, timeLimit: { amount: 0, unit: "WORKING_DAYS", sameDay: true } }, { ...death, code: "MARRIAGE" }]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(({ row, field }) => ({ row, field }))).toEqual([
      { row: 2, field: "timeLimit.amount" },
      { row: 2, field: "timeLimit.sameDay" },
      { row: 3, field: "code" },
    ]);
  });
});
