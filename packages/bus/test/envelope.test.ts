import { isUuidV7 } from "@onestop/contracts";
import { describe, expect, it } from "vitest";
import { decodeEnvelope, derivedEventId, encodeEnvelope, newEnvelope, PoisonMessageError } from "../src/index.js";

describe("event envelopes", () => {
  it("round-trips through the CloudEvents JSON form", () => {
    const envelope = newEnvelope({
      type: "vn.onestop.dossier.received.v1",
      source: "urn:onestop:agency:000.00.51.H06",
      subject: "000.00.51.H06-250929-0001",
      time: "2025-09-29T10:00:00+07:00",
      data: { fees: [{ code: "LP", amount: 0 }] },
    });
    expect(isUuidV7(envelope.id)).toBe(true);
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it("treats a message without the envelope's required fields as poison", () => {
    expect(() => decodeEnvelope(new TextEncoder().encode(JSON.stringify({ id: "x", type: "t" })))).toThrow(PoisonMessageError);
  });

  it("derives one UUIDv7 per cause and purpose, keeping the cause's time", () => {
    const cause = newEnvelope({ type: "t", source: "s", subject: "x", time: "2025-09-29T10:00:00+07:00", data: {} }).id;
    const rejection = derivedEventId(cause, "rejected");
    expect(isUuidV7(rejection)).toBe(true);
    expect(derivedEventId(cause, "rejected")).toBe(rejection);
    expect(derivedEventId(cause, "accepted")).not.toBe(rejection);
    expect(rejection.slice(0, 13)).toBe(cause.slice(0, 13));
  });
});
