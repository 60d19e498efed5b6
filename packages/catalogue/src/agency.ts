import type { Level } from "./procedure.js";
import type { Versioned } from "./versioned.js";

/** The first day without district-level units and agencies (the district level was abolished on 1/7/2025). */
export const DISTRICT_LEVEL_ABOLISHED_ON = "2025-07-01";

/** A province, district or commune (đơn vị hành chính) in one version of its existence. */
export interface AdministrativeUnit extends Versioned {
  /** Statistical unit code: 2 digits for a province, 3 for a district, 5 for a commune. */
  code: string;
  name: string;
  level: Level;
  /** The unit it belongs to in this version; absent for a province. */
  parentCode?: string;
  validFrom: string;
  validTo: string | null;
  successorCode?: string;
}

/** An agency that receives or decides dossiers; also the `GET /v1/agencies` item shape. */
export interface Agency extends Versioned {
  /** Mã định danh, e.g. "000.00.12.H10". */
  code: string;
  name: string;
  level: Level;
  /** The administrative unit the agency serves. */
  unitCode: string;
  validFrom: string;
  validTo: string | null;
  successorCode?: string;
}

export const UNIT_CODE_BY_LEVEL: Record<Level, { pattern: RegExp; expected: string }> = {
  PROVINCE: { pattern: /^\d{2}$/, expected: 'a 2-digit province code like "24"' },
  DISTRICT: { pattern: /^\d{3}$/, expected: 'a 3-digit district code like "213"' },
  COMMUNE: { pattern: /^\d{5}$/, expected: 'a 5-digit commune code like "07204"' },
};

/** Mã định danh: three groups of digits and the top-level code (H for provinces, G for ministries), e.g. "000.00.12.H10". */
export const AGENCY_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

/** Higher number = higher level; a parent must be above its child. */
export const LEVEL_RANK: Record<Level, number> = { PROVINCE: 3, DISTRICT: 2, COMMUNE: 1 };
