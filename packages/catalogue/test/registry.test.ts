import { describe, expect, it } from "vitest";
import { buildAgencyRegistry, parseAgenciesCsv, parseAgenciesJson, parseUnitsCsv, type AgencyRegistry } from "../src/index.js";

const UNITS = `code,name,level,parentCode,validFrom,validTo,successorCode
24,Tỉnh Bắc Giang,PROVINCE,,1997-01-01,2025-06-30,24
24,Tỉnh Bắc Ninh,PROVINCE,,2025-07-01,,
216,Huyện Tân Yên,DISTRICT,24,1997-01-01,2025-06-30,
07260,Thị trấn Cao Thượng,COMMUNE,216,1997-01-01,2025-06-30,07260
07263,Xã Cao Xá,COMMUNE,216,1997-01-01,2025-06-30,07260
07260,Xã Tân Yên,COMMUNE,24,2025-07-01,,
`;

const AGENCIES = `code,name,level,unitCode,validFrom,validTo,successorCode
000.00.04.H04,Sở Kế hoạch và Đầu tư tỉnh Bắc Giang,PROVINCE,24,1997-01-01,2025-02-28,000.00.05.H04
000.00.05.H04,Sở Tài chính tỉnh Bắc Giang,PROVINCE,24,1997-01-01,2025-06-30,000.00.05.H06
000.00.05.H06,Sở Tài chính tỉnh Bắc Ninh,PROVINCE,24,2025-07-01,,
000.00.33.H04,Ủy ban nhân dân huyện Tân Yên,DISTRICT,216,1997-01-01,2025-06-30,
000.01.33.H04,Ủy ban nhân dân thị trấn Cao Thượng,COMMUNE,07260,1997-01-01,2025-06-30,000.00.58.H06
000.02.33.H04,Ủy ban nhân dân xã Cao Xá,COMMUNE,07263,1997-01-01,2025-06-30,000.00.58.H06
000.00.58.H06,Ủy ban nhân dân xã Tân Yên,COMMUNE,07260,2025-07-01,,
`;

function fixtureRegistry(): AgencyRegistry {
  const units = parseUnitsCsv(UNITS);
  const agencies = parseAgenciesCsv(AGENCIES);
  if (!units.ok || !agencies.ok) throw new Error("fixture must parse");
  const built = buildAgencyRegistry(units.value, agencies.value);
  if (!built.ok) throw new Error(JSON.stringify(built.errors));
  return built.value;
}

const codes = (items: { code: string }[]) => items.map((item) => item.code);

describe("AgencyRegistry: effective-dated queries", () => {
  it("lists the old agencies on 30/6/2025 and the new ones on 1/7/2025", () => {
    const registry = fixtureRegistry();
    expect(codes(registry.agenciesAt("2025-06-30"))).toEqual(["000.00.05.H04", "000.00.33.H04", "000.01.33.H04", "000.02.33.H04"]);
    expect(codes(registry.agenciesAt("2025-07-01"))).toEqual(["000.00.05.H06", "000.00.58.H06"]);
    expect(codes(registry.agenciesAt("2025-02-28"))).toContain("000.00.04.H04");
    expect(codes(registry.agenciesAt("2025-03-01"))).not.toContain("000.00.04.H04");
  });

  it("returns agencies in the GET /v1/agencies shape, with validTo null while still valid", () => {
    expect(fixtureRegistry().agenciesAt("2025-07-01")[0]).toEqual({
      code: "000.00.05.H06",
      name: "Sở Tài chính tỉnh Bắc Ninh",
      level: "PROVINCE",
      unitCode: "24",
      validFrom: "2025-07-01",
      validTo: null,
    });
  });

  it("finds the version of a reused code valid on a date, or the latest version without a date", () => {
    const registry = fixtureRegistry();
    expect(registry.unit("24", "2025-06-30")?.name).toBe("Tỉnh Bắc Giang");
    expect(registry.unit("24", "2025-07-01")?.name).toBe("Tỉnh Bắc Ninh");
    expect(registry.unit("24")?.name).toBe("Tỉnh Bắc Ninh");
    expect(registry.unit("07260", "2020-05-01")?.name).toBe("Thị trấn Cao Thượng");
    expect(registry.unit("216", "2025-07-01")).toBeUndefined();
    expect(registry.agency("000.00.33.H04", "2025-07-01")).toBeUndefined();
    expect(registry.agency("000.00.33.H04")?.validTo).toBe("2025-06-30");
    expect(registry.agency("000.00.33.H04", "1996-12-31")).toBeUndefined();
  });

  it("follows successors across the March 2025 department merger and the July 2025 province merger", () => {
    const registry = fixtureRegistry();
    expect(registry.successorAt("000.00.04.H04", "2025-02-28")?.name).toBe("Sở Kế hoạch và Đầu tư tỉnh Bắc Giang");
    expect(registry.successorAt("000.00.04.H04", "2025-03-01")?.name).toBe("Sở Tài chính tỉnh Bắc Giang");
    expect(registry.successorAt("000.00.04.H04", "2025-07-01")?.name).toBe("Sở Tài chính tỉnh Bắc Ninh");
    expect(registry.successorAt("000.02.33.H04", "2025-07-01")?.name).toBe("Ủy ban nhân dân xã Tân Yên");
    expect(codes(registry.successorChain("000.00.04.H04"))).toEqual(["000.00.04.H04", "000.00.05.H04", "000.00.05.H06"]);
  });

  it("has no successor for an abolished district committee and nothing before a code existed", () => {
    const registry = fixtureRegistry();
    expect(registry.successorAt("000.00.33.H04", "2025-07-01")).toBeUndefined();
    expect(registry.successorChain("000.00.33.H04").map((agency) => agency.code)).toEqual(["000.00.33.H04"]);
    expect(registry.successorAt("000.00.58.H06", "2025-06-30")).toBeUndefined();
    expect(registry.successorAt("999.99.99.H99", "2025-07-01")).toBeUndefined();
  });

  it("resolves old units to the merged unit that reuses one of their codes", () => {
    const registry = fixtureRegistry();
    expect(registry.unitSuccessorAt("07263", "2025-07-01")?.name).toBe("Xã Tân Yên");
    expect(registry.unitSuccessorChain("07260").map((unit) => unit.name)).toEqual(["Thị trấn Cao Thượng", "Xã Tân Yên"]);
    expect(registry.unitSuccessorChain("24", "2025-06-30").map((unit) => unit.name)).toEqual(["Tỉnh Bắc Giang", "Tỉnh Bắc Ninh"]);
    expect(registry.unitsAt("2025-07-01").map((unit) => unit.name)).toEqual(["Xã Tân Yên", "Tỉnh Bắc Ninh"]);
  });

  it("rejects a date that is not a calendar date", () => {
    expect(() => fixtureRegistry().agenciesAt("2025-02-30")).toThrow(RangeError);
    expect(() => fixtureRegistry().successorAt("000.00.04.H04", "1/7/2025")).toThrow(RangeError);
  });
});

describe("agency and unit validation", () => {
  const header = "code,name,level,unitCode,validFrom,validTo,successorCode";

  it("reports each bad row with its line and field", () => {
    const csv = [
      header,
      "000.00.33.H04,Ủy ban nhân dân huyện Tân Yên,DISTRICT,216,1997-01-01,,",
      "000.00.34.H04,Ủy ban nhân dân huyện Lạng Giang,DISTRICT,2170,1997-01-01,2025-06-30,",
      "000.00.05.H04,Sở Tài chính tỉnh Bắc Giang,PROVINCE,24,2025-07-01,2025-06-30,",
      "000.00.06.H04,Sở Công Thương tỉnh Bắc Giang,PROVINCE,24,1997-01-01,,000.00.06.H06",
      "00.06.H04,Sở Y tế,SO,24,30/06/2025,,",
    ].join("\n");
    const result = parseAgenciesCsv(csv);
    expect(result).toEqual({
      ok: false,
      errors: [
        { row: 2, field: "validTo", message: "a DISTRICT-level entry must end before 2025-07-01 (the district level was abolished), got no end" },
        { row: 3, field: "unitCode", message: 'must be a 3-digit district code like "213" for a DISTRICT agency, got "2170"' },
        { row: 4, field: "validTo", message: "must not be before validFrom (2025-07-01), got 2025-06-30" },
        { row: 5, field: "successorCode", message: "needs validTo: the successor takes over on the day after validTo" },
        { row: 6, field: "code", message: 'must be an agency identifier (mã định danh) like "000.00.12.H10", got "00.06.H04"' },
        { row: 6, field: "level", message: 'must be one of PROVINCE, DISTRICT, COMMUNE, got "SO"' },
        { row: 6, field: "validFrom", message: 'must be a calendar date written YYYY-MM-DD, got "30/06/2025"' },
      ],
    });
  });

  it("rejects overlapping versions of one code and a successor missing on the handover day", () => {
    const csv = [
      header,
      "000.00.04.H04,Sở Kế hoạch và Đầu tư tỉnh Bắc Giang,PROVINCE,24,1997-01-01,2025-02-28,000.00.05.H04",
      "000.00.05.H04,Sở Tài chính tỉnh Bắc Giang,PROVINCE,24,2025-03-02,2025-06-30,",
      "000.00.05.H04,Sở Tài chính tỉnh Bắc Giang,PROVINCE,24,2025-06-01,,",
    ].join("\n");
    expect(parseAgenciesCsv(csv)).toEqual({
      ok: false,
      errors: [
        { row: 2, field: "successorCode", message: "no agency 000.00.05.H04 is valid on 2025-03-01, the day after validTo" },
        {
          row: 4,
          field: "validFrom",
          message: "agency 000.00.05.H04 is already valid on part of this period on row 3 (2025-03-02 to 2025-06-30); versions of one code must not overlap",
        },
      ],
    });
  });

  it("checks unit parents and that agencies serve an existing unit of their level", () => {
    const units = parseUnitsCsv(
      ["code,name,level,parentCode,validFrom,validTo,successorCode", "24,Tỉnh Bắc Giang,PROVINCE,,1997-01-01,,", "07201,Phường Trần Phú,COMMUNE,213,1997-01-01,2025-06-30,"].join("\n"),
    );
    expect(units).toEqual({ ok: false, errors: [{ row: 3, field: "parentCode", message: "no unit 213 is valid on 1997-01-01 (this unit's validFrom)" }] });

    const onlyProvince = parseUnitsCsv("code,name,level,parentCode,validFrom,validTo\n24,Tỉnh Bắc Giang,PROVINCE,,1997-01-01,\n");
    const agencies = parseAgenciesJson(
      JSON.stringify([
        { code: "000.00.33.H04", name: "Ủy ban nhân dân huyện Tân Yên", level: "DISTRICT", unitCode: "216", validFrom: "1997-01-01", validTo: "2025-06-30" },
        { code: "000.00.05.H04", name: "Sở Tài chính tỉnh Bắc Giang", level: "PROVINCE", unitCode: "24", validFrom: "1990-01-01", validTo: null },
      ]),
    );
    if (!onlyProvince.ok || !agencies.ok) throw new Error("fixtures must parse");
    expect(buildAgencyRegistry(onlyProvince.value, agencies.value)).toEqual({
      ok: false,
      errors: [
        { row: 1, field: "unitCode", message: "no administrative unit 216 is valid on 1997-01-01 (this agency's validFrom)" },
        { row: 2, field: "unitCode", message: "no administrative unit 24 is valid on 1990-01-01 (this agency's validFrom)" },
      ],
    });
  });
});
