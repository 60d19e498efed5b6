// Bundles routed end to end over the real NATS and store: lienthong in process (its clock moved by
// the test), the reference sector simulators answering on the bus; intake's side recorded.
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { Caller } from "@onestop/auth";
import { decodeEnvelope, newEnvelope, publishEvent } from "@onestop/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agencyTimes, type Bundle } from "../src/domain/bundle.js";
import { startHarness, type Harness } from "./harness.js";

const operator: Caller = {
  principal: { subject: "u-vanhanh", username: "vanhanh.tinh", kind: "user", roles: ["province_operator"], unitCode: "24" },
  from: { transport: "rest", address: "127.0.0.1" },
};
const HOUR = 3_600_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(async () => {
  await h?.stop();
});

const statuses = (bundle: Bundle) => bundle.steps.map((step) => `${step.code}:${step.status}`);
const step = (bundle: Bundle, code: string) => bundle.steps.find((candidate) => candidate.code === code)!;

/** The LIENTHONG events of one bundle, by subject. */
async function streamEventsOf(bundleId: string): Promise<Array<{ subject: string; type: string; data: Record<string, unknown> }>> {
  const js = jetstream(h.nats);
  const jsm = await jetstreamManager(h.nats);
  const info = await jsm.streams.info("LIENTHONG");
  const consumer = await js.consumers.get("LIENTHONG");
  const events: Array<{ subject: string; type: string; data: Record<string, unknown> }> = [];
  const messages = await consumer.fetch({ max_messages: info.state.messages, expires: 2_000 });
  for await (const message of messages) {
    const envelope = decodeEnvelope(message.data);
    if (envelope.subject === bundleId || (envelope.data as { bundleId?: string }).bundleId === bundleId)
      events.push({ subject: message.subject, type: envelope.type, data: envelope.data as Record<string, unknown> });
    if (message.info.pending === 0) break;
  }
  return events;
}

describe("the birth bundle", () => {
  it("completes within its 3 working days, the child's personal identification number reaching the residence and health-insurance steps", async () => {
    const { bundleId, dossierCode } = await h.file("BIRTH");
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "birth bundle completed");
    expect(statuses(done)).toEqual(["birth-registration:COMPLETED", "permanent-residence:COMPLETED", "health-insurance:COMPLETED"]);
    // Each step went to the agency of its kind nearest to the receiving commune.
    expect(done.steps.map((s) => s.agencyCode)).toEqual(["000.00.51.H06", "000.00.90.H06", "000.00.91.H06"]);
    expect(Date.parse(done.completedAt!)).toBeLessThanOrEqual(Date.parse(done.dueAt));

    const pin = step(done, "birth-registration").outputs.personalIdNumber!;
    expect(pin).toMatch(/^\d{12}$/);
    const seenBy = (sector: "sector-cutru" | "sector-bhxh", stepCode: string) => h.sims[sector].seen.find((seen) => seen.bundleId === bundleId && seen.stepCode === stepCode)!;
    expect(seenBy("sector-cutru", "permanent-residence").inputs).toMatchObject({ personalIdNumber: pin, residenceAddress: "Số 12 đường Hoàng Văn Thụ, phường Bắc Giang" });
    expect(seenBy("sector-bhxh", "health-insurance").inputs).toMatchObject({ personalIdNumber: pin, childFullName: "Nguyễn Minh Khôi" });
    // A request carries only what its step needs: the police never see the mother's ID number.
    expect(seenBy("sector-cutru", "permanent-residence").inputs.motherIdNumber).toBeUndefined();

    await h.wired.relay.settled();
    const resolutions = h.resolved.filter((entry) => entry.dossierCode === dossierCode);
    expect(resolutions).toHaveLength(1);
    expect(resolutions[0]!.outcome).toBe("APPROVED");
    expect(resolutions[0]!.results.map((result) => [result.stepCode, result.agencyCode])).toEqual([
      ["birth-registration", "000.00.51.H06"],
      ["permanent-residence", "000.00.90.H06"],
      ["health-insurance", "000.00.91.H06"],
    ]);
    expect(resolutions[0]!.results[0]!.outputs.personalIdNumber).toBe(pin);

    const events = await streamEventsOf(bundleId);
    expect(
      events
        .filter((event) => event.type === "vn.onestop.lienthong.step_requested.v1")
        .map((event) => event.subject)
        .sort(),
    ).toEqual(["lienthong.birth.birth-registration.requested", "lienthong.birth.health-insurance.requested", "lienthong.birth.permanent-residence.requested"]);
    expect(events.filter((event) => event.subject === "lienthong.bundle.completed")).toHaveLength(1);
  });
});

describe("the death bundle", () => {
  it("sends its steps one after the other and completes", async () => {
    const { bundleId } = await h.file("DEATH");
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "death bundle completed");
    expect(statuses(done)).toEqual(["death-registration:COMPLETED", "residence-removal:COMPLETED", "funeral-allowance:COMPLETED"]);
    const [first, second, third] = done.steps;
    expect(Date.parse(second!.requestedAt!)).toBeGreaterThanOrEqual(Date.parse(first!.completedAt!));
    expect(Date.parse(third!.requestedAt!)).toBeGreaterThanOrEqual(Date.parse(second!.completedAt!));
    expect(h.sims["sector-cutru"].seen.find((seen) => seen.bundleId === bundleId)!.inputs.deathCertificateNumber).toBe(first!.outputs.deathCertificateNumber);
  });
});

describe("a sector system offline longer than its step's limit", () => {
  it("warns, escalates (the bundle on the operators' list), and completes when the sector returns", async () => {
    await h.sims["sector-cutru"].goOffline();
    try {
      const { bundleId } = await h.file("BIRTH");
      const waiting = await h.until(
        bundleId,
        (bundle) => step(bundle, "permanent-residence").status === "REQUESTED" && step(bundle, "health-insurance").status === "COMPLETED",
        "police step requested",
      );
      const police = step(waiting, "permanent-residence");

      // Three quarters of the police's slice pass: the warning.
      h.clock.advance(Date.parse(police.warnAt!) - h.clock.now().getTime() + 1_000);
      const warned = await h.until(bundleId, (bundle) => step(bundle, "permanent-residence").warnedAt !== undefined, "warning");
      expect(warned.status).toBe("IN_PROGRESS");

      // The slice passes: escalation, the operators' list, the applicant told.
      h.clock.advance(Date.parse(police.dueAt!) - h.clock.now().getTime() + HOUR);
      const late = await h.until(bundleId, (bundle) => bundle.status === "NEEDS_ATTENTION", "escalation");
      expect(step(late, "permanent-residence").status).toBe("TIMED_OUT");
      const list = await h.wired.app.list(operator, { status: "NEEDS_ATTENTION", limit: 100 });
      expect(list.map((bundle) => bundle.id)).toContain(bundleId);
      await h.wired.relay.settled();
      const events = await streamEventsOf(bundleId);
      expect(events.map((event) => event.subject)).toEqual(
        expect.arrayContaining(["lienthong.birth.permanent-residence.warned", "lienthong.birth.permanent-residence.timed_out", "lienthong.bundle.applicant_notified"]),
      );

      await h.sims["sector-cutru"].goOnline();
      const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completion after the sector returns");
      const policeTime = agencyTimes(done, h.clock.now().toISOString()).find((time) => time.stepCode === "permanent-residence")!;
      // The police made the bundle late: after its own slice, and most of the elapsed time is theirs.
      expect(policeTime.timeliness).toBe("OVERDUE");
      expect(policeTime.shareOfElapsed).toBeGreaterThan(0.9);
      const justice = agencyTimes(done, h.clock.now().toISOString()).find((time) => time.stepCode === "birth-registration")!;
      expect(justice.timeliness).not.toBe("OVERDUE");
    } finally {
      await h.sims["sector-cutru"].goOnline();
    }
  });
});

describe("the simulator's behaviours", () => {
  it("answers after its configured delay: the step's hold lasts at least that long", async () => {
    h.sims["sector-hotich"].set({ delayMs: 400 });
    try {
      const { bundleId } = await h.file("DEATH");
      const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "death bundle completed");
      const registration = step(done, "death-registration");
      expect(Date.parse(registration.completedAt!) - Date.parse(registration.requestedAt!)).toBeGreaterThanOrEqual(400);
      // The other sectors answer at once.
      const removal = step(done, "residence-removal");
      expect(Date.parse(removal.completedAt!) - Date.parse(removal.requestedAt!)).toBeLessThan(400);
    } finally {
      h.sims["sector-hotich"].set({ delayMs: 0 });
    }
  });

  it("goes offline for a while on its own and answers what waited once it is back", async () => {
    const offlineAt = h.clock.now().getTime();
    await h.sims["sector-bhxh"].goOffline(1_500);
    expect(h.sims["sector-bhxh"].online).toBe(false);
    const { bundleId } = await h.file("DEATH");
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed after the sector came back");
    expect(h.sims["sector-bhxh"].online).toBe(true);
    const allowance = step(done, "funeral-allowance");
    expect(allowance.attempt).toBe(1);
    expect(Date.parse(allowance.completedAt!)).toBeGreaterThanOrEqual(offlineAt + 1_400);
    expect(h.sims["sector-bhxh"].seen.filter((seen) => seen.bundleId === bundleId).map((seen) => seen.answered)).toEqual(["COMPLETED"]);
  });
});

describe("a refused step and the operators' actions", () => {
  const auditOf = async (bundleId: string) =>
    (await h.db.collection("audit_log").find({ "target.id": bundleId }).toArray()).map((record) => ({ action: record.action, who: record.actor?.username, details: record.details }));

  it("keeps the completed steps, notifies the applicant, and a retry completes the bundle", async () => {
    h.sims["sector-bhxh"].set({ refuseShare: 1 });
    const { bundleId } = await h.file("BIRTH");
    const refused = await h.until(bundleId, (bundle) => step(bundle, "health-insurance").status === "REFUSED" && step(bundle, "permanent-residence").status === "COMPLETED", "refusal");
    expect(refused.status).toBe("NEEDS_ATTENTION");
    expect(step(refused, "birth-registration").status).toBe("COMPLETED");
    expect(step(refused, "health-insurance").reason).toBe("Thiếu thông tin hộ gia đình tham gia bảo hiểm y tế");
    await h.wired.relay.settled();
    expect((await streamEventsOf(bundleId)).find((event) => event.subject === "lienthong.bundle.applicant_notified")?.data.kind).toBe("STEP_REFUSED");

    h.sims["sector-bhxh"].set({ refuseShare: 0 });
    await h.wired.app.retry(operator, bundleId, "health-insurance", "BHXH đã bổ sung dữ liệu hộ gia đình");
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed after retry");
    expect(step(done, "health-insurance").attempt).toBe(2);
    expect(await auditOf(bundleId)).toContainEqual({ action: "bundle.retry", who: "vanhanh.tinh", details: { stepCode: "health-insurance", reason: "BHXH đã bổ sung dữ liệu hộ gia đình" } });
  });

  it("reassigns a refused step to another agency of its kind, whose answer completes it", async () => {
    h.sims["sector-hotich"].set({ refuseShare: 1 });
    const { bundleId } = await h.file("BIRTH");
    await h.until(bundleId, (bundle) => step(bundle, "birth-registration").status === "REFUSED", "refusal");
    h.sims["sector-hotich"].set({ refuseShare: 0 });
    // Not of the step's kind: refused naming the field, nothing changed.
    await expect(h.wired.app.reassign(operator, bundleId, "birth-registration", "000.00.03.H06", "Chuyển Sở Tư pháp")).rejects.toMatchObject({ errors: [{ path: "agencyCode" }] });
    await h.wired.app.reassign(operator, bundleId, "birth-registration", "000.00.52.H06", "Chuyển về UBND phường Đa Mai theo nơi cư trú của mẹ");
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed after reassignment");
    expect(step(done, "birth-registration").agencyCode).toBe("000.00.52.H06");
    const times = agencyTimes(done, h.clock.now().toISOString()).filter((time) => time.stepCode === "birth-registration");
    expect(times.map((time) => time.agencyCode)).toEqual(["000.00.51.H06", "000.00.52.H06"]);
    expect(await auditOf(bundleId)).toContainEqual({
      action: "bundle.reassign",
      who: "vanhanh.tinh",
      details: { stepCode: "birth-registration", agencyCode: "000.00.52.H06", reason: "Chuyển về UBND phường Đa Mai theo nơi cư trú của mẹ" },
    });
  });

  it("cancels the remaining steps: the bundle fails, completed steps stay, intake is told with their results", async () => {
    h.sims["sector-cutru"].set({ refuseShare: 1 });
    const { bundleId, dossierCode } = await h.file("BIRTH");
    await h.until(bundleId, (bundle) => step(bundle, "permanent-residence").status === "REFUSED" && step(bundle, "health-insurance").status === "COMPLETED", "refusal");
    h.sims["sector-cutru"].set({ refuseShare: 0 });
    const failed = await h.wired.app.cancel(operator, bundleId, "Người nộp hồ sơ đề nghị dừng liên thông");
    expect(failed.status).toBe("FAILED");
    expect(statuses(failed)).toEqual(["birth-registration:COMPLETED", "permanent-residence:REFUSED", "health-insurance:COMPLETED"]);
    await expect(h.wired.app.retry(operator, bundleId, "permanent-residence", "thử lại")).rejects.toMatchObject({ rule: "BUNDLE_FINISHED" });
    await h.wired.relay.settled();
    const resolution = h.resolved.find((entry) => entry.dossierCode === dossierCode)!;
    expect(resolution.outcome).toBe("REFUSED");
    expect(resolution.results.map((result) => result.stepCode)).toEqual(["birth-registration", "health-insurance"]);
    expect(await auditOf(bundleId)).toContainEqual({ action: "bundle.cancel", who: "vanhanh.tinh", details: { reason: "Người nộp hồ sơ đề nghị dừng liên thông" } });
  });

  it("refuses an operator's action from someone who is not an operator, and records the refusal", async () => {
    const { bundleId } = await h.file("DEATH");
    await h.until(bundleId, () => true, "bundle started");
    const desk: Caller = { principal: { subject: "u-desk", username: "tiepnhan.stp", kind: "user", roles: ["desk_officer"], agencyCode: "000.00.03.H06" }, from: { transport: "rest" } };
    await expect(h.wired.app.cancel(desk, bundleId, "không có quyền")).rejects.toThrow(/vận hành/);
    expect((await auditOf(bundleId)).find((record) => record.action === "bundle.cancel")?.who).toBe("tiepnhan.stp");
  });
});

describe("duplicate and out-of-order results", () => {
  it("applies every result once when the sector systems send each twice, and the start command twice makes one bundle", async () => {
    for (const sim of Object.values(h.sims)) sim.set({ duplicateResults: true });
    try {
      const { bundleId, dossierCode, commandId } = await h.file("BIRTH");
      const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed with duplicates");
      expect(done.steps.map((s) => s.attempt)).toEqual([1, 1, 1]);
      expect(done.steps.every((s) => s.holds.length === 1)).toBe(true);
      // The same start again (a redelivery, or intake relaying twice) changes nothing.
      const js = jetstream(h.nats);
      await publishEvent(
        js,
        "lienthong.bundle.start",
        newEnvelope({
          type: "vn.onestop.lienthong.start_bundle.v1",
          source: "urn:onestop:system:intake",
          subject: dossierCode,
          time: done.requestedAt,
          data: { bundleCode: "BIRTH", dossierCode, requestedAt: done.requestedAt, receivingAgencyCode: "000.00.51.H06", inputs: {} },
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await h.wired.relay.settled();
      expect((await h.bundle(bundleId))!.completedAt).toBe(done.completedAt);
      expect(h.resolved.filter((entry) => entry.dossierCode === dossierCode)).toHaveLength(1);
      const requested = (await streamEventsOf(bundleId)).filter((event) => event.type === "vn.onestop.lienthong.step_requested.v1");
      expect(requested).toHaveLength(3);
      expect(commandId).toBeTruthy();
    } finally {
      for (const sim of Object.values(h.sims)) sim.set({ duplicateResults: false });
    }
  });

  it("ignores a result for a step not yet requested and one for an earlier attempt", async () => {
    await h.sims["sector-hotich"].goOffline();
    const js = jetstream(h.nats);
    let bundleId = "";
    try {
      ({ bundleId } = await h.file("BIRTH"));
      await h.until(bundleId, (bundle) => step(bundle, "birth-registration").status === "REQUESTED", "first step requested");
      // The police answer before the birth is registered (a confused sector system): ignored.
      const early = {
        bundleId,
        bundleCode: "birth",
        stepCode: "permanent-residence",
        agencyCode: "000.00.90.H06",
        completedAt: h.clock.now().toISOString(),
        outputs: { residenceNumber: "CT-SAI" },
        attempt: 1,
      };
      await publishEvent(
        js,
        "lienthong.birth.permanent-residence.completed",
        newEnvelope({ type: "vn.onestop.lienthong.step_completed.v1", source: "urn:test", subject: bundleId, time: early.completedAt, data: early }),
      );
      // An answer for attempt 2 of the first step, which was never sent: ignored too.
      const stale = { bundleId, bundleCode: "birth", stepCode: "birth-registration", agencyCode: "000.00.51.H06", refusedAt: h.clock.now().toISOString(), reason: "nhầm", attempt: 2 };
      await publishEvent(
        js,
        "lienthong.birth.birth-registration.refused",
        newEnvelope({ type: "vn.onestop.lienthong.step_refused.v1", source: "urn:test", subject: bundleId, time: stale.refusedAt, data: stale }),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const untouched = (await h.bundle(bundleId))!;
      expect(statuses(untouched)).toEqual(["birth-registration:REQUESTED", "permanent-residence:WAITING", "health-insurance:WAITING"]);
    } finally {
      await h.sims["sector-hotich"].goOnline();
    }
    const done = await h.until(bundleId, (bundle) => bundle.status === "COMPLETED", "completed once the sector is back");
    expect(step(done, "permanent-residence").outputs.residenceNumber).not.toBe("CT-SAI");
  });
});
