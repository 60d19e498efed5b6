import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadSeedAgencyRegistry, loadSeedCatalogue, type AgencyRegistry, type Catalogue } from "../src/index.js";

function seedCatalogue(): Catalogue {
  const result = loadSeedCatalogue();
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.value;
}

function seedRegistry(): AgencyRegistry {
  const result = loadSeedAgencyRegistry();
  if (!result.ok) throw new Error(JSON.stringify(result.errors, null, 2));
  return result.value;
}

describe("seed catalogue", () => {
  it("holds at least 60 procedures across the common sectors", () => {
    const catalogue = seedCatalogue();
    expect(catalogue.procedures().length).toBeGreaterThanOrEqual(60);
    const sectors = catalogue.sectors().map((sector) => sector.code);
    for (const sector of [
      "HO_TICH",
      "CU_TRU",
      "DAT_DAI",
      "XAY_DUNG",
      "HO_KINH_DOANH",
      "DOANH_NGHIEP",
      "BAO_TRO_XA_HOI",
      "BHXH",
      "BHYT",
      "CHUNG_THUC",
      "DUONG_BO",
      "KHAM_CHUA_BENH",
      "GIAO_DUC",
      "MOI_TRUONG",
    ]) {
      expect(sectors, sector).toContain(sector);
    }
  });

  it("has the six bundle procedures of Decree 63/2024 in order", () => {
    const catalogue = seedCatalogue();
    const steps = (code: "BIRTH" | "DEATH") => catalogue.bundle(code)!.steps.map(({ step, procedure }) => [step, procedure.name]);
    expect(steps("BIRTH")).toEqual([
      [1, "Thủ tục đăng ký khai sinh"],
      [2, "Đăng ký thường trú"],
      [3, "Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"],
    ]);
    expect(steps("DEATH")).toEqual([
      [1, "Thủ tục đăng ký khai tử"],
      [2, "Xóa đăng ký thường trú"],
      [3, "Giải quyết hưởng chế độ tử tuất (trợ cấp mai táng, trợ cấp tuất)"],
    ]);
    expect(catalogue.procedures().filter((procedure) => procedure.bundleCode !== undefined)).toHaveLength(6);
    expect(catalogue.bundle("BIRTH")).toMatchObject({ onlineOnly: true, timeLimit: { amount: 3, unit: "WORKING_DAYS", sameDay: false } });
    expect(catalogue.bundle("DEATH")?.timeLimit).toBeNull();
  });

  it("marks the same-day civil status procedures and keeps on-time birth and death registration free", () => {
    const catalogue = seedCatalogue();
    for (const code of ["1.001193", "1.000656", "1.000894", "2.000635"]) {
      expect(catalogue.procedure(code)?.timeLimit, code).toEqual({ amount: 0, unit: "WORKING_DAYS", sameDay: true });
    }
    expect(catalogue.procedure("1.001193")?.fees.find((fee) => fee.code === "LP_KHAI_SINH_DUNG_HAN")?.amount).toBe(0);
    expect(catalogue.procedure("1.000656")?.fees.find((fee) => fee.code === "LP_KHAI_TU_DUNG_HAN")?.amount).toBe(0);
    expect(catalogue.procedure("1.004222")?.fees).toEqual([{ code: "LP_DANG_KY_THUONG_TRU", name: "Lệ phí đăng ký thường trú", amount: 20000, onlineAmount: 10000 }]);
    expect(catalogue.procedure("2.000806")?.timeLimit).toEqual({ amount: 15, unit: "DAYS", sameDay: false });
  });

  it("flags every code it could not verify and explains why", () => {
    const unverified = seedCatalogue()
      .procedures()
      .filter((procedure) => !procedure.codeVerified);
    expect(unverified.map((procedure) => procedure.code)).toContain("9.900001");
    for (const procedure of unverified) expect(procedure.note, procedure.code).toMatch(/verif|placeholder/i);
  });

  it("stores every name in NFC", () => {
    const catalogue = seedCatalogue();
    for (const procedure of catalogue.procedures()) {
      expect(procedure.name, procedure.code).toBe(procedure.name.normalize("NFC"));
      for (const fee of procedure.fees) expect(fee.name).toBe(fee.name.normalize("NFC"));
    }
  });
});

describe("seed registry of Bắc Giang / Bắc Ninh", () => {
  it("has district committees until 30/6/2025 and none from 1/7/2025", () => {
    const registry = seedRegistry();
    const districtsOn = (date: string) => registry.agenciesAt(date).filter((agency) => agency.level === "DISTRICT");
    expect(districtsOn("2025-06-30").map((agency) => agency.name)).toContain("Ủy ban nhân dân huyện Tân Yên");
    expect(districtsOn("2025-06-30")).toHaveLength(10);
    expect(districtsOn("2025-07-01")).toEqual([]);
    expect(registry.agenciesAt("2025-07-01").every((agency) => agency.validFrom === "2025-07-01" || agency.name === "Ủy ban nhân dân tỉnh Bắc Ninh")).toBe(true);
  });

  it("hands every Bắc Giang department, the service centre and every commune committee over to a Bắc Ninh successor on 1/7/2025", () => {
    const registry = seedRegistry();
    const before = registry.agenciesAt("2025-06-30").filter((agency) => agency.level !== "DISTRICT" && agency.validTo === "2025-06-30");
    expect(before.length).toBeGreaterThan(40);
    for (const agency of before) {
      const successor = registry.successorAt(agency.code, "2025-07-01");
      expect(successor, agency.name).toBeDefined();
      expect(successor!.validFrom).toBe("2025-07-01");
    }
    expect(registry.successorAt("000.00.20.H04", "2025-07-01")?.name).toBe("Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh");
  });

  it("follows an old planning department through the March 2025 merger into the Bắc Ninh finance department", () => {
    const chain = seedRegistry()
      .successorChain("000.00.04.H04")
      .map((agency) => [agency.name, agency.validFrom, agency.validTo]);
    expect(chain).toEqual([
      ["Sở Kế hoạch và Đầu tư tỉnh Bắc Giang", "1997-01-01", "2025-02-28"],
      ["Sở Tài chính tỉnh Bắc Giang", "1997-01-01", "2025-06-30"],
      ["Sở Tài chính tỉnh Bắc Ninh", "2025-07-01", null],
    ]);
  });

  it("maps old communes and the old province to the merged units", () => {
    const registry = seedRegistry();
    expect(registry.unitSuccessorAt("07204", "2025-07-01")?.name).toBe("Phường Bắc Giang");
    expect(registry.unitSuccessorAt("27", "2025-07-01")?.name).toBe("Tỉnh Bắc Ninh");
    expect(registry.unit("24", "2025-06-30")?.name).toBe("Tỉnh Bắc Giang");
    expect(registry.unitSuccessorChain("07340").map((unit) => `${unit.name} (${unit.parentCode ?? "-"})`)).toEqual(["Thị trấn Chũ (219)", "Phường Chũ (226)", "Phường Chũ (24)"]);
    const communesAfter = registry.unitsAt("2025-07-01").filter((unit) => unit.level === "COMMUNE");
    expect(communesAfter.every((unit) => unit.parentCode === "24")).toBe(true);
  });
});

describe("loading data files", () => {
  const dirs: string[] = [];
  const seedDir = new URL("../data/", import.meta.url);
  function dataDirWith(files: Record<string, string>): URL {
    const dir = mkdtempSync(join(tmpdir(), "catalogue-"));
    dirs.push(dir);
    for (const name of ["bundles.json", "units.csv", "agencies.csv"]) copyFileSync(new URL(name, seedDir), join(dir, name));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return pathToFileURL(`${dir}/`);
  }
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("returns errors naming the file instead of a half-loaded catalogue", () => {
    const procedures = JSON.parse(readFileSync(new URL("procedures.json", seedDir), "utf8")) as Record<string, unknown>[];
    procedures[4] = { ...procedures[4], levels: ["HUYEN"] };
    const result = loadSeedCatalogue(dataDirWith({ "procedures.json": JSON.stringify(procedures) }));
    expect(result).toEqual({
      ok: false,
      errors: [{ file: "procedures.json", row: 5, field: "levels[0]", message: 'must be one of PROVINCE, DISTRICT, COMMUNE, got "HUYEN"' }],
    });
  });

  it("reads procedures.csv when a province ships CSV instead of JSON", () => {
    const csv = [
      "code,name,sectorCode,sectorName,levels,timeLimitAmount,timeLimitUnit,sameDay,onlineMode,resultType,bundleCode,bundleStep,fee1Code,fee1Name,fee1Amount",
      "1.001193,Thủ tục đăng ký khai sinh,HO_TICH,Hộ tịch,COMMUNE,0,WORKING_DAYS,true,FULL,ELECTRONIC,BIRTH,1,LP_KHAI_SINH,Lệ phí đăng ký khai sinh đúng hạn,0",
      "1.000656,Thủ tục đăng ký khai tử,HO_TICH,Hộ tịch,COMMUNE,0,WORKING_DAYS,true,FULL,ELECTRONIC,DEATH,1,LP_KHAI_TU,Lệ phí đăng ký khai tử đúng hạn,0",
    ].join("\n");
    const result = loadSeedCatalogue(dataDirWith({ "procedures.csv": csv }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.procedures().map((procedure) => procedure.code)).toEqual(["1.001193", "1.000656"]);
  });

  it("names the agencies file and line when an agency points at a unit that does not exist", () => {
    const agencies = readFileSync(new URL("agencies.csv", seedDir), "utf8").replace(
      "000.00.32.H04,Ủy ban nhân dân huyện Yên Thế,DISTRICT,215,",
      "000.00.32.H04,Ủy ban nhân dân huyện Yên Thế,DISTRICT,299,",
    );
    const line = agencies.split("\n").findIndex((text) => text.startsWith("000.00.32.H04")) + 1;
    const result = loadSeedAgencyRegistry(dataDirWith({ "agencies.csv": agencies }));
    expect(result).toEqual({
      ok: false,
      errors: [{ file: "agencies.csv", row: line, field: "unitCode", message: "no administrative unit 299 is valid on 1997-01-01 (this agency's validFrom)" }],
    });
  });
});
