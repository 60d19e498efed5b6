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

export interface CatalogueLookup {
  procedure(code: string): ProcedureInfo | undefined;
  /** The agency if it exists and is valid on `date` (YYYY-MM-DD, Vietnam time). */
  agencyAt(code: string, date: string): AgencyInfo | undefined;
}
