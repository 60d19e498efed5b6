import { describe, expect, it } from "vitest";
import { envelopeFromJson, envelopeProblems, envelopeToJson, isRfc3339WithOffset, isUuidV7, openEvent, wrapEvent } from "../src/envelope.js";
import { Channel, type DossierReceived, FeeKind, Level, OnlineMode, type StepCompleted, TimeUnit } from "../src/proto.js";

const attributes = {
  id: "0190a3c2-5b7e-7c3d-8f21-3a4b5c6d7e8f",
  source: "urn:onestop:agency:000.00.12.H10",
  subject: "000.00.12.H10-240715-0001",
  time: "2024-07-15T09:30:00+07:00",
  recordedTime: "2024-07-15T02:30:01.234Z",
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
};

// A birth registration received at a commune desk: free of charge when registered on time.
const received: DossierReceived = {
  dossierCode: "000.00.12.H10-240715-0001",
  procedureCode: "1.001193",
  sectorCode: "HOTICH",
  agencyCode: "000.00.12.H10",
  receivingUnitCode: "000.00.12.H10",
  level: Level.LEVEL_COMMUNE,
  channel: Channel.CHANNEL_ONLINE,
  onlineMode: OnlineMode.ONLINE_MODE_FULL,
  receivedAt: "2024-07-15T09:30:00+07:00",
  dueAt: "2024-07-15T17:00:00+07:00",
  timeLimit: { amount: 0, unit: TimeUnit.TIME_UNIT_WORKING_DAYS, sameDay: true },
  // printf '%s' 024190000123 | openssl dgst -sha256 -hmac onestop-local-dev-personal-data-key-not-for-production
  applicantRef: "5b7f1cb8ad68d6aa69990e2db68dc1dc24b4fccb1e0f0faa90aba62b8ba734ec",
  components: [
    { typeCode: "TKKS", name: "Tờ khai đăng ký khai sinh", reused: false, documentId: "" },
    { typeCode: "GCS", name: "Giấy chứng sinh", reused: true, documentId: "0190a3c2-0000-7000-8000-000000000001" },
  ],
  fees: [
    { code: "LPKS", amount: 0, name: "Lệ phí đăng ký khai sinh", kind: FeeKind.FEE_KIND_CHARGE, waiverReason: "Đăng ký đúng hạn" },
    { code: "BANSAO", amount: 8000, name: "Phí cấp bản sao trích lục", kind: FeeKind.FEE_KIND_FEE, waiverReason: "" },
  ],
  bundleCode: "birth",
};

describe("event envelope", () => {
  it("goes through JSON as a CloudEvents structured-mode event and comes back equal", () => {
    const envelope = wrapEvent("vn.onestop.dossier.received.v1", received, attributes);
    expect(envelopeProblems(envelope)).toEqual([]);

    const text = envelopeToJson(envelope);
    const wire = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(wire).sort()).toEqual(["data", "datacontenttype", "dataschema", "id", "recordedtime", "source", "specversion", "subject", "time", "traceparent", "type"].sort());
    expect(wire).toMatchObject({
      specversion: "1.0",
      type: "vn.onestop.dossier.received.v1",
      time: "2024-07-15T09:30:00+07:00",
      recordedtime: "2024-07-15T02:30:01.234Z",
      datacontenttype: "application/json",
      dataschema: "buf:onestop.dossier.v1.DossierReceived",
    });
    // The payload's proto3 JSON: camelCase keys, enums by name, default values left out.
    const data = wire.data as Record<string, unknown>;
    expect(data).toMatchObject({
      dossierCode: "000.00.12.H10-240715-0001",
      level: "LEVEL_COMMUNE",
      channel: "CHANNEL_ONLINE",
      onlineMode: "ONLINE_MODE_FULL",
      timeLimit: { unit: "TIME_UNIT_WORKING_DAYS", sameDay: true },
      applicantRef: received.applicantRef,
    });
    expect(data).not.toHaveProperty("applicant");
    expect(data.fees).toEqual([
      { code: "LPKS", name: "Lệ phí đăng ký khai sinh", kind: "FEE_KIND_CHARGE", waiverReason: "Đăng ký đúng hạn" },
      { code: "BANSAO", amount: 8000, name: "Phí cấp bản sao trích lục", kind: "FEE_KIND_FEE" },
    ]);

    const opened = openEvent(envelopeFromJson(text));
    expect(opened.type).toBe("vn.onestop.dossier.received.v1");
    if (opened.type !== "vn.onestop.dossier.received.v1") throw new Error("narrowing");
    expect(opened.payload).toEqual(received);
    expect(opened.envelope).toEqual(envelope);
  });

  it("keeps a step's map of outputs", () => {
    const completed: StepCompleted = {
      bundleId: "0190a3c2-5b7e-7c3d-8f21-000000000002",
      bundleCode: "birth",
      stepCode: "birth-registration",
      agencyCode: "000.00.12.H10",
      completedAt: "2024-07-15T10:05:00+07:00",
      outputs: { personalIdNumber: "024224000001" },
      resultNumber: "024224000001.GKS",
      attempt: 1,
    };
    const envelope = wrapEvent("vn.onestop.lienthong.step_completed.v1", completed, {
      ...attributes,
      subject: completed.bundleId,
      time: completed.completedAt,
    });
    const opened = openEvent(envelopeFromJson(envelopeToJson(envelope)));
    expect(opened).toMatchObject({ type: "vn.onestop.lienthong.step_completed.v1", payload: completed });
  });

  it("accepts the proto field names on input", () => {
    const envelope = envelopeFromJson(JSON.stringify({ spec_version: "1.0", recorded_time: "2024-07-15T02:30:01Z", data_content_type: "application/json" }));
    expect(envelope).toMatchObject({
      specVersion: "1.0",
      recordedTime: "2024-07-15T02:30:01Z",
      dataContentType: "application/json",
    });
  });

  it("refuses an unknown type, a missing payload and text that is not an object", () => {
    const envelope = wrapEvent("vn.onestop.dossier.received.v1", received, attributes);
    expect(() => openEvent({ ...envelope, type: "vn.onestop.dossier.received.v9" })).toThrow(/unknown event type/);
    expect(() => openEvent({ ...envelope, data: undefined })).toThrow(/no data/);
    expect(() => envelopeFromJson("[1]")).toThrow(TypeError);
  });

  it("lists what is wrong with the attributes", () => {
    const envelope = wrapEvent("vn.onestop.dossier.received.v1", received, attributes);
    const problems = envelopeProblems({
      ...envelope,
      specVersion: "0.3",
      id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", // a UUIDv1
      type: "received",
      source: "",
      time: "2024-07-15 09:30:00",
      recordedTime: "2024-07-15T02:30:01",
      traceparent: "nope",
      data: undefined,
    });
    expect(problems).toEqual([
      'specversion must be "1.0"',
      "id must be a lower-case UUIDv7",
      'type "received" is not in the event catalogue',
      "source is required",
      "time must be RFC 3339 with an offset",
      "recordedtime must be RFC 3339 with an offset",
      "traceparent is malformed",
      "data is required",
    ]);
  });
});

describe("attribute formats", () => {
  it("recognises UUIDv7", () => {
    expect(isUuidV7("0190a3c2-5b7e-7c3d-8f21-3a4b5c6d7e8f")).toBe(true);
    expect(isUuidV7("0190a3c2-5b7e-4c3d-8f21-3a4b5c6d7e8f")).toBe(false); // version 4
    expect(isUuidV7("0190a3c2-5b7e-7c3d-cf21-3a4b5c6d7e8f")).toBe(false); // variant bits 11
    expect(isUuidV7("0190A3C2-5B7E-7C3D-8F21-3A4B5C6D7E8F")).toBe(false);
  });

  it("requires an offset and a real calendar day", () => {
    expect(isRfc3339WithOffset("2024-07-15T09:30:00+07:00")).toBe(true);
    expect(isRfc3339WithOffset("2024-02-29T23:59:59.999Z")).toBe(true); // leap year
    expect(isRfc3339WithOffset("2024-07-15T09:30:00")).toBe(false);
    expect(isRfc3339WithOffset("2023-02-29T09:30:00+07:00")).toBe(false);
    expect(isRfc3339WithOffset("2024-04-31T09:30:00+07:00")).toBe(false);
    expect(isRfc3339WithOffset("2024-07-15T24:00:00+07:00")).toBe(false);
    expect(isRfc3339WithOffset("2024-07-15")).toBe(false);
  });
});
