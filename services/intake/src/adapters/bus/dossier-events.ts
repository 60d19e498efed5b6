import { derivedEventId, newEnvelope } from "@onestop/bus";
import { applicantRef, EVENT_CATALOG, RequestBundleRequest, subjectFor, type EventType } from "@onestop/contracts";
import type { Dossier } from "../../domain/dossier.js";
import type { DossierEvent } from "../../domain/events.js";
import type { OutboxEntry, ToOutboxEntry } from "../../app/ports.js";

const TYPE_OF: Record<DossierEvent["type"], EventType> = {
  RECEIVED: "vn.onestop.dossier.received.v1",
  SUPPLEMENT_REQUESTED: "vn.onestop.dossier.supplement_requested.v1",
  SUPPLEMENT_RECEIVED: "vn.onestop.dossier.supplement_received.v1",
  PAUSED: "vn.onestop.dossier.paused.v1",
  RESUMED: "vn.onestop.dossier.resumed.v1",
  DEADLINE_EXTENDED: "vn.onestop.dossier.deadline_extended.v1",
  TRANSFERRED: "vn.onestop.dossier.transferred.v1",
  RESOLVED: "vn.onestop.dossier.resolved.v1",
  RESULT_RETURNED: "vn.onestop.dossier.result_returned.v1",
  REFUSED: "vn.onestop.dossier.refused.v1",
  WITHDRAWN: "vn.onestop.dossier.withdrawn.v1",
  CLOSED: "vn.onestop.dossier.closed.v1",
  EVALUATED: "vn.onestop.dossier.evaluated.v1",
};

/**
 * The contract's JSON form of an event's payload (proto3 JSON: camelCase fields, enum names).
 * Subscribers get what they need and no personal data: the receipt names the applicant by
 * `applicantRef` (keyed hash of the ID number) only; the deprecated `applicant` stays empty.
 */
function payloadOf(event: DossierEvent, after: Dossier, personalDataKey: string): Record<string, unknown> {
  const code = after.code;
  switch (event.type) {
    case "RECEIVED": {
      const d = event.dossier;
      return {
        dossierCode: code,
        procedureCode: d.procedureCode,
        sectorCode: d.sectorCode,
        agencyCode: d.agencyCode,
        receivingUnitCode: d.receivingUnitCode,
        level: `LEVEL_${d.level}`,
        channel: `CHANNEL_${d.channel}`,
        onlineMode: d.onlineMode ? `ONLINE_MODE_${d.onlineMode}` : "ONLINE_MODE_NONE",
        receivedAt: d.receivedAt,
        dueAt: d.originalDueAt,
        timeLimit: { amount: d.timeLimit.amount, unit: `TIME_UNIT_${d.timeLimit.unit}`, sameDay: d.timeLimit.sameDay ?? false },
        applicantRef: applicantRef(d.applicant.idNumber, personalDataKey),
        components: d.components,
        fees: d.fees,
        bundleCode: d.bundleCode ?? "",
      };
    }
    case "SUPPLEMENT_REQUESTED":
      return { dossierCode: code, requestedAt: event.at, reason: event.reason ?? "", requestNumber: after.supplements.length };
    case "SUPPLEMENT_RECEIVED":
      return { dossierCode: code, receivedAt: event.at };
    case "PAUSED":
      return { dossierCode: code, pausedAt: event.at, reason: `PAUSE_REASON_${event.reason}` };
    case "RESUMED":
      return { dossierCode: code, resumedAt: event.at, reason: `PAUSE_REASON_${after.pauses.at(-1)!.reason}` };
    case "DEADLINE_EXTENDED":
      return { dossierCode: code, extendedAt: event.at, newDueAt: event.newDueDate, reason: event.reason ?? "" };
    case "TRANSFERRED": {
      const transfer = after.transfers.at(-1)!;
      return { dossierCode: code, transferredAt: event.at, fromAgencyCode: transfer.fromAgencyCode, toAgencyCode: transfer.toAgencyCode };
    }
    case "RESOLVED":
      return { dossierCode: code, outcome: `OUTCOME_${event.outcome}`, resolvedAt: event.at, agencyCode: after.agencyCode };
    case "RESULT_RETURNED":
      return {
        dossierCode: code,
        returnedAt: event.at,
        channel: `CHANNEL_${event.channel}`,
        form: event.electronic ? "DOCUMENT_FORM_ELECTRONIC" : "DOCUMENT_FORM_PAPER",
      };
    case "REFUSED":
      return { dossierCode: code, refusedAt: event.at, reason: event.reason ?? "" };
    case "WITHDRAWN":
      return { dossierCode: code, withdrawnAt: event.at };
    case "CLOSED":
      return {
        dossierCode: code,
        closedAt: event.at,
        reason: "CLOSE_REASON_SUPPLEMENT_NOT_COMPLETED",
        supplementRequestedAt: after.supplements.at(-1)?.requestedAt ?? "",
      };
    case "EVALUATED":
      return { dossierCode: code, evaluatedAt: event.at, rating: event.rating };
  }
}

/**
 * The outbox entries announcing accepted events: on `dossier.<agency token>.<event>`, payload
 * checked against the contract's message (fromJSON then toJSON drops nothing the contract knows),
 * applicant references made with `personalDataKey` (config PERSONAL_DATA_KEY).
 */
export function dossierOutboxEntries(personalDataKey: string): ToOutboxEntry {
  return (event: DossierEvent, after: Dossier): OutboxEntry | OutboxEntry[] => {
    const type = TYPE_OF[event.type];
    const codec = EVENT_CATALOG[type].message as { fromJSON(json: unknown): unknown; toJSON(message: unknown): unknown };
    const data = codec.toJSON(codec.fromJSON(payloadOf(event, after, personalDataKey))) as Record<string, unknown>;
    const announced: OutboxEntry = {
      subject: subjectFor(type, { agencyCode: after.agencyCode } as never),
      envelope: newEnvelope({ type, source: `urn:onestop:agency:${after.agencyCode}`, subject: after.code, time: event.at, data }),
    };
    if (event.type !== "RECEIVED" || after.bundleCode === undefined) return announced;
    return [announced, bundleStart(event, after, announced.envelope.id)];
  };
}

/**
 * A bundle's filing also goes to lienthong as its start command (`lienthong.bundle.start`, the
 * LIENTHONG stream): the dossier code, the receiving desk and the form fields the steps need.
 * The form is personal data and travels only there, never on DOSSIER.
 */
function bundleStart(event: Extract<DossierEvent, { type: "RECEIVED" }>, after: Dossier, receiptId: string): OutboxEntry {
  const type = "vn.onestop.lienthong.start_bundle.v1";
  const data = RequestBundleRequest.toJSON(
    RequestBundleRequest.fromJSON({
      bundleCode: after.bundleCode,
      dossierCode: after.code,
      requestedAt: after.receivedAt,
      receivingAgencyCode: after.receivingUnitCode,
      inputs: event.bundleInputs ?? {},
      idempotencyKey: after.code,
    }),
  ) as Record<string, unknown>;
  return {
    subject: subjectFor(type, {}),
    envelope: newEnvelope({ id: derivedEventId(receiptId, "bundle-start"), type, source: `urn:onestop:agency:${after.receivingUnitCode}`, subject: after.code, time: event.at, data }),
  };
}
