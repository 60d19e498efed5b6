import { loadSeedAgencyRegistry } from "@onestop/catalogue";
import { describe, expect, it } from "vitest";
import { ForbiddenError, Jurisdiction, type Principal, type Role } from "../src/index.js";

// Cases from the seed registry (packages/catalogue/data): on 1/7/2025 Bắc Giang (unit 24) and Bắc Ninh
// (unit 27) became one province, Bắc Ninh, unit 24; Sở Tư pháp Bắc Giang 000.00.03.H04 became
// 000.00.03.H06, and phường Trần Phú 000.01.31.H04 (under district 213) became phường Bắc Giang 000.00.51.H06.
const registry = loadSeedAgencyRegistry();
if (!registry.ok) throw new Error("seed registry does not load");
const jurisdiction = new Jurisdiction(registry.value, () => "2026-12-02");

const JUSTICE = "000.00.03.H06";
const OLD_JUSTICE = "000.00.03.H04";
const CONSTRUCTION = "000.00.09.H06";
const COMMUNE = "000.00.51.H06";
const OLD_COMMUNE = "000.01.31.H04";
const OTHER_COMMUNE = "000.00.52.H06";

const caller = (roles: Role[], scope: { agencyCode?: string; unitCode?: string } = {}): Principal => ({ subject: "u", kind: "user", roles, ...scope });
const allowed = (check: () => unknown) => expect(check).not.toThrow();
const refused = (check: () => unknown) => expect(check).toThrow(ForbiddenError);

describe("receiving a dossier", () => {
  it("is for the desk officers of the receiving agency, and services", () => {
    allowed(() => jurisdiction.assertMayReceive(caller(["desk_officer"], { agencyCode: COMMUNE }), COMMUNE));
    allowed(() => jurisdiction.assertMayReceive(caller(["service"]), COMMUNE));
    refused(() => jurisdiction.assertMayReceive(caller(["desk_officer"], { agencyCode: OTHER_COMMUNE }), COMMUNE));
    refused(() => jurisdiction.assertMayReceive(caller(["processing_officer"], { agencyCode: COMMUNE }), COMMUNE));
    refused(() => jurisdiction.assertMayReceive(caller(["province_operator"], { unitCode: "24" }), COMMUNE));
    refused(() => jurisdiction.assertMayReceive(caller(["desk_officer"]), COMMUNE));
  });

  it("follows the registry: a token still naming the merged ward acts as its successor", () => {
    allowed(() => jurisdiction.assertMayReceive(caller(["desk_officer"], { agencyCode: OLD_COMMUNE }), COMMUNE));
    // Phường Mỹ Độ 000.06.31.H04 went to phường Đa Mai 000.00.52.H06, not to phường Bắc Giang.
    refused(() => jurisdiction.assertMayReceive(caller(["desk_officer"], { agencyCode: "000.06.31.H04" }), COMMUNE));
  });
});

describe("acting on and reading a dossier", () => {
  const atJustice = { receivingUnitCode: JUSTICE, agencyCodes: [JUSTICE] };
  const transferred = { receivingUnitCode: JUSTICE, agencyCodes: [JUSTICE, CONSTRUCTION] };

  it("lets the receiving desk and the current holder's processing officers act", () => {
    allowed(() => jurisdiction.assertMayAct(caller(["desk_officer"], { agencyCode: JUSTICE }), atJustice));
    allowed(() => jurisdiction.assertMayAct(caller(["processing_officer"], { agencyCode: JUSTICE }), atJustice));
    allowed(() => jurisdiction.assertMayAct(caller(["processing_officer"], { agencyCode: CONSTRUCTION }), transferred));
    refused(() => jurisdiction.assertMayAct(caller(["processing_officer"], { agencyCode: JUSTICE }), transferred));
    refused(() => jurisdiction.assertMayAct(caller(["desk_officer"], { agencyCode: CONSTRUCTION }), atJustice));
    refused(() => jurisdiction.assertMayAct(caller(["province_operator"], { unitCode: "24" }), atJustice));
    refused(() => jurisdiction.assertMayAct(caller(["reporting_viewer"], { agencyCode: JUSTICE }), atJustice));
  });

  it("lets an agency that held the dossier and the province's operators read it, and no one else", () => {
    allowed(() => jurisdiction.assertMayRead(caller(["processing_officer"], { agencyCode: JUSTICE }), transferred));
    allowed(() => jurisdiction.assertMayRead(caller(["province_operator"], { unitCode: "24" }), atJustice));
    // Old Bắc Ninh's code 27 stands for today's province 24.
    allowed(() => jurisdiction.assertMayRead(caller(["province_operator"], { unitCode: "27" }), atJustice));
    refused(() => jurisdiction.assertMayRead(caller(["province_operator"], { unitCode: "01" }), atJustice));
    refused(() => jurisdiction.assertMayRead(caller(["desk_officer"], { agencyCode: CONSTRUCTION }), atJustice));
    refused(() => jurisdiction.assertMayRead(caller(["sector_system"], { agencyCode: JUSTICE }), atJustice));
  });

  it("hands the old Sở's dossiers, received before the merge, to the new Sở's officers", () => {
    const before = { receivingUnitCode: OLD_JUSTICE, agencyCodes: [OLD_JUSTICE] };
    allowed(() => jurisdiction.assertMayAct(caller(["processing_officer"], { agencyCode: JUSTICE }), before));
    allowed(() => jurisdiction.assertMayRead(caller(["desk_officer"], { agencyCode: JUSTICE }), before));
    refused(() => jurisdiction.assertMayAct(caller(["processing_officer"], { agencyCode: CONSTRUCTION }), before));
    // A commune dossier of the old ward belongs to the province through the ward → district 213 → province chain, as it stands today.
    allowed(() => jurisdiction.assertMayRead(caller(["province_operator"], { unitCode: "24" }), { receivingUnitCode: OLD_COMMUNE, agencyCodes: [OLD_COMMUNE] }));
    // The district People's Committees ended without successors; their dossiers stay the province's.
    const district = "000.00.31.H04"; // Ủy ban nhân dân thành phố Bắc Giang, until 30/6/2025
    allowed(() => jurisdiction.assertMayRead(caller(["province_operator"], { unitCode: "24" }), { receivingUnitCode: district, agencyCodes: [district] }));
    expect(jurisdiction.reportScopeFor(caller(["reporting_viewer"], { unitCode: "24" }), { agencyCode: district })).toEqual({ agencyCode: district });
  });
});

describe("report scopes", () => {
  it("pins an agency's viewer to that agency, also for the agency it succeeded", () => {
    const viewer = caller(["reporting_viewer"], { agencyCode: JUSTICE });
    expect(jurisdiction.reportScopeFor(viewer, {})).toEqual({ agencyCode: JUSTICE });
    expect(jurisdiction.reportScopeFor(viewer, { agencyCode: OLD_JUSTICE, sectorCode: "HO_TICH" })).toEqual({ agencyCode: OLD_JUSTICE, sectorCode: "HO_TICH" });
    refused(() => jurisdiction.reportScopeFor(viewer, { agencyCode: CONSTRUCTION }));
  });

  it("lets province-wide viewers and operators read any agency of their province", () => {
    for (const who of [caller(["reporting_viewer"], { unitCode: "24" }), caller(["province_operator"], { unitCode: "24" })]) {
      expect(jurisdiction.reportScopeFor(who, {})).toEqual({});
      expect(jurisdiction.reportScopeFor(who, { agencyCode: COMMUNE })).toEqual({ agencyCode: COMMUNE });
    }
    refused(() => jurisdiction.reportScopeFor(caller(["reporting_viewer"], { unitCode: "01" }), { agencyCode: COMMUNE }));
    // A province the registry does not know reads nothing, not even the scope without an agency.
    refused(() => jurisdiction.reportScopeFor(caller(["province_operator"], { unitCode: "01" }), {}));
    refused(() => jurisdiction.reportScopeFor(caller(["desk_officer"], { agencyCode: COMMUNE }), {}));
  });
});
