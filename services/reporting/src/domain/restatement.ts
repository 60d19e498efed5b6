/**
 * A frozen (published) form against the same form computed now: late events correct their own
 * period, so a published quarter can change; this lists every cell that did, for a restatement.
 */
import type { FormCounts, TthcForm } from "./tthc-form.js";

export interface CellChange {
  /** Sector code, or "TOTAL". */
  row: string;
  /** The form's column, e.g. "(13)". */
  column: string;
  frozen: number;
  current: number;
}

const COLUMNS: Array<[column: string, cell: (c: FormCounts) => number]> = [
  ["(3)", (c) => c.received.total],
  ["(4)", (c) => c.received.online],
  ["(5)", (c) => c.received.carriedOver],
  ["(6)", (c) => c.received.inPerson],
  ["(7)", (c) => c.received.postal],
  ["(8)", (c) => c.resolved.total],
  ["(9)", (c) => c.resolved.onTimeOrEarly],
  ["(9a)", (c) => c.resolved.early],
  ["(9b)", (c) => c.resolved.onTime],
  ["(10)", (c) => c.resolved.overdue],
  ["(11)", (c) => c.pending.total],
  ["(12)", (c) => c.pending.notYetDue],
  ["(13)", (c) => c.pending.overdue],
  ["(14)", (c) => c.supplementRequested],
  ["(15)", (c) => c.returned.total],
  ["(16)", (c) => c.resultsByPost],
];

export function restatement(frozen: TthcForm, current: TthcForm): CellChange[] {
  const rowsOf = (form: TthcForm) => new Map<string, FormCounts>([...form.rows.map((row) => [row.sectorCode, row] as const), ["TOTAL", form.totals]]);
  const before = rowsOf(frozen);
  const after = rowsOf(current);
  // Rows in the frozen order, then rows that appeared since; TOTAL last.
  const order = [...new Set([...frozen.rows.map((r) => r.sectorCode), ...current.rows.map((r) => r.sectorCode), "TOTAL"])];
  const changes: CellChange[] = [];
  for (const row of order) {
    for (const [column, cell] of COLUMNS) {
      const was = before.has(row) ? cell(before.get(row)!) : 0;
      const now = after.has(row) ? cell(after.get(row)!) : 0;
      if (was !== now) changes.push({ row, column, frozen: was, current: now });
    }
  }
  return changes;
}
