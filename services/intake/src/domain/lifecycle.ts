import { computeDueAt, DeadlineError, toEpochMs, type WorkingCalendar } from "@onestop/calendar";
import type { Dossier, DossierStatus, LifecycleEventType, TimelineEntry } from "./dossier.js";
import type { LifecycleEvent, ReceivedEvent } from "./events.js";

/** A lifecycle rule the event breaks: answered with 409 and the rule's name. */
export class LifecycleRuleError extends Error {
  override readonly name = "LifecycleRuleError";
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** From which statuses each event may happen. */
const ALLOWED_FROM: Record<LifecycleEventType, readonly DossierStatus[]> = {
  SUPPLEMENT_REQUESTED: ["PROCESSING"],
  SUPPLEMENT_RECEIVED: ["SUPPLEMENT_REQUESTED"],
  PAUSED: ["PROCESSING"],
  RESUMED: ["PAUSED"],
  DEADLINE_EXTENDED: ["PROCESSING", "PAUSED"],
  TRANSFERRED: ["PROCESSING"],
  RESOLVED: ["PROCESSING"],
  RESULT_RETURNED: ["RESOLVED"],
  REFUSED: ["PROCESSING", "SUPPLEMENT_REQUESTED", "PAUSED"],
  WITHDRAWN: ["PROCESSING", "SUPPLEMENT_REQUESTED", "PAUSED"],
  CLOSED: ["SUPPLEMENT_REQUESTED"],
  EVALUATED: ["RESOLVED", "RESULT_RETURNED"],
};

export type Decision = { kind: "apply"; event: LifecycleEvent } | { kind: "duplicate" };

/**
 * Decides whether `event` may happen to `dossier`. An event id already in the timeline is a
 * duplicate (no second effect); a broken rule throws LifecycleRuleError.
 */
export function decide(dossier: Dossier, event: LifecycleEvent, calendar: WorkingCalendar): Decision {
  if (dossier.timeline.some((entry) => entry.eventId === event.eventId)) return { kind: "duplicate" };

  const last = dossier.timeline.at(-1);
  if (last && toEpochMs(event.at) < toEpochMs(last.at)) {
    throw new LifecycleRuleError("EVENTS_IN_ORDER", `${event.type} at ${event.at} is earlier than the last event (${last.type} at ${last.at})`);
  }
  if (!ALLOWED_FROM[event.type].includes(dossier.status)) {
    throw new LifecycleRuleError(
      `${event.type}_NOT_ALLOWED_WHEN_${dossier.status}`,
      `${event.type} is not allowed for a dossier in status ${dossier.status} (allowed from: ${ALLOWED_FROM[event.type].join(", ")})`,
    );
  }
  switch (event.type) {
    case "DEADLINE_EXTENDED":
      checkExtension(dossier, event, calendar);
      break;
    case "TRANSFERRED":
      if (event.toAgencyCode === dossier.agencyCode) {
        throw new LifecycleRuleError("TRANSFER_TO_ANOTHER_AGENCY", `the dossier is already with ${dossier.agencyCode}`);
      }
      break;
    case "CLOSED":
      checkClosure(dossier, event, calendar);
      break;
    case "EVALUATED":
      if (dossier.rating !== undefined) throw new LifecycleRuleError("ONE_EVALUATION", "the dossier has already been evaluated");
      break;
  }
  return { kind: "apply", event };
}

function checkExtension(dossier: Dossier, event: Extract<LifecycleEvent, { type: "DEADLINE_EXTENDED" }>, calendar: WorkingCalendar) {
  if (dossier.extensions.length > 0) {
    throw new LifecycleRuleError("ONE_EXTENSION", "the due date may be moved only once (Decree 61/2018 art. 19; Decree 118/2025)");
  }
  try {
    computeDueAt(clockOf(evolve(dossier, event)), calendar);
  } catch (error) {
    if (error instanceof DeadlineError) throw new LifecycleRuleError(error.code, error.message);
    throw error;
  }
}

function checkClosure(dossier: Dossier, event: Extract<LifecycleEvent, { type: "CLOSED" }>, calendar: WorkingCalendar) {
  const { supplementExpiresAt } = computeDueAt(clockOf(dossier), calendar);
  if (supplementExpiresAt && toEpochMs(event.at) < toEpochMs(supplementExpiresAt)) {
    throw new LifecycleRuleError(
      "SUPPLEMENT_PERIOD_NOT_OVER",
      `a dossier awaiting a supplement may be closed only after ${supplementExpiresAt} (15 days after the request, Decree 118/2025)`,
    );
  }
}

export function clockOf(dossier: Dossier) {
  return {
    receivedAt: dossier.receivedAt,
    timeLimit: dossier.timeLimit,
    supplements: dossier.supplements,
    pauses: dossier.pauses,
    extensions: dossier.extensions,
  };
}

/** The dossier right after its receipt. */
export function start(event: ReceivedEvent): Dossier {
  return {
    ...event.dossier,
    status: "PROCESSING",
    supplements: [],
    pauses: [],
    extensions: [],
    transfers: [],
    timeline: [{ eventId: event.eventId, type: "RECEIVED", at: event.at }],
  };
}

/** Folds an accepted lifecycle event into the dossier. */
export function evolve(dossier: Dossier, event: LifecycleEvent): Dossier {
  const { eventId, type, at, ...details } = event;
  const entry: TimelineEntry = { eventId, type, at, ...(Object.keys(details).length ? { details } : {}) };
  const next: Dossier = { ...dossier, timeline: [...dossier.timeline, entry] };
  switch (event.type) {
    case "SUPPLEMENT_REQUESTED":
      return { ...next, status: "SUPPLEMENT_REQUESTED", supplements: [...dossier.supplements, { requestedAt: at }] };
    case "SUPPLEMENT_RECEIVED":
      return { ...next, status: "PROCESSING", supplements: closeLast(dossier.supplements, (s) => ({ ...s, returnedAt: at })) };
    case "PAUSED":
      return { ...next, status: "PAUSED", pauses: [...dossier.pauses, { reason: event.reason, from: at }] };
    case "RESUMED":
      return { ...next, status: "PROCESSING", pauses: closeLast(dossier.pauses, (p) => ({ ...p, to: at })) };
    case "DEADLINE_EXTENDED":
      return { ...next, extensions: [...dossier.extensions, { apologySentAt: at, newDueDate: event.newDueDate }] };
    case "TRANSFERRED":
      return {
        ...next,
        agencyCode: event.toAgencyCode,
        transfers: [...dossier.transfers, { fromAgencyCode: dossier.agencyCode, toAgencyCode: event.toAgencyCode, at }],
      };
    case "RESOLVED":
      return { ...next, status: "RESOLVED", resolution: { outcome: event.outcome, at } };
    case "RESULT_RETURNED":
      return { ...next, status: "RESULT_RETURNED", resultReturn: { at, channel: event.channel, electronic: event.electronic } };
    case "REFUSED":
    case "WITHDRAWN":
    case "CLOSED":
      return { ...next, status: event.type, endedAt: at };
    case "EVALUATED":
      return { ...next, rating: event.rating };
  }
}

function closeLast<T>(items: readonly T[], close: (item: T) => T): T[] {
  return items.map((item, index) => (index === items.length - 1 ? close(item) : item));
}
