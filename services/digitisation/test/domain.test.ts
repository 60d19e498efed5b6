/** The digitisation rules, pure: given a request or a state, when decided, then these events or errors. */
import { describe, expect, it } from "vitest";
import { ContentCheck } from "../src/app/content-check.js";
import { TooLargeError, UnsupportedTypeError } from "../src/app/errors.js";
import {
  decideFullyDigitised,
  decideReuse,
  type DigitisationRuleError,
  evolveDossier,
  holderRefInput,
  register,
  reusable,
  signingSubject,
  type DigitisedDocument,
  type DossierDigitisation,
} from "../src/domain/documents.js";
import { sniffType } from "../src/domain/file-type.js";
import { parseRegistration, resultNumber, validOn, type RegistrationRequest } from "../src/domain/metadata.js";

const NOW = "2026-12-02T09:00:00+07:00";

function request(overrides: Record<string, unknown> = {}, document: Record<string, unknown> = {}) {
  return {
    kind: "COMPONENT",
    dossierCode: "000.00.03.H06-261202-0001",
    agencyCode: "000.00.03.H06",
    componentTypeCode: "TK",
    ...overrides,
    document: {
      documentTypeCode: "GKS",
      holder: { idNumber: "024 090 001 234" },
      name: "Giấy khai sinh",
      summary: "Trích yếu",
      validFrom: "2020-01-01",
      scope: "Toàn quốc",
      ...document,
    },
  };
}

/** A parsed request placed at its dossier's agency (as the service does with intake's answer). */
function accepted(raw: unknown): RegistrationRequest {
  const parsed = parseRegistration(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return { ...parsed.value, agencyCode: parsed.value.agencyCode ?? "000.00.03.H06" } as RegistrationRequest;
}

const content = { sha256: "ab".repeat(32), size: 1234, mediaType: "application/pdf" };

function documentOf(raw: unknown, id = "0190f0a0-0000-7000-8000-000000000001"): DigitisedDocument {
  return register(accepted(raw), { documentId: id, holderRef: "ref-of-holder", content, officer: "desk-1", now: NOW }).document;
}

describe("the minimum metadata", () => {
  it("given every required field, the request is accepted with the ID number normalised", () => {
    const value = accepted(request());
    expect(value).toMatchObject({ kind: "COMPONENT", componentTypeCode: "TK", metadata: { holder: { idNumber: "024090001234" }, scope: "Toàn quốc" } });
  });

  it("given nothing but the dossier, every missing field is named in Vietnamese", () => {
    const parsed = parseRegistration({ dossierCode: "X-1", agencyCode: "000.00.03.H06", document: {} });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      { path: "componentTypeCode", message: "thiếu mã thành phần hồ sơ" },
      { path: "document.documentTypeCode", message: "thiếu mã loại giấy tờ" },
      { path: "document.holder", message: "thiếu người được cấp giấy tờ (số định danh, hoặc họ tên và năm sinh)" },
      { path: "document.name", message: "thiếu tên giấy tờ" },
      { path: "document.summary", message: "thiếu trích yếu nội dung" },
      { path: "document.validFrom", message: "thiếu ngày bắt đầu hiệu lực" },
      { path: "document.scope", message: "thiếu phạm vi hiệu lực" },
    ]);
  });

  it("given a holder without ID number, name, year of birth, issue date and issuer are required", () => {
    const parsed = parseRegistration(request({}, { holder: { fullName: "Trần Thị Bình" } }));
    expect(parsed.ok ? [] : parsed.errors.map((e) => e.path)).toEqual(["document.holder.birthYear", "document.issuedOn", "document.issuer"]);
    const complete = accepted(request({}, { holder: { fullName: "Trần Thị Bình", birthYear: 1988 }, issuedOn: "2010-05-04", issuer: "UBND phường Suối Hoa" }));
    expect(complete.metadata.holder).toEqual({ fullName: "Trần Thị Bình", birthYear: 1988 });
  });

  it("given an impossible date, a period ending before it starts or a bad ID number, each is named; the ID number is not quoted back", () => {
    const parsed = parseRegistration(request({}, { holder: { idNumber: "12-34" }, validFrom: "2025-02-30", validTo: "2019-01-01" }));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.path)).toEqual(["document.holder.idNumber", "document.validFrom"]);
    expect(JSON.stringify(parsed.errors)).not.toContain("1234");
    const reversed = parseRegistration(request({}, { validFrom: "2025-01-01", validTo: "2024-12-31" }));
    expect(reversed.ok ? [] : reversed.errors).toEqual([{ path: "document.validTo", message: "ngày hết hiệu lực trước ngày bắt đầu hiệu lực" }]);
  });

  it("given an electronic result, the holder's ID number is required: the result's number is made of it", () => {
    const parsed = parseRegistration(request({ kind: "RESULT", resultTypeCode: "KQ01" }, { holder: { fullName: "Lê Văn C", birthYear: 1970 }, issuedOn: "2001-01-01", issuer: "UBND" }));
    expect(parsed.ok ? [] : parsed.errors.map((e) => e.path)).toEqual(["document.holder.idNumber"]);
  });

  it("text is kept in NFC", () => {
    const decomposed = "Giấy khai sinh".normalize("NFD");
    expect(accepted(request({}, { name: decomposed })).metadata.name).toBe("Giấy khai sinh".normalize("NFC"));
  });
});

describe("registering", () => {
  it("given a component, when registered, then COMPONENT_DIGITISED for the dossier and component", () => {
    const { document, events } = register(accepted(request()), { documentId: "d1", holderRef: "r", content, officer: "desk-1", now: NOW });
    expect(document).toMatchObject({ id: "d1", kind: "COMPONENT", digitisedBy: "desk-1", digitisedAt: NOW, reusedBy: [] });
    expect(events).toEqual([{ type: "COMPONENT_DIGITISED", dossierCode: "000.00.03.H06-261202-0001", agencyCode: "000.00.03.H06", componentTypeCode: "TK", documentId: "d1", at: NOW }]);
  });

  it("given a result, when issued, then its number is the holder's ID number followed by the result-type code, and RESULT_ISSUED", () => {
    const { document, events } = register(accepted(request({ kind: "RESULT", resultTypeCode: "KQ.GKS" })), { documentId: "d2", holderRef: "r", content, officer: "o", now: NOW });
    expect(document.resultNumber).toBe("024090001234KQ.GKS");
    expect(resultNumber("024.090.001.234", "KQ.GKS")).toBe("024090001234KQ.GKS");
    expect(events.map((e) => e.type)).toEqual(["RESULT_ISSUED"]);
  });

  it("the holder's reference input is the ID number, or the name (case and spacing folded) with the year of birth", () => {
    expect(holderRefInput(accepted(request()).metadata)).toBe("024090001234");
    const named = accepted(request({}, { holder: { fullName: "  TRẦN  Thị Bình ", birthYear: 1988 }, issuedOn: "2010-05-04", issuer: "UBND" }));
    expect(holderRefInput(named.metadata)).toBe("name:trần thị bình|1988");
  });

  it("the signed subject covers the hash and every metadata field", () => {
    const document = documentOf(request());
    const subject = signingSubject(document);
    expect(subject).toMatchObject({ sha256: content.sha256, metadata: document.metadata, digitisedBy: "desk-1", dossierCode: document.dossierCode });
    expect(signingSubject({ ...document, metadata: { ...document.metadata, scope: "Tỉnh Bắc Ninh" } })).not.toEqual(subject);
  });
});

describe("the citizen's document store", () => {
  const valid = documentOf(request({}, { validFrom: "2020-01-01", validTo: "2030-12-31" }), "a");
  const expired = documentOf(request({}, { documentTypeCode: "CCCD", validFrom: "2010-01-01", validTo: "2024-12-31" }), "b");
  const unlimited = documentOf(request({}, { documentTypeCode: "KQ", validFrom: "2026-01-01" }), "c");

  it("offers only documents valid on the day, optionally of the asked types", () => {
    expect(reusable([valid, expired, unlimited], "2026-12-02").map((d) => d.id)).toEqual(["a", "c"]);
    expect(reusable([valid, expired, unlimited], "2026-12-02", ["KQ"]).map((d) => d.id)).toEqual(["c"]);
    expect(validOn({ validFrom: "2026-01-01" }, "2025-12-31")).toBe(false);
  });

  it("given a valid document of the same holder, when a later dossier reuses it, then DOCUMENT_REUSED", () => {
    const events = decideReuse(valid, { dossierCode: "B-1", agencyCode: "000.00.09.H06", componentTypeCode: "GKS", holderRef: "ref-of-holder", day: "2026-12-02", now: NOW });
    expect(events).toEqual([{ type: "DOCUMENT_REUSED", dossierCode: "B-1", agencyCode: "000.00.09.H06", componentTypeCode: "GKS", documentId: "a", documentTypeCode: "GKS", at: NOW }]);
  });

  it("refuses an expired document, another holder's, and the dossier's own", () => {
    const base = { dossierCode: "B-1", agencyCode: "000.00.09.H06", componentTypeCode: "GKS", holderRef: "ref-of-holder", day: "2026-12-02", now: NOW };
    const rule = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as DigitisationRuleError).rule;
      }
      return "none";
    };
    expect(rule(() => decideReuse(expired, base))).toBe("DOCUMENT_NOT_VALID");
    expect(rule(() => decideReuse(valid, { ...base, holderRef: "someone-else" }))).toBe("HOLDER_MISMATCH");
    expect(rule(() => decideReuse(valid, { ...base, dossierCode: valid.dossierCode }))).toBe("SAME_DOSSIER");
  });
});

describe("a dossier fully digitised", () => {
  const start: DossierDigitisation = { dossierCode: "D-1", agencyCode: "A", covered: {}, announced: false };

  it("given declared components, when the last is covered, then DOSSIER_DIGITISED once", () => {
    let state = evolveDossier(start, { components: ["TK", "GKS", "TK"] });
    expect(state.components).toEqual(["TK", "GKS"]);
    state = evolveDossier(state, { covered: ["TK", "d1"] });
    expect(decideFullyDigitised(state, NOW)).toEqual([]);
    state = evolveDossier(state, { covered: ["GKS", "d2"] });
    expect(decideFullyDigitised(state, NOW)).toEqual([{ type: "DOSSIER_DIGITISED", dossierCode: "D-1", agencyCode: "A", componentTypeCodes: ["TK", "GKS"], at: NOW }]);
    expect(decideFullyDigitised(evolveDossier(state, { announced: true }), NOW)).toEqual([]);
  });

  it("given components covered before any declaration, nothing is announced until they are declared", () => {
    const covered = evolveDossier(evolveDossier(start, { covered: ["TK", "d1"] }), { covered: ["GKS", "d2"] });
    expect(decideFullyDigitised(covered, NOW)).toEqual([]);
    expect(decideFullyDigitised(evolveDossier(covered, { components: ["TK", "GKS"] }), NOW)).toHaveLength(1);
  });
});

describe("file types by their first bytes", () => {
  it("recognises PDF, PNG, JPEG and TIFF, and nothing else whatever its name", () => {
    expect(sniffType(Buffer.from("%PDF-1.4\n"))?.mediaType).toBe("application/pdf");
    expect(sniffType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))?.mediaType).toBe("image/png");
    expect(sniffType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0]))?.mediaType).toBe("image/jpeg");
    expect(sniffType(Buffer.from([0x49, 0x49, 0x2a, 0x00, 0, 0, 0, 0]))?.mediaType).toBe("image/tiff");
    expect(sniffType(Buffer.from("MZ\x90\x00", "latin1"))).toBeUndefined();
    expect(sniffType(Buffer.from("PK\x03\x04", "latin1"))).toBeUndefined();
    expect(sniffType(Buffer.from("<html>"))).toBeUndefined();
  });

  it("the content check hashes and counts what passes, split in any chunks, and stops a wrong type or an oversize file", async () => {
    const run = async (chunks: Buffer[], max = 1_000) => {
      const check = new ContentCheck(max);
      const out: Buffer[] = [];
      check.on("data", (chunk: Buffer) => out.push(chunk));
      const done = new Promise<void>((resolve, reject) => check.on("end", resolve).on("error", reject));
      for (const chunk of chunks) check.write(chunk);
      check.end();
      await done;
      return { out: Buffer.concat(out), size: check.bytesPassed, sha256: check.digest(), type: (await check.type).mediaType };
    };
    const file = Buffer.concat([Buffer.from("%PDF-1.7"), Buffer.alloc(300, 7)]);
    const passed = await run([file.subarray(0, 3), file.subarray(3, 5), file.subarray(5)]);
    expect(passed.out.equals(file)).toBe(true);
    expect(passed.size).toBe(file.length);
    expect(passed.type).toBe("application/pdf");
    await expect(run([Buffer.from("MZ......")])).rejects.toBeInstanceOf(UnsupportedTypeError);
    await expect(run([file, file, file, file])).rejects.toBeInstanceOf(TooLargeError);
    await expect(run([])).rejects.toBeInstanceOf(UnsupportedTypeError);
  });
});
