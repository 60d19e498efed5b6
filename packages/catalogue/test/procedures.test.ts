import { describe, expect, it } from "vitest";
import { parseProceduresCsv, parseProceduresJson, type Procedure } from "../src/index.js";

/** A valid procedure in JSON shape; tests copy it and break one thing at a time. */
function birthRegistration(): Record<string, unknown> {
  return {
    code: "1.001193",
    name: "Thủ tục đăng ký khai sinh",
    sectorCode: "HO_TICH",
    sectorName: "Hộ tịch",
    levels: ["COMMUNE"],
    timeLimit: { amount: 0, unit: "WORKING_DAYS", sameDay: true },
    onlineMode: "FULL",
    fees: [
      { code: "LP_KHAI_SINH_DUNG_HAN", name: "Lệ phí đăng ký khai sinh đúng hạn", amount: 0 },
      { code: "LP_KHAI_SINH_QUA_HAN", name: "Lệ phí đăng ký khai sinh quá hạn", amount: 8000, onlineAmount: 4000 },
    ],
    resultType: "ELECTRONIC",
    bundleCode: "BIRTH",
    bundleStep: 1,
  };
}

function residence(): Record<string, unknown> {
  return {
    code: "1.004222",
    name: "Đăng ký thường trú",
    sectorCode: "CU_TRU",
    sectorName: "Đăng ký, quản lý cư trú",
    levels: ["COMMUNE"],
    timeLimit: { amount: 7, unit: "WORKING_DAYS" },
    onlineMode: "FULL",
    fees: [{ code: "LP_DANG_KY_THUONG_TRU", name: "Lệ phí đăng ký thường trú", amount: 20000, onlineAmount: 10000 }],
    resultType: "ELECTRONIC",
  };
}

describe("parseProceduresJson", () => {
  it("returns clean procedures with defaults filled in", () => {
    const result = parseProceduresJson(JSON.stringify([birthRegistration(), residence()]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [birth, stay] = result.value as [Procedure, Procedure];
    expect(birth.codeVerified).toBe(true);
    expect(birth.feeExemptions).toEqual([]);
    expect(birth.timeLimit).toEqual({ amount: 0, unit: "WORKING_DAYS", sameDay: true });
    expect(stay.timeLimit).toEqual({ amount: 7, unit: "WORKING_DAYS", sameDay: false });
    expect(stay.bundleCode).toBeUndefined();
  });

  it("reports one error per bad field, naming the row, and returns no procedures at all", () => {
    const badCodeAndLevel = { ...residence(), code: "1.4222", levels: ["COMMUNE", "HUYEN"] };
    const zeroWithoutSameDay = { ...residence(), code: "1.004194", timeLimit: { amount: 0, unit: "WORKING_DAYS" } };
    const badFees = {
      ...residence(),
      code: "1.002755",
      fees: [
        { code: "LP_TAM_TRU", name: "Lệ phí", amount: -1 },
        { code: "LP_GIA_HAN", name: "Lệ phí gia hạn", amount: 15000, onlineAmount: 20000 },
      ],
    };
    const duplicate = { ...birthRegistration(), bundleCode: undefined, bundleStep: undefined };
    const result = parseProceduresJson(JSON.stringify([birthRegistration(), badCodeAndLevel, zeroWithoutSameDay, badFees, duplicate]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(({ row, field }) => ({ row, field }))).toEqual([
      { row: 2, field: "code" },
      { row: 2, field: "levels[1]" },
      { row: 3, field: "timeLimit.amount" },
      { row: 4, field: "fees[0].amount" },
      { row: 4, field: "fees[1].onlineAmount" },
      { row: 5, field: "code" },
    ]);
    expect(result.errors[0]!.message).toBe('must be a national procedure code like "1.001193", got "1.4222"');
    expect(result.errors[1]!.message).toBe('must be one of PROVINCE, DISTRICT, COMMUNE, got "HUYEN"');
    expect(result.errors[2]!.message).toMatch(/only allowed for same-day procedures/);
    expect(result.errors[3]!.message).toBe("must be at least 0, got -1");
    expect(result.errors[4]!.message).toBe("must not exceed amount (15000), got 20000");
    expect(result.errors[5]!.message).toBe("duplicate procedure code 1.001193 (first on row 1)");
  });

  it("rejects missing fees, a same-day procedure with days, a bundle without its step, unknown fields and an unverified code without a note", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...residence(), fees: [] }, "fees", /record a free procedure as a line with amount 0/],
      [{ ...residence(), timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: true } }, "timeLimit.amount", /must be 0 for a same-day procedure/],
      [{ ...residence(), timeLimit: { amount: 3, unit: "NGAY" } }, "timeLimit.unit", /one of WORKING_DAYS, DAYS/],
      [{ ...residence(), bundleCode: "BIRTH" }, "bundleStep", /required when bundleCode is set/],
      [{ ...residence(), bundleStep: 2 }, "bundleStep", /give both or neither/],
      [{ ...residence(), sectorcode: "CU_TRU" }, "sectorcode", /unknown field/],
      [{ ...residence(), codeVerified: false }, "note", /required when codeVerified is false/],
      [{ ...residence(), onlineMode: "TOAN_TRINH" }, "onlineMode", /one of FULL, PARTIAL, NONE/],
      [{ ...residence(), name: "   " }, "name", /must not be empty/],
    ];
    for (const [record, field, message] of cases) {
      const result = parseProceduresJson(JSON.stringify([record]));
      expect(result, field).toMatchObject({ ok: false });
      if (!result.ok) expect(result.errors).toEqual([{ row: 1, field, message: expect.stringMatching(message) }]);
    }
  });

  it("keeps one name per sector and one procedure per bundle step", () => {
    const renamedSector = { ...residence(), code: "1.004194", sectorName: "Cư trú" };
    const sameStep = { ...residence(), code: "1.003197", bundleCode: "BIRTH", bundleStep: 1 };
    const result = parseProceduresJson(JSON.stringify([birthRegistration(), residence(), renamedSector, sameStep]));
    expect(result).toEqual({
      ok: false,
      errors: [
        { row: 3, field: "sectorName", message: 'sector CU_TRU is named "Đăng ký, quản lý cư trú" on row 2, here "Cư trú"' },
        { row: 4, field: "bundleStep", message: "step 1 of bundle BIRTH is already taken by row 1" },
      ],
    });
  });

  it("reports a file that is not a JSON array as row 0", () => {
    expect(parseProceduresJson("{ not json")).toMatchObject({ ok: false, errors: [{ row: 0, field: "" }] });
    expect(parseProceduresJson('{"code": "1.001193"}')).toEqual({
      ok: false,
      errors: [{ row: 0, field: "", message: "the file must hold a JSON array of procedures" }],
    });
  });

  it("stores names in NFC with whitespace collapsed, whatever form the file uses", () => {
    const decomposed = "  Thủ tục   đăng ký khai sinh ".normalize("NFD");
    expect(decomposed).not.toBe("Thủ tục đăng ký khai sinh");
    const result = parseProceduresJson(JSON.stringify([{ ...birthRegistration(), name: decomposed, sectorName: "Hộ tịch".normalize("NFD") }]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value[0]!.name).toBe("Thủ tục đăng ký khai sinh".normalize("NFC"));
    expect(result.value[0]!.name.length).toBe("Thủ tục đăng ký khai sinh".normalize("NFC").length);
    expect(result.value[0]!.sectorName).toBe("Hộ tịch".normalize("NFC"));
  });
});

const CSV_HEADER =
  "code,codeVerified,name,sectorCode,sectorName,levels,timeLimitAmount,timeLimitUnit,sameDay,onlineMode,resultType,bundleCode,bundleStep,feeExemptions,note," +
  "fee1Code,fee1Name,fee1Amount,fee1OnlineAmount,fee1Per,fee1Condition,fee2Code,fee2Name,fee2Amount,fee2OnlineAmount,fee2Per,fee2Condition";

describe("parseProceduresCsv", () => {
  it("reads the same procedures as the JSON form, including quoted cells, lists, Vietnamese thousands separators and CRLF", () => {
    const csv = [
      "# Danh mục thủ tục (ví dụ)",
      CSV_HEADER,
      "1.001193,true,Thủ tục đăng ký khai sinh,HO_TICH,Hộ tịch,COMMUNE,0,WORKING_DAYS,true,FULL,ELECTRONIC,BIRTH,1,,," +
        "LP_KHAI_SINH_DUNG_HAN,Lệ phí đăng ký khai sinh đúng hạn,0,,,,LP_KHAI_SINH_QUA_HAN,Lệ phí đăng ký khai sinh quá hạn,8.000,4.000,,",
      '2.000815,,"Chứng thực bản sao từ bản chính giấy tờ, văn bản",CHUNG_THUC,Chứng thực,COMMUNE|DISTRICT,0,WORKING_DAYS,yes,PARTIAL,PAPER,,,"Miễn phí A|Miễn phí B",' +
        '"Nguồn: Thông tư 226/2016/TT-BTC",PHI_TRANG_1_2,"Phí chứng thực (trang thứ nhất, thứ hai)",2000,,trang,,PHI_TU_TRANG_3,Phí chứng thực (từ trang thứ ba),1000,,trang,"Tối đa 200.000 đồng/bản"',
    ].join("\r\n");
    const fromCsv = parseProceduresCsv(csv);
    const fromJson = parseProceduresJson(
      JSON.stringify([
        birthRegistration(),
        {
          code: "2.000815",
          name: "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
          sectorCode: "CHUNG_THUC",
          sectorName: "Chứng thực",
          levels: ["COMMUNE", "DISTRICT"],
          timeLimit: { amount: 0, unit: "WORKING_DAYS", sameDay: true },
          onlineMode: "PARTIAL",
          fees: [
            { code: "PHI_TRANG_1_2", name: "Phí chứng thực (trang thứ nhất, thứ hai)", amount: 2000, per: "trang" },
            { code: "PHI_TU_TRANG_3", name: "Phí chứng thực (từ trang thứ ba)", amount: 1000, per: "trang", condition: "Tối đa 200.000 đồng/bản" },
          ],
          feeExemptions: ["Miễn phí A", "Miễn phí B"],
          resultType: "PAPER",
          note: "Nguồn: Thông tư 226/2016/TT-BTC",
        },
      ]),
    );
    expect(fromCsv.ok).toBe(true);
    expect(fromCsv).toEqual(fromJson);
  });

  it("names CSV columns and line numbers in errors", () => {
    const csv = [
      CSV_HEADER,
      "1.004222,,Đăng ký thường trú,CU_TRU,Đăng ký cư trú,COMMUNE,7,NGAY,,FULL,ELECTRONIC,,,,,LP_THUONG_TRU,Lệ phí,20000,,,,LP_KHAC,Lệ phí khác,abc,,,",
      "1.004194,maybe,Đăng ký tạm trú,CU_TRU,Đăng ký cư trú,COMMUNE,3,WORKING_DAYS,,FULL,ELECTRONIC,,,,,LP_TAM_TRU,Lệ phí,15000,,,",
      "1.003197,,Xóa đăng ký thường trú,CU_TRU,Đăng ký cư trú,COMMUNE,1,WORKING_DAYS,,FULL,ELECTRONIC,,,,,,,,,,,KHONG_THU,Không thu lệ phí,0,,,",
    ].join("\n");
    const result = parseProceduresCsv(csv);
    expect(result).toEqual({
      ok: false,
      errors: [
        { row: 2, field: "timeLimitUnit", message: 'must be one of WORKING_DAYS, DAYS, got "NGAY"' },
        { row: 2, field: "fee2Amount", message: 'must be a whole number, got "abc"' },
        { row: 3, field: "", message: "has 21 cells but the header has 27 columns" },
      ],
    });
  });

  it("maps a fee error to its own column group even when earlier groups are empty", () => {
    const csv = [CSV_HEADER, "1.003197,,Xóa đăng ký thường trú,CU_TRU,Đăng ký cư trú,COMMUNE,1,WORKING_DAYS,,FULL,ELECTRONIC,,,,,,,,,,,KHONG_THU,,0,,,"].join("\n");
    expect(parseProceduresCsv(csv)).toEqual({ ok: false, errors: [{ row: 2, field: "fee2Name", message: "is required" }] });
  });

  it("rejects unknown, duplicated and missing header columns before reading any row", () => {
    const csv = "code,name,sectorcode,name\n1.001193,Khai sinh,HO_TICH,Khai sinh\n";
    const result = parseProceduresCsv(csv);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.every((error) => error.row === 1)).toBe(true);
    expect(result.errors.map((error) => error.field)).toEqual([
      "sectorcode",
      "name",
      "sectorCode",
      "sectorName",
      "levels",
      "timeLimitAmount",
      "timeLimitUnit",
      "onlineMode",
      "resultType",
      "fee1Code",
      "fee1Name",
      "fee1Amount",
    ]);
  });
});
