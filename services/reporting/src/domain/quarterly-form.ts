/**
 * The quarterly form items (seed 001, "Biểu mẫu 3") that dossier and payment events can give, per level.
 * Items that need events reporting does not consume yet are marked not available, never invented.
 */
import type { Level, OnlineMode } from "./facts.js";
import { ratio, type Ratio } from "./ratio.js";
import type { PeriodDossiers } from "./scope.js";
import { countOf, type TallyLine } from "./tally.js";

export interface ProcedureInfo {
  code: string;
  sectorCode: string;
  /** The catalogue's mode: what the procedure offers, not how one dossier came. */
  onlineMode: OnlineMode;
  levels: readonly Level[];
}

export interface NotAvailable {
  available: false;
  reason: string;
}

export interface LevelItems {
  /** On-time rate: resolved on time or early (legal due date) / resolved. */
  onTime: Ratio;
  /** Online services of the level that received at least one online dossier / online services offered at the level. */
  servicesWithOnlineDossiers: Ratio;
  /** Dossiers received online / dossiers received, for procedures offered fully online. */
  onlineShareFullServices: Ratio;
  /** Same for procedures offered partly online. */
  onlineSharePartialServices: Ratio;
  /**
   * Dossiers received in the period with a non-zero fee line that were paid online (national
   * payment platform or another gateway, not refunded in full) by its end / dossiers received in
   * the period with a non-zero fee line (all-zero dossiers left out).
   */
  onlinePayment: Ratio;
  feedback: NotAvailable;
}

export interface QuarterlyForm {
  byLevel: Array<{ level: Level; items: LevelItems }>;
  total: LevelItems;
}

const FEEDBACK_NOT_CONSUMED = "Chưa có sự kiện phản ánh, kiến nghị (PAKN) trên luồng sự kiện.";

function itemsOf(lines: readonly TallyLine[], procedures: readonly ProcedureInfo[], level: Level | undefined): LevelItems {
  const byCode = new Map(procedures.map((procedure) => [procedure.code, procedure]));
  const resolved = lines.filter((line) => line.outcome.kind === "RESOLVED");
  const onTime = countOf(resolved, (line) => line.outcome.kind === "RESOLVED" && line.outcome.legal !== "OVERDUE");
  // Shares are about what came in during the period: carried-over dossiers were counted when received.
  const received = lines.filter((line) => line.entry !== "CARRIED_OVER");
  const share = (mode: OnlineMode) => {
    const ofMode = received.filter((line) => byCode.get(line.procedureCode)?.onlineMode === mode);
    return ratio(
      countOf(ofMode, (line) => line.channel === "ONLINE"),
      countOf(ofMode),
    );
  };
  const offered = procedures.filter((p) => p.onlineMode !== "NONE" && (level === undefined || p.levels.includes(level)));
  const withOnline = new Set(received.filter((line) => line.channel === "ONLINE" && line.count > 0).map((line) => line.procedureCode));
  return {
    onTime: ratio(onTime, countOf(resolved)),
    servicesWithOnlineDossiers: ratio(offered.filter((p) => withOnline.has(p.code)).length, offered.length),
    onlineShareFullServices: share("FULL"),
    onlineSharePartialServices: share("PARTIAL"),
    onlinePayment: onlinePaymentOf(received),
    feedback: { available: false, reason: FEEDBACK_NOT_CONSUMED },
  };
}

/** Paid online / payable, among the given lines (the dossiers received in the period). */
export function onlinePaymentOf(received: readonly TallyLine[]): Ratio {
  const payable = received.filter((line) => line.payable);
  return ratio(
    countOf(payable, (line) => line.paidOnline),
    countOf(payable),
  );
}

const LEVEL_ORDER: Level[] = ["PROVINCE", "DISTRICT", "COMMUNE"];

export function quarterlyForm(input: PeriodDossiers, procedures: readonly ProcedureInfo[]): QuarterlyForm {
  const levels = input.scope.level ? [input.scope.level] : LEVEL_ORDER;
  return {
    byLevel: levels.map((level) => ({
      level,
      items: itemsOf(
        input.lines.filter((line) => line.level === level),
        procedures,
        level,
      ),
    })),
    total: itemsOf(input.lines, procedures, input.scope.level),
  };
}
