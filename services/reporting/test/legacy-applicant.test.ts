/**
 * Intake's received event used to carry the applicant (ID number, name, phone); it now carries
 * `applicantRef` only. Reporting needs neither: events of both forms, old ones still in the
 * DOSSIER stream included, become the same fact, and nothing personal reaches the fact.
 */
import { describe, expect, it } from "vitest";
import { emptyFacts, factFromEnvelope, foldEvent, type EnvelopeInput } from "../src/domain/index.js";
import * as e from "./domain/events.js";

const SPEC = {
  code: "000.01.31.H04-240708-0001",
  procedureCode: "1.004873",
  sectorCode: "HO_TICH",
  channel: "ONLINE",
  receivedAt: "2024-07-08T10:00:00+07:00",
  dueDate: "2024-07-11",
  workingDays: 3,
  fees: [0],
} as const;

function withApplicant(envelope: EnvelopeInput, applicant: Record<string, unknown> | undefined, ref?: string): EnvelopeInput {
  const { applicant: _dropped, ...data } = envelope.data as Record<string, unknown>;
  return { ...envelope, data: { ...data, ...(applicant ? { applicant } : {}), ...(ref ? { applicantRef: ref } : {}) } };
}

describe("received events with and without the deprecated applicant", () => {
  const base = e.received({ ...SPEC, fees: [...SPEC.fees] });
  const legacy = withApplicant(base, { idNumber: "079190004321", fullName: "Phạm Thị Lụa", phone: "0987654321", email: "lua@example.vn" });
  const current = withApplicant(base, undefined, "ee3a11bf25033de7e74df7a62091b68196a69bb7cb07cbda70c79ead7df62c4a");
  const neither = withApplicant(base, undefined);

  it("become the same fact", () => {
    const fact = factFromEnvelope(current);
    expect(fact).toMatchObject({ kind: "RECEIVED", receipt: { procedureCode: "1.004873", channel: "ONLINE" } });
    expect(factFromEnvelope(legacy)).toEqual(fact);
    expect(factFromEnvelope(neither)).toEqual(fact);
  });

  it("fold into facts that hold nothing of the applicant", () => {
    const facts = foldEvent(emptyFacts(SPEC.code), factFromEnvelope(legacy)!);
    const text = JSON.stringify(facts);
    for (const personal of ["079190004321", "Lụa", "0987654321", "lua@example.vn", "applicant"]) expect(text).not.toContain(personal);
    expect(facts).toEqual(foldEvent(emptyFacts(SPEC.code), factFromEnvelope(current)!));
  });
});
