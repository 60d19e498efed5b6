import { maskPersonalData } from "@onestop/telemetry";
import { agencyTimes, bundleVerdict, sliceVerdict, type Bundle } from "../../domain/bundle.js";

/**
 * A bundle as REST answers it: steps, who holds each, each agency's time and verdict. Step
 * outputs and the form are personal data: masked (the full values go only to the steps that need
 * them, and to intake).
 */
export function bundleView(bundle: Bundle, now: string) {
  const times = agencyTimes(bundle, now);
  return {
    bundleId: bundle.id,
    bundleCode: bundle.bundleCode,
    dossierCode: bundle.dossierCode,
    receivingAgencyCode: bundle.receivingAgencyCode,
    status: bundle.status,
    dispatch: bundle.dispatch,
    requestedAt: bundle.requestedAt,
    dueAt: bundle.dueAt,
    ...(bundle.completedAt ? { completedAt: bundle.completedAt } : {}),
    ...(bundle.failedAt ? { failedAt: bundle.failedAt, reason: bundle.reason } : {}),
    timeliness: bundleVerdict(bundle, now),
    /** Steps an operator must look at. */
    attention: bundle.steps.filter((step) => step.status === "REFUSED" || step.status === "TIMED_OUT").map((step) => step.code),
    /** Who holds the bundle now: the agencies with a step out. */
    heldBy: bundle.steps.filter((step) => step.status === "REQUESTED" || step.status === "TIMED_OUT").map((step) => step.agencyCode),
    steps: bundle.steps.map((step) => ({
      stepCode: step.code,
      procedureCode: step.procedureCode,
      agencyKind: step.agencyKind,
      agencyCode: step.agencyCode,
      dependsOn: step.dependsOn,
      status: step.status,
      attempts: step.attempt,
      ...(step.requestedAt ? { requestedAt: step.requestedAt, dueAt: step.dueAt } : {}),
      ...(step.warnedAt ? { warnedAt: step.warnedAt } : {}),
      ...(step.timedOutAt ? { timedOutAt: step.timedOutAt } : {}),
      ...(step.completedAt ? { completedAt: step.completedAt } : {}),
      ...(step.refusedAt ? { refusedAt: step.refusedAt, reason: step.reason } : {}),
      ...(step.resultNumber ? { resultNumber: step.resultNumber } : {}),
      timeliness: sliceVerdict(step, now) ?? null,
      outputs: maskPersonalData(step.outputs) as Record<string, string>,
    })),
    /** Each agency's share of the elapsed time, with its verdict against its own slice. */
    agencyTimes: times.map((time) => ({ ...time, heldSeconds: Math.round(time.heldMs / 1000) })),
  };
}
