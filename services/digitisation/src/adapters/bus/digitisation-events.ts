import type { JetStreamClient } from "@nats-io/jetstream";
import { derivedEventId, newEnvelope, publishEvent, type EventEnvelope } from "@onestop/bus";
import { EVENT_CATALOG, subjectFor, type EventType } from "@onestop/contracts";
import type { DigitisationEvent, DigitisedDocument } from "../../domain/documents.js";
import type { OutboxEntry, Publisher } from "../../app/ports.js";

const TYPE_OF: Record<DigitisationEvent["type"], EventType> = {
  COMPONENT_DIGITISED: "vn.onestop.digitisation.component_digitised.v1",
  RESULT_ISSUED: "vn.onestop.digitisation.result_issued.v1",
  DOCUMENT_REUSED: "vn.onestop.digitisation.document_reused.v1",
  DOSSIER_DIGITISED: "vn.onestop.digitisation.dossier_digitised.v1",
};

/**
 * The metadata an event carries: no personal data. The holder is named by `holderRef` only (the
 * keyed hash, equal to the dossier's applicant_ref for an ID number); the summary, which may name
 * the holder, and the result number, which holds the ID number, stay out.
 */
function eventMetadata(document: DigitisedDocument): Record<string, unknown> {
  const { metadata } = document;
  return {
    documentId: document.id,
    documentTypeCode: metadata.documentTypeCode,
    holder: { holderRef: document.holderRef },
    name: metadata.name,
    issuedOn: metadata.issuedOn ?? "",
    issuer: metadata.issuer ?? "",
    validFrom: metadata.validFrom,
    validTo: metadata.validTo ?? "",
    scope: metadata.scope,
    sha256: document.content.sha256,
    digitisedBy: document.digitisedBy,
    digitisedAt: document.digitisedAt,
    mediaType: document.content.mediaType,
    sizeBytes: document.content.size,
  };
}

function payloadOf(event: DigitisationEvent, document: DigitisedDocument | undefined): Record<string, unknown> {
  switch (event.type) {
    case "COMPONENT_DIGITISED":
      return { dossierCode: event.dossierCode, componentTypeCode: event.componentTypeCode, document: document ? eventMetadata(document) : { documentId: event.documentId }, digitisedAt: event.at };
    case "RESULT_ISSUED":
      return { dossierCode: event.dossierCode, resultTypeCode: event.resultTypeCode, document: document ? eventMetadata(document) : { documentId: event.documentId }, issuedAt: event.at };
    case "DOCUMENT_REUSED":
      return {
        dossierCode: event.dossierCode,
        componentTypeCode: event.componentTypeCode,
        source: "REUSE_SOURCE_DIGITISED_DOCUMENT",
        documentId: event.documentId,
        documentTypeCode: event.documentTypeCode,
        reusedAt: event.at,
      };
    case "DOSSIER_DIGITISED":
      return { dossierCode: event.dossierCode, componentTypeCodes: event.componentTypeCodes, digitisedAt: event.at };
  }
}

/**
 * The announcement of a decided event on `digitisation.<agency token>.<event>`, payload checked
 * against the contract's message (fromJSON then toJSON). The id is derived from `cause` (the
 * document, reuse or dossier it is about) and the type, so the same decision announced again (a
 * retry, a sweep after a crash) is the same event: JetStream drops it by Nats-Msg-Id, reporting by id.
 */
export function digitisationOutboxEntry(event: DigitisationEvent, cause: string, document?: DigitisedDocument): OutboxEntry {
  const type = TYPE_OF[event.type];
  const codec = EVENT_CATALOG[type].message as { fromJSON(json: unknown): unknown; toJSON(message: unknown): unknown };
  const data = codec.toJSON(codec.fromJSON(payloadOf(event, document))) as Record<string, unknown>;
  const envelope = newEnvelope({
    id: derivedEventId(cause, type),
    type,
    source: `urn:onestop:agency:${event.agencyCode}`,
    subject: event.dossierCode,
    time: event.at,
    data,
  });
  return { subject: subjectFor(type, { agencyCode: event.agencyCode } as never), envelope: envelope as unknown as OutboxEntry["envelope"] };
}

/** Publishes with Nats-Msg-Id = the envelope id and waits for the stream's acknowledgement. */
export function jetStreamPublisher(js: JetStreamClient): Publisher {
  return {
    publish: async (entry) => {
      await publishEvent(js, entry.subject, entry.envelope as unknown as EventEnvelope);
    },
  };
}
