import { derivedEventId, newEnvelope } from "@onestop/bus";
import { EVENT_CATALOG, subjectFor, type EventType } from "@onestop/contracts";
import { agencyTimes, sliceVerdict, type Bundle, type BundleEvent, type Step } from "../../domain/bundle.js";
import type { OutboxEntry } from "../../app/ports.js";

const SOURCE = "urn:onestop:system:lienthong";

/** The contract's view of a step (onestop.lienthong.v1.BundleStep, proto3 JSON). */
export function stepJson(bundle: Bundle, step: Step, now: string): Record<string, unknown> {
  const time = agencyTimes(bundle, now).find((entry) => entry.stepCode === step.code && entry.agencyCode === step.agencyCode);
  const verdict = sliceVerdict(step, now);
  return {
    stepCode: step.code,
    procedureCode: step.procedureCode,
    agencyCode: step.agencyCode,
    status: `STEP_STATUS_${step.status}`,
    requestedAt: step.requestedAt ?? "",
    dueAt: step.dueAt ?? "",
    completedAt: step.completedAt ?? step.refusedAt ?? "",
    timeliness: verdict ? `TIMELINESS_${verdict}` : "TIMELINESS_UNSPECIFIED",
    reason: step.reason ?? "",
    attempts: step.attempt,
    warnedAt: step.warnedAt ?? "",
    timedOutAt: step.timedOutAt ?? "",
    heldSeconds: Math.round((time?.heldMs ?? 0) / 1000),
    shareOfElapsed: time?.shareOfElapsed ?? 0,
    resultNumber: step.resultNumber ?? "",
  };
}

function envelopeOf(type: EventType, subject: string, id: string, bundle: Bundle, at: string, data: Record<string, unknown>): OutboxEntry {
  const codec = EVENT_CATALOG[type].message as { fromJSON(json: unknown): unknown; toJSON(message: unknown): unknown };
  const checked = codec.toJSON(codec.fromJSON(data)) as Record<string, unknown>;
  const envelope = newEnvelope({ id, type, source: SOURCE, subject: bundle.id, time: at, data: checked });
  return { kind: "event", id, subject, envelope: envelope as unknown as Record<string, unknown> };
}

/**
 * What the decided events announce: the step requests the sector systems read, warnings,
 * escalations, the applicant's notices, the bundle's end, and at the end the dossier's resolution
 * at intake. Every id is derived from the bundle and what happened (step, attempt), so an
 * announcement made twice is one event (Nats-Msg-Id) and one intake event.
 */
export function announce(after: Bundle, events: readonly BundleEvent[]): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  const b = after;
  const steps = (params: { stepCode: string }) => ({ bundleCode: b.bundleCode, stepCode: params.stepCode });
  for (const event of events) {
    const step = "step" in event && event.step ? b.steps.find((candidate) => candidate.code === event.step) : undefined;
    const id = (purpose: string) => derivedEventId(b.id, purpose);
    switch (event.type) {
      case "BundleStarted":
        entries.push(
          envelopeOf("vn.onestop.lienthong.bundle_requested.v1", subjectFor("vn.onestop.lienthong.bundle_requested.v1", {}), id("requested"), b, event.at, {
            bundleId: b.id,
            bundleCode: b.bundleCode,
            dossierCode: b.dossierCode,
            requestedAt: b.requestedAt,
            dueAt: b.dueAt,
            steps: b.steps.map((s) => ({ stepCode: s.code, procedureCode: s.procedureCode, agencyCode: s.agencyCode, dependsOn: s.dependsOn, dueAt: "" })),
          }),
        );
        break;
      case "StepRequested":
        entries.push(
          envelopeOf(
            "vn.onestop.lienthong.step_requested.v1",
            subjectFor("vn.onestop.lienthong.step_requested.v1", steps({ stepCode: event.step })),
            id(`requested:${event.step}:${event.attempt}`),
            b,
            event.at,
            {
              bundleId: b.id,
              bundleCode: b.bundleCode,
              stepCode: event.step,
              dossierCode: b.dossierCode,
              procedureCode: step!.procedureCode,
              agencyCode: event.agencyCode,
              requestedAt: event.at,
              dueAt: event.dueAt,
              inputs: event.inputs,
              attempt: event.attempt,
            },
          ),
        );
        break;
      case "StepWarned":
        entries.push(
          envelopeOf(
            "vn.onestop.lienthong.step_warned.v1",
            subjectFor("vn.onestop.lienthong.step_warned.v1", steps({ stepCode: event.step })),
            id(`warned:${event.step}:${step!.attempt}`),
            b,
            event.at,
            {
              bundleId: b.id,
              bundleCode: b.bundleCode,
              stepCode: event.step,
              agencyCode: step!.agencyCode,
              dueAt: step!.dueAt,
              warnedAt: event.at,
            },
          ),
        );
        break;
      case "StepTimedOut":
        entries.push(
          envelopeOf(
            "vn.onestop.lienthong.step_timed_out.v1",
            subjectFor("vn.onestop.lienthong.step_timed_out.v1", steps({ stepCode: event.step })),
            id(`timed_out:${event.step}:${step!.attempt}`),
            b,
            event.at,
            {
              bundleId: b.id,
              bundleCode: b.bundleCode,
              stepCode: event.step,
              agencyCode: step!.agencyCode,
              dueAt: step!.dueAt,
              timedOutAt: event.at,
            },
          ),
        );
        break;
      case "ApplicantNotified":
        entries.push(
          envelopeOf(
            "vn.onestop.lienthong.applicant_notified.v1",
            subjectFor("vn.onestop.lienthong.applicant_notified.v1", {}),
            id(`notified:${event.kind}:${event.step ?? ""}:${step?.attempt ?? 0}`),
            b,
            event.at,
            {
              bundleId: b.id,
              bundleCode: b.bundleCode,
              dossierCode: b.dossierCode,
              stepCode: event.step ?? "",
              kind: event.kind,
              message: event.message,
              notifiedAt: event.at,
            },
          ),
        );
        break;
      case "BundleCompleted":
      case "BundleFailed": {
        const completed = event.type === "BundleCompleted";
        const type = completed ? "vn.onestop.lienthong.bundle_completed.v1" : "vn.onestop.lienthong.bundle_failed.v1";
        const stepsJson = b.steps.map((s) => stepJson(b, s, event.at));
        entries.push(
          envelopeOf(type, subjectFor(type, {}), id(completed ? "completed" : "failed"), b, event.at, {
            bundleId: b.id,
            bundleCode: b.bundleCode,
            dossierCode: b.dossierCode,
            ...(completed ? { completedAt: event.at } : { failedAt: event.at, failedStepCode: event.step ?? "", reason: event.reason }),
            steps: stepsJson,
          }),
        );
        entries.push({
          kind: "intake",
          id: id("intake-resolved"),
          dossierCode: b.dossierCode,
          outcome: completed ? "APPROVED" : "REFUSED",
          at: event.at,
          ...(completed ? {} : { reason: event.reason }),
          results: b.steps
            .filter((s) => s.status === "COMPLETED")
            .map((s) => ({
              stepCode: s.code,
              procedureCode: s.procedureCode,
              agencyCode: s.agencyCode,
              completedAt: s.completedAt!,
              ...(s.resultNumber ? { resultNumber: s.resultNumber } : {}),
              outputs: s.outputs,
            })),
        });
        break;
      }
      case "StepCompleted":
      case "StepRefused":
      case "StepRetried":
      case "StepReassigned":
        // The sector system's own result is on the stream already; operators' actions are on the audit record.
        break;
    }
  }
  return entries;
}
