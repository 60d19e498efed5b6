/**
 * The two legal frameworks for one-stop deadlines. Decree 118/2025/NĐ-CP replaced Decree
 * 61/2018/NĐ-CP (as amended by Decree 107/2021/NĐ-CP) on 1 July 2025; a dossier follows the rule
 * set in force on the day it was received. Most rules coincide; every one is spelled out in both
 * so that a difference is a visible field, not a branch hidden in code. Under both, the legal
 * deadline restarts from zero when a completed dossier arrives after a supplement request.
 */
import { localDateOf, type Instant, type LocalDate } from "./dates.js";

export type RuleSetId = "DECREE_61_2018" | "DECREE_118_2025";

export interface DeadlineRuleSet {
  id: RuleSetId;
  title: string;
  /** First receipt date (inclusive) the rule set applies to; null = no lower bound. */
  receivedFrom: LocalDate | null;
  /** Last receipt date (inclusive); null = still in force. */
  receivedUntil: LocalDate | null;
  /** Same-day procedures: a dossier received after this local time (minutes after midnight) is resolved the next working day. */
  sameDayCutoffMinutes: number;
  /** The agency must ask for a supplement, once and completely, within this many working days of receipt. */
  supplementRequestWithinWorkingDays: number;
  /** Days (calendar, Civil Code art. 147–148) after a supplement request within which the applicant must complete the dossier, or it is closed; null = no such limit. */
  supplementCompletionDays: number | null;
  /** How many times the due date may be moved after an apology letter (form 04). */
  maxExtensions: number;
  /** The apology letter is sent at least this many days before the due date. */
  apologyDaysBeforeDue: number;
}

export const DECREE_61_2018: DeadlineRuleSet = {
  id: "DECREE_61_2018",
  title: "Nghị định 61/2018/NĐ-CP, sửa đổi bởi Nghị định 107/2021/NĐ-CP",
  receivedFrom: null,
  receivedUntil: "2025-06-30",
  sameDayCutoffMinutes: 15 * 60,
  supplementRequestWithinWorkingDays: 3,
  supplementCompletionDays: null,
  maxExtensions: 1,
  apologyDaysBeforeDue: 1,
};

export const DECREE_118_2025: DeadlineRuleSet = {
  id: "DECREE_118_2025",
  title: "Nghị định 118/2025/NĐ-CP",
  receivedFrom: "2025-07-01",
  receivedUntil: null,
  sameDayCutoffMinutes: 15 * 60,
  supplementRequestWithinWorkingDays: 3,
  // The one difference the primer records: not completed within 15 days of the request → closed.
  supplementCompletionDays: 15,
  maxExtensions: 1,
  apologyDaysBeforeDue: 1,
};

export const RULE_SETS: readonly DeadlineRuleSet[] = [DECREE_61_2018, DECREE_118_2025];

/** The rule set in force on the (Vietnamese) day the dossier was received. */
export function ruleSetFor(receivedAt: Instant): DeadlineRuleSet {
  const day = localDateOf(receivedAt);
  const found = RULE_SETS.find((rules) => (rules.receivedFrom === null || day >= rules.receivedFrom) && (rules.receivedUntil === null || day <= rules.receivedUntil));
  if (!found) throw new Error(`no deadline rule set covers ${day}`);
  return found;
}
