import { computeDueAt, indicatorVerdict, legalVerdict, type WorkingCalendar } from "@onestop/calendar";
import { clockOf } from "./lifecycle.js";
import type { Dossier } from "./dossier.js";

/** The dossier's deadline and, once resolved, its two verdicts, all derived from its raw facts. */
export function deadlineView(dossier: Dossier, calendar: WorkingCalendar) {
  const legal = computeDueAt(clockOf(dossier), calendar);
  const resolvedAt = dossier.resolution?.at;
  const resolved = resolvedAt ? { ...clockOf(dossier), resolvedAt } : undefined;
  return {
    ruleSet: legal.ruleSet,
    clockStatus: legal.status,
    originalDueAt: dossier.originalDueAt,
    /** Null while the clock is stopped (awaiting a supplement, paused). */
    dueAt: legal.dueAt,
    ...(legal.supplementExpiresAt ? { supplementExpiresAt: legal.supplementExpiresAt } : {}),
    verdicts: resolved
      ? {
          /** The law's view: the deadline restarts when a supplement arrives. */
          legal: legalVerdict(resolved, calendar),
          /** The national indicator's view: supplement and pause time subtracted, more than one supplement request is late. */
          indicator: indicatorVerdict({ ...resolved, originalDueAt: dossier.originalDueAt }, calendar),
        }
      : null,
  };
}
