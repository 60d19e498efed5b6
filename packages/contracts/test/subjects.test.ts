import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as proto from "../src/proto.js";
import {
  agencyCodeFromToken,
  agencyToken,
  EVENT_CATALOG,
  EVENT_TYPES,
  eventTypeOfSchema,
  isEventType,
  parseSubject,
  STREAM_DECLARATIONS,
  STREAMS,
  streamOfSubject,
  subjectFilter,
  subjectFor,
  subjectMatches,
  type EventType,
  type SubjectParams,
} from "../src/subjects.js";

const protoRoot = join(import.meta.dirname, "../../../proto");

describe("agency tokens", () => {
  it("replaces the dots of an agency code and back", () => {
    expect(agencyToken("000.00.12.H10")).toBe("000_00_12_H10");
    expect(agencyCodeFromToken("000_00_12_H10")).toBe("000.00.12.H10");
    expect(agencyToken("G22")).toBe("G22");
    expect(agencyCodeFromToken(agencyToken("H10.1-A.03"))).toBe("H10.1-A.03");
  });

  it("refuses codes that could not be read back or are not one token", () => {
    for (const bad of ["", "000_00", "a..b", ".a", "a.", "a.*", "a.>", "a b", "H10.Đ"]) {
      expect(() => agencyToken(bad), bad).toThrow(RangeError);
    }
    for (const bad of ["", "a.b", "a__b", "_a", "a_", "*", ">"]) {
      expect(() => agencyCodeFromToken(bad), bad).toThrow(RangeError);
    }
  });
});

describe("streams", () => {
  it("declares the six agreed streams", () => {
    expect(STREAM_DECLARATIONS.map(({ name, subjects }) => [name, subjects])).toEqual([
      ["DOSSIER", ["dossier.>"]],
      ["INTAKE_CMD", ["intake.cmd.>", "intake.rejected"]],
      ["LIENTHONG", ["lienthong.>"]],
      ["DIGITISATION", ["digitisation.>"]],
      ["PAYMENT", ["payment.>"]],
      ["DLQ", ["dlq.>"]],
    ]);
  });

  it("matches NATS wildcards", () => {
    expect(subjectMatches("dossier.>", "dossier.G22.received")).toBe(true);
    expect(subjectMatches("dossier.>", "dossier")).toBe(false);
    expect(subjectMatches("lienthong.*.permanent-residence.>", "lienthong.birth.permanent-residence.requested")).toBe(true);
    expect(subjectMatches("lienthong.*.permanent-residence.>", "lienthong.bundle.completed")).toBe(false);
    expect(subjectMatches("dossier.*.received", "dossier.G22.resolved")).toBe(false);
    expect(subjectMatches("dossier.*.received", "dossier.G22.received.x")).toBe(false);
    expect(subjectMatches("intake.rejected", "intake.rejected")).toBe(true);
  });
});

// One set of parameters for each kind of route, so every event type gets a concrete subject.
function sampleParams(type: EventType): SubjectParams<EventType> {
  switch (EVENT_CATALOG[type].route.kind) {
    case "agency":
      return { agencyCode: "000.00.12.H10" } as SubjectParams<EventType>;
    case "step":
      return { bundleCode: "birth", stepCode: "health-insurance" } as SubjectParams<EventType>;
    case "dlq":
      return { stream: "DOSSIER", consumer: "reporting-tthc" } as SubjectParams<EventType>;
    case "fixed":
      return {} as SubjectParams<EventType>;
  }
}

describe("subjects of event types", () => {
  it("builds the agreed subject scheme", () => {
    expect(subjectFor("vn.onestop.dossier.received.v1", { agencyCode: "000.00.12.H10" })).toBe("dossier.000_00_12_H10.received");
    expect(subjectFor("vn.onestop.dossier.supplement_requested.v1", { agencyCode: "G22.31" })).toBe("dossier.G22_31.supplement_requested");
    expect(subjectFor("vn.onestop.lienthong.step_requested.v1", { bundleCode: "birth", stepCode: "permanent-residence" })).toBe("lienthong.birth.permanent-residence.requested");
    expect(subjectFor("vn.onestop.lienthong.step_timed_out.v1", { bundleCode: "death", stepCode: "funeral-allowance" })).toBe("lienthong.death.funeral-allowance.timed_out");
    expect(subjectFor("vn.onestop.lienthong.bundle_completed.v1", {})).toBe("lienthong.bundle.completed");
    expect(subjectFor("vn.onestop.intake.submit_dossier.v1", {})).toBe("intake.cmd.submit");
    expect(subjectFor("vn.onestop.intake.record_dossier_event.v1", {})).toBe("intake.cmd.event");
    expect(subjectFor("vn.onestop.intake.command_rejected.v1", {})).toBe("intake.rejected");
    expect(subjectFor("vn.onestop.payment.succeeded.v1", { agencyCode: "000.00.12.H10" })).toBe("payment.000_00_12_H10.succeeded");
    expect(subjectFor("vn.onestop.digitisation.result_issued.v1", { agencyCode: "G22" })).toBe("digitisation.G22.result_issued");
    expect(subjectFor("vn.onestop.dlq.dead_lettered.v1", { stream: "PAYMENT", consumer: "reporting_payments" })).toBe("dlq.PAYMENT.reporting_payments");
  });

  it("refuses parameters that are not tokens, and the reserved bundle code", () => {
    const step = "vn.onestop.lienthong.step_requested.v1";
    expect(() => subjectFor(step, { bundleCode: "bundle", stepCode: "x" })).toThrow(RangeError);
    expect(() => subjectFor(step, { bundleCode: "Birth", stepCode: "x" })).toThrow(RangeError);
    expect(() => subjectFor(step, { bundleCode: "birth", stepCode: "a.b" })).toThrow(RangeError);
    expect(() => subjectFor(step, { bundleCode: "birth", stepCode: "" })).toThrow(RangeError);
    expect(() => subjectFor("vn.onestop.dossier.resolved.v1", { agencyCode: "a_b" })).toThrow(RangeError);
    expect(() => subjectFor("vn.onestop.dlq.dead_lettered.v1", { stream: "DOSSIER", consumer: "a.b" })).toThrow(RangeError);
  });

  it("gives subscription filters with wildcards for the parameters left out", () => {
    expect(subjectFilter("vn.onestop.dossier.received.v1")).toBe("dossier.*.received");
    expect(subjectFilter("vn.onestop.dossier.received.v1", { agencyCode: "000.00.12.H10" })).toBe("dossier.000_00_12_H10.received");
    expect(subjectFilter("vn.onestop.lienthong.step_requested.v1", { stepCode: "permanent-residence" })).toBe("lienthong.*.permanent-residence.requested");
    expect(subjectFilter("vn.onestop.dlq.dead_lettered.v1", { stream: "LIENTHONG" })).toBe("dlq.LIENTHONG.*");
  });

  it("reads every subject back to its type, stream and parameters", () => {
    for (const type of EVENT_TYPES) {
      const params = sampleParams(type);
      const subject = subjectFor(type, params);
      expect(parseSubject(subject), subject).toEqual({ type, stream: EVENT_CATALOG[type].stream, params });
    }
  });

  it("publishes every subject into the one stream the catalogue names", () => {
    for (const type of EVENT_TYPES) {
      const subject = subjectFor(type, sampleParams(type));
      const streams = STREAM_DECLARATIONS.filter((stream) => stream.subjects.some((p) => subjectMatches(p, subject)));
      expect(
        streams.map((s) => s.name),
        subject,
      ).toEqual([EVENT_CATALOG[type].stream]);
      expect(streamOfSubject(subject)).toBe(EVENT_CATALOG[type].stream);
    }
  });

  it("reads no event type from subjects outside the scheme", () => {
    for (const subject of [
      "dossier.G22.unknown",
      "dossier.G22.received.extra",
      "dossier.G.22.received",
      "lienthong.bundle.residence.requested",
      "lienthong.bundle.requested.extra",
      "lienthong.birth.requested",
      "intake.cmd.other",
      "dlq.NOPE.consumer",
      "payment.G22",
    ]) {
      expect(parseSubject(subject), subject).toBeUndefined();
    }
    expect(streamOfSubject("audit.anything")).toBeUndefined();
  });
});

describe("event catalogue", () => {
  it("covers the life of a dossier and of every service", () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      [
        "vn.onestop.dossier.received.v1",
        "vn.onestop.dossier.supplement_requested.v1",
        "vn.onestop.dossier.supplement_received.v1",
        "vn.onestop.dossier.paused.v1",
        "vn.onestop.dossier.resumed.v1",
        "vn.onestop.dossier.deadline_extended.v1",
        "vn.onestop.dossier.transferred.v1",
        "vn.onestop.dossier.resolved.v1",
        "vn.onestop.dossier.result_returned.v1",
        "vn.onestop.dossier.refused.v1",
        "vn.onestop.dossier.withdrawn.v1",
        "vn.onestop.dossier.closed.v1",
        "vn.onestop.dossier.evaluated.v1",
        "vn.onestop.intake.submit_dossier.v1",
        "vn.onestop.intake.record_dossier_event.v1",
        "vn.onestop.intake.command_rejected.v1",
        "vn.onestop.lienthong.bundle_requested.v1",
        "vn.onestop.lienthong.step_requested.v1",
        "vn.onestop.lienthong.step_completed.v1",
        "vn.onestop.lienthong.step_refused.v1",
        "vn.onestop.lienthong.step_timed_out.v1",
        "vn.onestop.lienthong.bundle_completed.v1",
        "vn.onestop.lienthong.bundle_failed.v1",
        "vn.onestop.lienthong.step_warned.v1",
        "vn.onestop.lienthong.applicant_notified.v1",
        "vn.onestop.lienthong.start_bundle.v1",
        "vn.onestop.digitisation.component_digitised.v1",
        "vn.onestop.digitisation.result_issued.v1",
        "vn.onestop.digitisation.document_reused.v1",
        "vn.onestop.digitisation.dossier_digitised.v1",
        "vn.onestop.payment.fees_assessed.v1",
        "vn.onestop.payment.requested.v1",
        "vn.onestop.payment.succeeded.v1",
        "vn.onestop.payment.failed.v1",
        "vn.onestop.payment.refunded.v1",
        "vn.onestop.payment.reconciled.v1",
        "vn.onestop.payment.discrepancy_found.v1",
        "vn.onestop.dlq.dead_lettered.v1",
      ].sort(),
    );
    expect(isEventType("vn.onestop.dossier.received.v1")).toBe(true);
    expect(isEventType("vn.onestop.dossier.received.v2")).toBe(false);
    expect(isEventType("toString")).toBe(false);
  });

  it("names each payload by a proto message that exists, with the codec of that message", () => {
    const declared = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".proto")) {
          const text = readFileSync(path, "utf8");
          const pkg = /^package ([\w.]+);/m.exec(text)?.[1];
          for (const [, name] of text.matchAll(/^message (\w+) \{/gm)) declared.add(`${pkg}.${name}`);
        }
      }
    };
    walk(protoRoot);
    const schemas = EVENT_TYPES.map((type) => EVENT_CATALOG[type].schema);
    expect(new Set(schemas).size).toBe(schemas.length);
    for (const type of EVENT_TYPES) {
      const { schema, message } = EVENT_CATALOG[type];
      expect(declared.has(schema), schema).toBe(true);
      const shortName = schema.split(".").at(-1) ?? "";
      expect((proto as Record<string, unknown>)[shortName], schema).toBe(message);
      expect(eventTypeOfSchema(schema)).toBe(type);
    }
  });

  it("keeps each type versioned and in its stream's area", () => {
    for (const type of EVENT_TYPES) {
      expect(type).toMatch(/^vn\.onestop\.[a-z]+\.[a-z_]+\.v[1-9]\d*$/);
      const area = type.split(".")[2];
      const stream = STREAMS[EVENT_CATALOG[type].stream];
      const expectedStream = area === "intake" ? "INTAKE_CMD" : area?.toUpperCase();
      expect(stream.name, type).toBe(expectedStream);
    }
  });
});
