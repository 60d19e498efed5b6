import type { TimeLimit } from "@onestop/calendar";
import type { Level } from "../domain/dossier.js";

/** What intake needs to know of a procedure (the catalogue package holds the full record). */
export interface ProcedureInfo {
  code: string;
  sectorCode: string;
  levels: readonly Level[];
  timeLimit: TimeLimit;
  onlineMode: "FULL" | "PARTIAL" | "NONE";
  fees: ReadonlyArray<{ code: string; amount: number; onlineAmount?: number }>;
}

export interface AgencyInfo {
  code: string;
  level: Level;
}

/** A liên thông bundle as intake needs it: what may be filed under it and its whole limit. */
export interface BundleInfo {
  code: string;
  nationalCode?: string;
  /** The lead procedure (the bundle's first step): the dossier's procedure. */
  firstProcedureCode: string;
  onlineOnly: boolean;
  /** The whole bundle's limit (published, or its steps' slices added up). */
  timeLimit?: TimeLimit;
}

export interface CatalogueLookup {
  /** The bundle filed under `code`: BIRTH / DEATH or its national code (2.002621). */
  bundle?(code: string): BundleInfo | undefined;
  procedure(code: string): ProcedureInfo | undefined;
  /** The agency if it exists and is valid on `date` (YYYY-MM-DD, Vietnam time). */
  agencyAt(code: string, date: string): AgencyInfo | undefined;
}
