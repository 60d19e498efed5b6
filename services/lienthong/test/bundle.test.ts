// The bundle decider, given/when/then: given the events so far, when a command, then the events decided.
import { defaultCalendar } from "@onestop/calendar";
import { describe, expect, it } from "vitest";
import { agencyTimes, decide, evolve, nextTimerAt, type Bundle, type BundleEvent, type BundlePlan, type Command } from "../src/domain/bundle.js";

const birthPlan: BundlePlan = {
  id: "b-1",
  bundleCode: "birth",
  dossierCode: "000.00.51.H06-251201-0001",
  receivingAgencyCode: "000.00.51.H06",
  dispatch: "PARALLEL",
  warnAtShare: 0.75,
  // Monday 1 December 2025, 09:00 in Vietnam.
  requestedAt: "2025-12-01T09:00:00+07:00",
  dueAt: "2025-12-04T23:59:59.999+07:00",
  form: { childFullName: "Nguyễn Văn An", childBirthDate: "2025-11-20", residenceAddress: "Phường Bắc Giang", motherIdNumber: "024123456789" },
  steps: [
    {
      code: "birth-registration",
      procedureCode: "1.001193",
      agencyKind: "civil-status",
      agencyCode: "000.00.51.H06",
      dependsOn: [],
      timeLimit: { amount: 0, unit: "WORKING_DAYS", sameDay: true },
      inputs: ["childFullName", "childBirthDate", "motherIdNumber"],
    },
    {
      code: "permanent-residence",
      procedureCode: "1.004222",
      agencyKind: "police",
      agencyCode: "000.00.90.H06",
      dependsOn: ["birth-registration"],
      timeLimit: { amount: 2, unit: "WORKING_DAYS", sameDay: false },
      inputs: ["childFullName", "residenceAddress"],
    },
    {
      code: "health-insurance",
      procedureCode: "9.900001",
      agencyKind: "social-insurance",
      agencyCode: "000.00.91.H06",
      dependsOn: ["birth-registration"],
      timeLimit: { amount: 2, unit: "WORKING_DAYS", sameDay: false },
      inputs: ["childFullName"],
    },
  ],
};
const deathPlan: BundlePlan = {
  ...birthPlan,
  id: "d-1",
  bundleCode: "death",
  dispatch: "SEQUENTIAL",
  form: { deceasedIdNumber: "024987654321" },
  steps: [
    {
      code: "death-registration",
      procedureCode: "1.000656",
      agencyKind: "civil-status",
      agencyCode: "000.00.51.H06",
      dependsOn: [],
      timeLimit: { amount: 1, unit: "WORKING_DAYS", sameDay: false },
      inputs: ["deceasedIdNumber"],
    },
    {
      code: "residence-removal",
      procedureCode: "1.003197",
      agencyKind: "police",
      agencyCode: "000.00.90.H06",
      dependsOn: ["death-registration"],
      timeLimit: { amount: 1, unit: "WORKING_DAYS", sameDay: false },
      inputs: ["deceasedIdNumber"],
    },
    {
      code: "funeral-allowance",
      procedureCode: "9.900002",
      agencyKind: "social-insurance",
      agencyCode: "000.00.91.H06",
      dependsOn: ["death-registration"],
      timeLimit: { amount: 5, unit: "WORKING_DAYS", sameDay: false },
      inputs: ["deceasedIdNumber"],
    },
  ],
};

const operator = { by: "vanhanh.tinh", reason: "Cơ quan công an đã khắc phục sự cố kết nối" };

/** given(events).when(command) → the events decided, or the refusal. */
function given(...history: BundleEvent[][]) {
  const events = history.flat();
  const state = events.length > 0 ? events.reduce<Bundle | undefined>(evolve, undefined) : undefined;
  return {
    state: state!,
    when(command: Command) {
      const decision = decide(state, command, defaultCalendar);
      return { events: decision.ok ? decision.events : undefined, refusal: decision.ok ? undefined : decision.refusal };
    },
  };
}

function started(plan: BundlePlan): BundleEvent[] {
  return decide(undefined, { type: "Start", plan }, defaultCalendar).ok ? (decide(undefined, { type: "Start", plan }, defaultCalendar) as { events: BundleEvent[] }).events : [];
}

const completeBirth = (at = "2025-12-01T10:00:00+07:00"): Command => ({
  type: "RecordResult",
  at,
  step: "birth-registration",
  attempt: 1,
  outcome: "COMPLETED",
  outputs: { personalIdNumber: "025123000001" },
  resultNumber: "KS-2025-0001",
});

describe("starting a bundle", () => {
  it("requests the steps without dependencies at once, the birth registration due the same working day", () => {
    const { events } = given().when({ type: "Start", plan: birthPlan });
    expect(events!.map((event) => event.type)).toEqual(["BundleStarted", "StepRequested"]);
    expect(events![1]).toMatchObject({
      step: "birth-registration",
      attempt: 1,
      agencyCode: "000.00.51.H06",
      dueAt: "2025-12-01T23:59:59.999+07:00",
      // Only the fields this step needs: not the residence address.
      inputs: { childFullName: "Nguyễn Văn An", childBirthDate: "2025-11-20", motherIdNumber: "024123456789" },
    });
  });

  it("starts once: the same filing again decides nothing", () => {
    expect(given(started(birthPlan)).when({ type: "Start", plan: birthPlan }).events).toEqual([]);
  });
});

describe("results", () => {
  it("the birth registration's personal identification number reaches both dependent steps, sent together (parallel)", () => {
    const { events } = given(started(birthPlan)).when(completeBirth());
    expect(events!.map((event) => event.type)).toEqual(["StepCompleted", "StepRequested", "StepRequested"]);
    expect(events![1]).toMatchObject({ step: "permanent-residence", agencyCode: "000.00.90.H06", inputs: { personalIdNumber: "025123000001", residenceAddress: "Phường Bắc Giang" } });
    expect(events![2]).toMatchObject({ step: "health-insurance", agencyCode: "000.00.91.H06", inputs: { personalIdNumber: "025123000001", childFullName: "Nguyễn Văn An" } });
    // Two working days from Monday 10:00: Wednesday's end, within the bundle's Thursday.
    expect((events![1] as { dueAt: string }).dueAt).toBe("2025-12-03T23:59:59.999+07:00");
  });

  it("a sequential bundle sends one step at a time", () => {
    const afterFirst = given(started(deathPlan)).when({
      type: "RecordResult",
      at: "2025-12-01T11:00:00+07:00",
      step: "death-registration",
      attempt: 1,
      outcome: "COMPLETED",
      outputs: { deathCertificateNumber: "KT-1" },
    });
    expect(afterFirst.events!.map((event) => event.type)).toEqual(["StepCompleted", "StepRequested"]);
    expect(afterFirst.events![1]).toMatchObject({ step: "residence-removal" });
  });

  it("completes the bundle when the last step completes, whichever order the parallel results come in", () => {
    const afterBirth = [...started(birthPlan), ...given(started(birthPlan)).when(completeBirth()).events!];
    const bhxh: Command = { type: "RecordResult", at: "2025-12-02T09:00:00+07:00", step: "health-insurance", attempt: 1, outcome: "COMPLETED", outputs: { healthInsuranceCardNumber: "TE1" } };
    const police: Command = { type: "RecordResult", at: "2025-12-02T10:00:00+07:00", step: "permanent-residence", attempt: 1, outcome: "COMPLETED", outputs: { residenceNumber: "CT-1" } };
    const first = given(afterBirth).when(bhxh).events!;
    expect(first.map((event) => event.type)).toEqual(["StepCompleted"]);
    const last = given(afterBirth, first).when(police).events!;
    expect(last.map((event) => event.type)).toEqual(["StepCompleted", "BundleCompleted"]);
    const done = given(afterBirth, first, last).state;
    expect(done.status).toBe("COMPLETED");
    // The other order ends the same way.
    const other = given(afterBirth, given(afterBirth).when(police).events!).when(bhxh).events!;
    expect(other.map((event) => event.type)).toEqual(["StepCompleted", "BundleCompleted"]);
  });

  it("a duplicate result, a result of an earlier attempt and a refusal after the completion decide nothing", () => {
    const history = [...started(birthPlan), ...given(started(birthPlan)).when(completeBirth()).events!];
    expect(given(history).when(completeBirth("2025-12-01T10:05:00+07:00")).events).toEqual([]);
    expect(given(history).when({ type: "RecordResult", at: "2025-12-01T10:06:00+07:00", step: "birth-registration", attempt: 1, outcome: "REFUSED", reason: "Sai thông tin" }).events).toEqual([]);
    expect(given(history).when({ type: "RecordResult", at: "2025-12-01T10:07:00+07:00", step: "permanent-residence", attempt: 2, outcome: "COMPLETED", outputs: {} }).events).toEqual([]);
    expect(given(history).when({ type: "RecordResult", at: "2025-12-01T10:07:00+07:00", step: "no-such-step", attempt: 1, outcome: "COMPLETED", outputs: {} }).events).toEqual([]);
  });
});

describe("refusals and operators", () => {
  const refusedPolice = () => {
    const history = [...started(birthPlan), ...given(started(birthPlan)).when(completeBirth()).events!];
    const refusal = given(history).when({ type: "RecordResult", at: "2025-12-02T09:00:00+07:00", step: "permanent-residence", attempt: 1, outcome: "REFUSED", reason: "Địa chỉ thường trú không khớp" })
      .events!;
    return [...history, ...refusal];
  };

  it("a refused step keeps the completed ones, needs attention and the applicant is notified", () => {
    const history = refusedPolice();
    expect(history.slice(-2).map((event) => event.type)).toEqual(["StepRefused", "ApplicantNotified"]);
    expect((history.at(-1) as { message: string }).message).toContain("bị từ chối: Địa chỉ thường trú không khớp");
    const state = given(history).state;
    expect(state.status).toBe("NEEDS_ATTENTION");
    expect(state.steps.map((step) => step.status)).toEqual(["COMPLETED", "REFUSED", "REQUESTED"]);
  });

  it("retry requests the step again as attempt 2, with the same inputs; attempt 1's late answer is ignored", () => {
    const history = refusedPolice();
    const retried = given(history).when({ type: "Retry", now: "2025-12-02T10:00:00+07:00", step: "permanent-residence", actor: operator }).events!;
    expect(retried.map((event) => event.type)).toEqual(["StepRetried", "StepRequested"]);
    expect(retried[1]).toMatchObject({ attempt: 2, agencyCode: "000.00.90.H06", inputs: { personalIdNumber: "025123000001" } });
    expect(given(history, retried).state.status).toBe("IN_PROGRESS");
    expect(given(history, retried).when({ type: "RecordResult", at: "2025-12-02T10:01:00+07:00", step: "permanent-residence", attempt: 1, outcome: "COMPLETED", outputs: {} }).events).toEqual([]);
  });

  it("reassign sends the step to another agency; the first agency's time stays its own", () => {
    const history = refusedPolice();
    const moved = given(history).when({ type: "Reassign", now: "2025-12-02T10:00:00+07:00", step: "permanent-residence", agencyCode: "000.00.92.H06", actor: operator }).events!;
    expect(moved.map((event) => event.type)).toEqual(["StepReassigned", "StepRequested"]);
    expect(moved[1]).toMatchObject({ attempt: 2, agencyCode: "000.00.92.H06" });
    const times = agencyTimes(given(history, moved).state, "2025-12-02T11:00:00+07:00").filter((time) => time.stepCode === "permanent-residence");
    // Police held it from Monday 10:00 to its refusal Tuesday 09:00 (23 h); the new agency one hour so far.
    expect(times.map((time) => [time.agencyCode, time.heldMs / 3_600_000])).toEqual([
      ["000.00.90.H06", 23],
      ["000.00.92.H06", 1],
    ]);
  });

  it("cancel fails the bundle, keeps the completed step, cancels the rest and tells the applicant", () => {
    const history = refusedPolice();
    const cancelled = given(history).when({ type: "Cancel", now: "2025-12-02T10:00:00+07:00", actor: { by: "vanhanh.tinh", reason: "Người nộp đề nghị dừng" } }).events!;
    expect(cancelled.map((event) => event.type)).toEqual(["BundleFailed", "ApplicantNotified"]);
    const state = given(history, cancelled).state;
    expect(state.status).toBe("FAILED");
    expect(state.steps.map((step) => step.status)).toEqual(["COMPLETED", "REFUSED", "CANCELLED"]);
    expect(given(history, cancelled).when({ type: "Retry", now: "2025-12-02T11:00:00+07:00", step: "permanent-residence", actor: operator }).refusal?.code).toBe("BUNDLE_FINISHED");
  });

  it("refuses an operator action on a step that is not stuck, or an unknown step, naming the field", () => {
    const history = refusedPolice();
    expect(given(history).when({ type: "Retry", now: "2025-12-02T10:00:00+07:00", step: "health-insurance", actor: operator }).refusal).toMatchObject({ code: "STEP_NOT_STUCK", path: "stepCode" });
    expect(given(history).when({ type: "Retry", now: "2025-12-02T10:00:00+07:00", step: "nope", actor: operator }).refusal).toMatchObject({ code: "NO_SUCH_STEP", path: "stepCode" });
    expect(given(history).when({ type: "Reassign", now: "2025-12-02T10:00:00+07:00", step: "permanent-residence", agencyCode: "000.00.90.H06", actor: operator }).refusal).toMatchObject({
      code: "SAME_AGENCY",
      path: "agencyCode",
    });
  });
});

describe("timers", () => {
  it("warns when three quarters of the slice have gone, escalates when it passes, and a late answer still completes the step", () => {
    const history = started(birthPlan);
    const state = given(history).state;
    // Slice: Monday 09:00 to 23:59:59.999 → warning at three quarters, about 20:15.
    expect(nextTimerAt(state)).toBe("2025-12-01T13:14:59.999Z");
    expect(given(history).when({ type: "Tick", now: "2025-12-01T19:00:00+07:00" }).events).toEqual([]);
    const warned = given(history).when({ type: "Tick", now: "2025-12-01T20:30:00+07:00" }).events!;
    expect(warned.map((event) => event.type)).toEqual(["StepWarned"]);
    expect(nextTimerAt(given(history, warned).state)).toBe("2025-12-01T23:59:59.999+07:00");
    const escalated = given(history, warned).when({ type: "Tick", now: "2025-12-02T08:00:00+07:00" }).events!;
    expect(escalated.map((event) => event.type)).toEqual(["StepTimedOut", "ApplicantNotified"]);
    const late = given(history, warned, escalated);
    expect(late.state.status).toBe("NEEDS_ATTENTION");
    expect(late.when({ type: "Tick", now: "2025-12-02T09:00:00+07:00" }).events).toEqual([]);
    const answered = late.when(completeBirth("2025-12-02T09:30:00+07:00")).events!;
    expect(answered.map((event) => event.type)).toEqual(["StepCompleted", "StepRequested", "StepRequested"]);
    const after = given(history, warned, escalated, answered).state;
    expect(after.status).toBe("IN_PROGRESS");
    const justice = agencyTimes(after, "2025-12-02T09:30:00+07:00").find((time) => time.stepCode === "birth-registration")!;
    expect(justice.timeliness).toBe("OVERDUE");
    expect(justice.heldMs).toBe(24.5 * 3_600_000);
  });

  it("a dependent step's slice never ends after the bundle's deadline", () => {
    // The birth registered on Thursday: two more working days would reach Monday, past Thursday's bundle deadline.
    const history = started(birthPlan);
    const events = given(history).when(completeBirth("2025-12-04T10:00:00+07:00")).events!;
    expect((events[1] as { dueAt: string }).dueAt).toBe("2025-12-04T23:59:59.999+07:00");
  });
});
