import { computeDueAt, DeadlineError, foldClock, toEpochMs, type ClockEvent, type ClockState, type WorkingCalendar } from "@onestop/calendar";
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
  const clockEvent = clockEventOf(event);
  if (clockEvent) {
    // The shared fold's own rules (e.g. TRANSFER_TO_ANOTHER_AGENCY), the ones reporting applies to the same events.
    const [broken] = foldClock(clockOf(dossier), clockEvent).anomalies;
    if (broken) throw new LifecycleRuleError(broken.rule, broken.message);
  }
  switch (event.type) {
    case "DEADLINE_EXTENDED":
      checkExtension(dossier, event, calendar);
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
    throw new LifecycleRuleError("SUPPLEMENT_PERIOD_NOT_OVER", `a dossier awaiting a supplement may be closed only after ${supplementExpiresAt} (15 days after the request, Decree 118/2025)`);
  }
}

const END_STATUSES: ReadonlySet<DossierStatus> = new Set(["REFUSED", "WITHDRAWN", "CLOSED"]);

/**
 * The dossier's deadline clock, as the shared fold (`foldClock` of @onestop/calendar) reads and
 * writes it; a DossierClock, so the deadline and verdicts take it as it is.
 */
export function clockOf(dossier: Dossier): ClockState {
  const { status, endedAt } = dossier;
  return {
    receivedAt: dossier.receivedAt,
    timeLimit: dossier.timeLimit,
    supplements: dossier.supplements,
    pauses: dossier.pauses,
    extensions: dossier.extensions,
    agencyCode: dossier.agencyCode,
    transfers: dossier.transfers,
    ...(dossier.resolution ? { resolution: dossier.resolution } : {}),
    ...(endedAt && END_STATUSES.has(status) ? { end: { at: endedAt, kind: status as "REFUSED" | "WITHDRAWN" | "CLOSED" } } : {}),
    anomalies: [],
  };
}

/** The events that move the clock or the deciding agency: all but the result's return and the evaluation. */
function clockEventOf(event: LifecycleEvent): ClockEvent | undefined {
  return event.type === "RESULT_RETURNED" || event.type === "EVALUATED" ? undefined : event;
}

/** The dossier right after its receipt. */
export function start(event: ReceivedEvent): Dossier {
  return {
    ...(event.dossier as Dossier),
    status: "PROCESSING",
    supplements: [],
    pauses: [],
    extensions: [],
    transfers: [],
    timeline: [{ eventId: event.eventId, type: "RECEIVED", at: event.at }],
  };
}

/** The status each event leaves the dossier in; the others keep it. */
const STATUS_AFTER: Partial<Record<LifecycleEventType, DossierStatus>> = {
  SUPPLEMENT_REQUESTED: "SUPPLEMENT_REQUESTED",
  SUPPLEMENT_RECEIVED: "PROCESSING",
  PAUSED: "PAUSED",
  RESUMED: "PROCESSING",
  RESOLVED: "RESOLVED",
  RESULT_RETURNED: "RESULT_RETURNED",
  REFUSED: "REFUSED",
  WITHDRAWN: "WITHDRAWN",
  CLOSED: "CLOSED",
};

/**
 * Folds an accepted lifecycle event into the dossier: its status here, its clock (supplements,
 * pauses, extensions, deciding agency and transfers, decision or end) through the shared fold.
 */
export function evolve(dossier: Dossier, event: LifecycleEvent): Dossier {
  // A bundle's step results (personal data in their outputs) are kept once, not in the timeline.
  const { eventId, type, at, ...rest } = event;
  const { results, ...details } = rest as typeof rest & { results?: Dossier["bundleResults"] };
  const entry: TimelineEntry = { eventId, type, at, ...(Object.keys(details).length ? { details } : {}) };
  const next: Dossier = { ...dossier, status: STATUS_AFTER[type] ?? dossier.status, timeline: [...dossier.timeline, entry] };
  switch (event.type) {
    case "RESULT_RETURNED":
      return { ...next, resultReturn: { at, channel: event.channel, electronic: event.electronic } };
    case "EVALUATED":
      return { ...next, rating: event.rating };
    default: {
      const clock = foldClock(clockOf(dossier), event);
      return {
        ...next,
        supplements: clock.supplements,
        pauses: clock.pauses,
        extensions: clock.extensions,
        agencyCode: clock.agencyCode,
        transfers: clock.transfers,
        ...(clock.resolution ? { resolution: clock.resolution } : {}),
        ...(results ? { bundleResults: results } : {}),
        ...(clock.end ? { endedAt: clock.end.at } : {}),
      };
    }
  }
}
