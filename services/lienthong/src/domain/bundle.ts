// A liên thông bundle as a decider: decide(state, command) returns the events it decides (or a
// typed refusal), evolve(state, event) folds one in. Pure: time and the calendar are inputs.
import { classifyResolution, computeDueAt, localDateOf, type WorkingCalendar } from "@onestop/calendar";

export type DispatchMode = "PARALLEL" | "SEQUENTIAL";
export type StepStatus = "WAITING" | "REQUESTED" | "COMPLETED" | "REFUSED" | "TIMED_OUT" | "CANCELLED";
export type BundleStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED" | "NEEDS_ATTENTION";
export type Timeliness = "EARLY" | "ON_TIME" | "OVERDUE" | "NOT_YET_DUE" | "PENDING_OVERDUE";

export interface TimeLimit {
  amount: number;
  unit: "WORKING_DAYS" | "DAYS";
  sameDay: boolean;
}

/** One agency's holding of a step: from its request to its answer (open while it holds it). */
export interface Hold {
  agencyCode: string;
  attempt: number;
  from: string;
  to?: string;
}

export interface Step {
  code: string;
  procedureCode: string;
  agencyKind: string;
  agencyCode: string;
  dependsOn: string[];
  timeLimit: TimeLimit;
  /** Form fields it is sent (names only; the values are the bundle's). */
  inputs: string[];
  status: StepStatus;
  attempt: number;
  requestedAt?: string;
  dueAt?: string;
  warnAt?: string;
  warnedAt?: string;
  timedOutAt?: string;
  completedAt?: string;
  refusedAt?: string;
  reason?: string;
  outputs: Record<string, string>;
  resultNumber?: string;
  holds: Hold[];
}

export interface Bundle {
  id: string;
  bundleCode: string;
  dossierCode: string;
  receivingAgencyCode: string;
  dispatch: DispatchMode;
  warnAtShare: number;
  requestedAt: string;
  dueAt: string;
  status: BundleStatus;
  steps: Step[];
  /** The filing's form fields. PERSONAL DATA: never logged; each step is sent only its own. */
  form: Record<string, string>;
  completedAt?: string;
  failedAt?: string;
  reason?: string;
}

/** What planning decided (domain/plan.ts). */
export interface BundlePlan {
  id: string;
  bundleCode: string;
  dossierCode: string;
  receivingAgencyCode: string;
  dispatch: DispatchMode;
  warnAtShare: number;
  requestedAt: string;
  dueAt: string;
  form: Record<string, string>;
  steps: Array<Pick<Step, "code" | "procedureCode" | "agencyKind" | "agencyCode" | "dependsOn" | "timeLimit" | "inputs">>;
}

/** An operator (or the system) and why: recorded on the events it causes. */
export interface Actor {
  by: string;
  reason: string;
}

export type BundleEvent =
  | { type: "BundleStarted"; at: string; plan: BundlePlan }
  | { type: "StepRequested"; at: string; step: string; attempt: number; agencyCode: string; dueAt: string; warnAt: string; inputs: Record<string, string> }
  | { type: "StepCompleted"; at: string; step: string; attempt: number; outputs: Record<string, string>; resultNumber?: string }
  | { type: "StepRefused"; at: string; step: string; attempt: number; reason: string }
  | { type: "StepWarned"; at: string; step: string }
  | { type: "StepTimedOut"; at: string; step: string }
  | { type: "StepRetried"; at: string; step: string; actor: Actor }
  | { type: "StepReassigned"; at: string; step: string; fromAgencyCode: string; toAgencyCode: string; actor: Actor }
  | { type: "ApplicantNotified"; at: string; step?: string; kind: "STEP_REFUSED" | "STEP_TIMED_OUT" | "BUNDLE_FAILED"; message: string }
  | { type: "BundleCompleted"; at: string }
  | { type: "BundleFailed"; at: string; step?: string; reason: string; actor?: Actor };

export type Command =
  | { type: "Start"; plan: BundlePlan }
  | { type: "RecordResult"; at: string; step: string; attempt: number; outcome: "COMPLETED"; outputs: Record<string, string>; resultNumber?: string }
  | { type: "RecordResult"; at: string; step: string; attempt: number; outcome: "REFUSED"; reason: string }
  | { type: "Tick"; now: string }
  | { type: "Retry"; now: string; step: string; actor: Actor }
  | { type: "Reassign"; now: string; step: string; agencyCode: string; actor: Actor }
  | { type: "Cancel"; now: string; actor: Actor };

export type Refusal =
  | { code: "BUNDLE_FINISHED"; message: string }
  | { code: "NO_SUCH_STEP"; message: string; path: "stepCode" }
  | { code: "STEP_NOT_STUCK"; message: string; path: "stepCode" }
  | { code: "SAME_AGENCY"; message: string; path: "agencyCode" };

export type Decision = { ok: true; events: BundleEvent[] } | { ok: false; refusal: Refusal };

const ok = (events: BundleEvent[]): Decision => ({ ok: true, events });
const refuse = (refusal: Refusal): Decision => ({ ok: false, refusal });

const STUCK: readonly StepStatus[] = ["REFUSED", "TIMED_OUT"];

export function isFinished(bundle: Bundle): boolean {
  return bundle.status === "COMPLETED" || bundle.status === "FAILED";
}

/**
 * Decides what `command` does to `bundle` (undefined before the start). A result for a step that
 * is not waiting for it (already answered, an earlier attempt, a finished bundle) decides nothing:
 * results are applied once, whatever order and however often they arrive.
 */
export function decide(bundle: Bundle | undefined, command: Command, calendar: WorkingCalendar): Decision {
  if (command.type === "Start") {
    if (bundle) return ok([]); // started already: the same filing again
    const started: BundleEvent = { type: "BundleStarted", at: command.plan.requestedAt, plan: command.plan };
    const state = evolve(undefined, started);
    return ok([started, ...dispatchReady(state, command.plan.requestedAt, calendar)]);
  }
  if (!bundle) throw new Error("a bundle command before the bundle started");
  switch (command.type) {
    case "RecordResult": {
      const step = bundle.steps.find((candidate) => candidate.code === command.step);
      if (!step || isFinished(bundle) || step.attempt !== command.attempt) return ok([]);
      // A timed-out step may still be answered late: the agency's slice then shows it late.
      if (step.status !== "REQUESTED" && step.status !== "TIMED_OUT") return ok([]);
      if (command.outcome === "COMPLETED") {
        const completed: BundleEvent = {
          type: "StepCompleted",
          at: command.at,
          step: step.code,
          attempt: step.attempt,
          outputs: command.outputs,
          ...(command.resultNumber ? { resultNumber: command.resultNumber } : {}),
        };
        return ok(then(bundle, [completed], (next) => advance(next, command.at, calendar)));
      }
      const refused: BundleEvent = { type: "StepRefused", at: command.at, step: step.code, attempt: step.attempt, reason: command.reason };
      const notified: BundleEvent = {
        type: "ApplicantNotified",
        at: command.at,
        step: step.code,
        kind: "STEP_REFUSED",
        message: `Bước "${step.code}" của hồ sơ ${bundle.dossierCode} bị từ chối: ${command.reason}. Các bước đã hoàn thành được giữ nguyên; cán bộ vận hành sẽ xử lý tiếp.`,
      };
      return ok([refused, notified]);
    }
    case "Tick":
      return ok(timers(bundle, command.now));
    case "Retry":
    case "Reassign": {
      if (isFinished(bundle)) return refuse({ code: "BUNDLE_FINISHED", message: `Nhóm thủ tục đã ${bundle.status === "COMPLETED" ? "hoàn thành" : "kết thúc"}, không thể thao tác` });
      const step = bundle.steps.find((candidate) => candidate.code === command.step);
      if (!step) return refuse({ code: "NO_SUCH_STEP", path: "stepCode", message: `Không có bước ${command.step} trong nhóm thủ tục này` });
      if (!STUCK.includes(step.status)) return refuse({ code: "STEP_NOT_STUCK", path: "stepCode", message: `Bước ${step.code} không bị từ chối hay quá hạn, không cần thao tác lại` });
      if (command.type === "Reassign" && command.agencyCode === step.agencyCode) {
        return refuse({ code: "SAME_AGENCY", path: "agencyCode", message: `Bước ${step.code} đang do chính cơ quan ${step.agencyCode} xử lý` });
      }
      const action: BundleEvent =
        command.type === "Retry"
          ? { type: "StepRetried", at: command.now, step: step.code, actor: command.actor }
          : { type: "StepReassigned", at: command.now, step: step.code, fromAgencyCode: step.agencyCode, toAgencyCode: command.agencyCode, actor: command.actor };
      return ok(then(bundle, [action], (next) => [request(next, next.steps.find((s) => s.code === step.code)!, command.now, calendar)]));
    }
    case "Cancel": {
      if (isFinished(bundle)) return refuse({ code: "BUNDLE_FINISHED", message: "Nhóm thủ tục đã kết thúc, không thể hủy" });
      const stuck = bundle.steps.find((step) => STUCK.includes(step.status));
      return ok([
        { type: "BundleFailed", at: command.now, ...(stuck ? { step: stuck.code } : {}), reason: command.actor.reason, actor: command.actor },
        {
          type: "ApplicantNotified",
          at: command.now,
          ...(stuck ? { step: stuck.code } : {}),
          kind: "BUNDLE_FAILED",
          message: `Hồ sơ ${bundle.dossierCode} dừng xử lý liên thông: ${command.actor.reason}. Kết quả các bước đã hoàn thành vẫn có hiệu lực.`,
        },
      ]);
    }
  }
}

/** Events of `first` followed by what `more` decides on the state after them. */
function then(bundle: Bundle, first: BundleEvent[], more: (next: Bundle) => BundleEvent[]): BundleEvent[] {
  return [...first, ...more(first.reduce(evolve, bundle))];
}

/** After a completion: the steps now ready, or the bundle's completion. */
function advance(bundle: Bundle, at: string, calendar: WorkingCalendar): BundleEvent[] {
  if (bundle.steps.every((step) => step.status === "COMPLETED")) return [{ type: "BundleCompleted", at }];
  return dispatchReady(bundle, at, calendar);
}

/** The steps to send now: every waiting step whose dependencies are done (SEQUENTIAL: the first such step, and only when nothing is out). */
function dispatchReady(bundle: Bundle, at: string, calendar: WorkingCalendar): BundleEvent[] {
  const done = new Set(bundle.steps.filter((step) => step.status === "COMPLETED").map((step) => step.code));
  const ready = bundle.steps.filter((step) => step.status === "WAITING" && step.dependsOn.every((code) => done.has(code)));
  if (bundle.dispatch === "SEQUENTIAL") {
    if (bundle.steps.some((step) => step.status !== "WAITING" && step.status !== "COMPLETED")) return [];
    return ready.slice(0, 1).map((step) => request(bundle, step, at, calendar));
  }
  return ready.map((step) => request(bundle, step, at, calendar));
}

/**
 * The request of one step: its slice counted from now on the working-day calendar, never past the
 * bundle's deadline; the warning when `warnAtShare` of the slice has gone; the inputs it needs,
 * from the form and from the outputs of the steps it depends on (e.g. the child's personal
 * identification number).
 */
function request(bundle: Bundle, step: Step, at: string, calendar: WorkingCalendar): BundleEvent {
  const own = computeDueAt({ receivedAt: at, timeLimit: step.timeLimit }, calendar).dueAt!;
  const dueAt = Date.parse(own) <= Date.parse(bundle.dueAt) ? own : bundle.dueAt;
  const from = Date.parse(at);
  const until = Math.max(Date.parse(dueAt), from);
  const warnAt = new Date(from + Math.round((until - from) * bundle.warnAtShare)).toISOString();
  const inputs: Record<string, string> = {};
  for (const name of step.inputs) if (bundle.form[name] !== undefined) inputs[name] = bundle.form[name];
  for (const code of step.dependsOn) Object.assign(inputs, bundle.steps.find((other) => other.code === code)?.outputs ?? {});
  return { type: "StepRequested", at, step: step.code, attempt: step.attempt + 1, agencyCode: step.agencyCode, dueAt, warnAt, inputs };
}

/** Warnings and escalations due at `now`. */
function timers(bundle: Bundle, now: string): BundleEvent[] {
  if (isFinished(bundle)) return [];
  const t = Date.parse(now);
  const events: BundleEvent[] = [];
  for (const step of bundle.steps) {
    if (step.status !== "REQUESTED") continue;
    if (!step.warnedAt && Date.parse(step.warnAt!) <= t) events.push({ type: "StepWarned", at: now, step: step.code });
    if (Date.parse(step.dueAt!) <= t) {
      events.push({ type: "StepTimedOut", at: now, step: step.code });
      events.push({
        type: "ApplicantNotified",
        at: now,
        step: step.code,
        kind: "STEP_TIMED_OUT",
        message: `Bước "${step.code}" của hồ sơ ${bundle.dossierCode} đã quá hạn xử lý; cơ quan đã được nhắc và cán bộ vận hành đang theo dõi.`,
      });
    }
  }
  return events;
}

/** The next instant a timer of this bundle fires (undefined: none). */
export function nextTimerAt(bundle: Bundle): string | undefined {
  if (isFinished(bundle)) return undefined;
  const times = bundle.steps
    .filter((step) => step.status === "REQUESTED")
    .map((step) => (step.warnedAt ? step.dueAt! : step.warnAt!))
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return times[0];
}

export function evolve(bundle: Bundle | undefined, event: BundleEvent): Bundle {
  if (event.type === "BundleStarted") {
    const { plan } = event;
    return {
      id: plan.id,
      bundleCode: plan.bundleCode,
      dossierCode: plan.dossierCode,
      receivingAgencyCode: plan.receivingAgencyCode,
      dispatch: plan.dispatch,
      warnAtShare: plan.warnAtShare,
      requestedAt: plan.requestedAt,
      dueAt: plan.dueAt,
      status: "IN_PROGRESS",
      form: { ...plan.form },
      steps: plan.steps.map((step) => ({ ...step, dependsOn: [...step.dependsOn], inputs: [...step.inputs], status: "WAITING", attempt: 0, outputs: {}, holds: [] })),
    };
  }
  if (!bundle) throw new Error(`${event.type} before BundleStarted`);
  const next: Bundle = { ...bundle, steps: bundle.steps.map((step) => ({ ...step, holds: [...step.holds] })) };
  const step = "step" in event && event.step !== undefined ? next.steps.find((candidate) => candidate.code === event.step) : undefined;
  const closeHold = (s: Step, at: string) => {
    const open = s.holds.at(-1);
    if (open && open.to === undefined) s.holds[s.holds.length - 1] = { ...open, to: at };
  };
  switch (event.type) {
    case "StepRequested": {
      const s = step!;
      Object.assign(s, { status: "REQUESTED", attempt: event.attempt, agencyCode: event.agencyCode, requestedAt: event.at, dueAt: event.dueAt, warnAt: event.warnAt });
      delete s.warnedAt;
      delete s.timedOutAt;
      delete s.refusedAt;
      delete s.reason;
      s.holds.push({ agencyCode: event.agencyCode, attempt: event.attempt, from: event.at });
      break;
    }
    case "StepCompleted": {
      const s = step!;
      Object.assign(s, { status: "COMPLETED", completedAt: event.at, outputs: { ...event.outputs } });
      if (event.resultNumber) s.resultNumber = event.resultNumber;
      closeHold(s, event.at);
      break;
    }
    case "StepRefused":
      Object.assign(step!, { status: "REFUSED", refusedAt: event.at, reason: event.reason });
      closeHold(step!, event.at);
      break;
    case "StepWarned":
      step!.warnedAt = event.at;
      break;
    case "StepTimedOut":
      // The agency still holds it (its slice keeps counting) until it answers or is replaced.
      Object.assign(step!, { status: "TIMED_OUT", timedOutAt: event.at });
      break;
    case "StepRetried":
    case "StepReassigned":
      closeHold(step!, event.at);
      if (event.type === "StepReassigned") step!.agencyCode = event.toAgencyCode;
      break;
    case "ApplicantNotified":
      break;
    case "BundleCompleted":
      next.completedAt = event.at;
      break;
    case "BundleFailed":
      next.failedAt = event.at;
      next.reason = event.reason;
      for (const s of next.steps) {
        if (s.status === "COMPLETED") continue;
        closeHold(s, event.at);
        if (s.status === "WAITING" || s.status === "REQUESTED") s.status = "CANCELLED";
      }
      break;
  }
  next.status = statusOf(next);
  return next;
}

function statusOf(bundle: Bundle): BundleStatus {
  if (bundle.failedAt) return "FAILED";
  if (bundle.completedAt) return "COMPLETED";
  return bundle.steps.some((step) => STUCK.includes(step.status)) ? "NEEDS_ATTENTION" : "IN_PROGRESS";
}

// ---------------------------------------------------------------------------------------------
// Each agency's time

export interface AgencyTime {
  stepCode: string;
  agencyCode: string;
  /** Milliseconds the agency held the step (all its attempts). */
  heldMs: number;
  /** Its share of the bundle's elapsed time, 0-1. */
  shareOfElapsed: number;
  /** Before / on / after its own slice; NOT_YET_DUE or PENDING_OVERDUE while it holds the step. */
  timeliness?: Timeliness;
}

/**
 * Who held the bundle how long, and whether each agency kept to its own slice: the facts reporting
 * and operators need to say which agency made a bundle late.
 */
export function agencyTimes(bundle: Bundle, now: string): AgencyTime[] {
  const end = Date.parse(bundle.completedAt ?? bundle.failedAt ?? now);
  const elapsed = Math.max(end - Date.parse(bundle.requestedAt), 1);
  const times: AgencyTime[] = [];
  for (const step of bundle.steps) {
    const byAgency = new Map<string, number>();
    for (const hold of step.holds) byAgency.set(hold.agencyCode, (byAgency.get(hold.agencyCode) ?? 0) + (Date.parse(hold.to ?? new Date(end).toISOString()) - Date.parse(hold.from)));
    for (const [agencyCode, heldMs] of byAgency) {
      const current = agencyCode === step.agencyCode;
      const timeliness = current ? sliceVerdict(step, now) : undefined;
      times.push({ stepCode: step.code, agencyCode, heldMs, shareOfElapsed: heldMs / elapsed, ...(timeliness ? { timeliness } : {}) });
    }
  }
  return times;
}

/** The verdict of a step's current slice. */
export function sliceVerdict(step: Step, now: string): Timeliness | undefined {
  if (!step.dueAt) return undefined;
  if (step.completedAt) return classifyResolution(step.completedAt, localDateOf(step.dueAt));
  if (step.refusedAt) return classifyResolution(step.refusedAt, localDateOf(step.dueAt));
  if (step.status === "CANCELLED") return undefined;
  return Date.parse(now) > Date.parse(step.dueAt) ? "PENDING_OVERDUE" : "NOT_YET_DUE";
}

/** The whole bundle's verdict against its own deadline. */
export function bundleVerdict(bundle: Bundle, now: string): Timeliness {
  if (bundle.completedAt) return classifyResolution(bundle.completedAt, localDateOf(bundle.dueAt));
  return Date.parse(now) > Date.parse(bundle.dueAt) ? "PENDING_OVERDUE" : "NOT_YET_DUE";
}
