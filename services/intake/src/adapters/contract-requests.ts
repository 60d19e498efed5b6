import {
  channelToJSON,
  documentFormToJSON,
  dossierEventTypeToJSON,
  onlineModeToJSON,
  outcomeToJSON,
  pauseReasonToJSON,
  type RecordDossierEventRequest,
  type SubmitDossierRequest,
} from "@onestop/contracts";

/** "CHANNEL_ONLINE" -> "ONLINE"; an unspecified enum (or proto's empty default) -> undefined. */
function enumName(json: string, prefix: string): string | undefined {
  if (!json.startsWith(prefix) || json.endsWith("UNSPECIFIED")) return json === "UNRECOGNIZED" ? json : undefined;
  return json.slice(prefix.length);
}

/** Proto3 has no absent strings: "" means "not given". */
const given = (value: string) => (value === "" ? undefined : value);

function compact(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/**
 * A submission from the gRPC or NATS contract, in the shape the REST API takes, so the three
 * adapters share one validation (field paths in errors are the REST names).
 */
export function submissionFromContract(request: SubmitDossierRequest): { body: Record<string, unknown>; idempotencyKey?: string } {
  const applicant = request.applicant
    ? compact({
        idNumber: request.applicant.idNumber,
        fullName: request.applicant.fullName,
        phone: given(request.applicant.phone),
        email: given(request.applicant.email),
      })
    : undefined;
  const body = compact({
    code: given(request.code),
    procedureCode: request.procedureCode,
    agencyCode: request.agencyCode,
    receivingUnitCode: given(request.receivingUnitCode),
    channel: enumName(channelToJSON(request.channel), "CHANNEL_"),
    onlineMode: enumName(onlineModeToJSON(request.onlineMode), "ONLINE_MODE_"),
    receivedAt: request.receivedAt,
    applicant,
    components: request.components.map((c) => ({ typeCode: c.typeCode, name: c.name, reused: c.reused })),
    fees: request.fees.length > 0 ? request.fees.map((f) => ({ code: f.code, amount: f.amount })) : undefined,
    bundleCode: given(request.bundleCode),
    bundleInputs: Object.keys(request.bundleInputs).length > 0 ? request.bundleInputs : undefined,
  });
  return { body, ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}) };
}

/** A lifecycle event from the contract, in the REST body's shape; fields of other event types are dropped. */
export function lifecycleEventFromContract(request: RecordDossierEventRequest): { code: string; body: Record<string, unknown> } {
  const type = enumName(dossierEventTypeToJSON(request.type), "DOSSIER_EVENT_TYPE_");
  const common = { eventId: request.eventId, type, at: request.at };
  const specific: Record<string, Record<string, unknown>> = {
    SUPPLEMENT_REQUESTED: { reason: given(request.reason) },
    PAUSED: { reason: enumName(pauseReasonToJSON(request.pauseReason), "PAUSE_REASON_") },
    DEADLINE_EXTENDED: { newDueDate: given(request.newDueAt)?.slice(0, 10), reason: given(request.reason) },
    TRANSFERRED: { toAgencyCode: request.toAgencyCode },
    RESOLVED: {
      outcome: enumName(outcomeToJSON(request.outcome), "OUTCOME_"),
      results: request.results.length > 0 ? request.results.map((result) => compact({ ...result, resultNumber: given(result.resultNumber) })) : undefined,
    },
    RESULT_RETURNED: {
      channel: enumName(channelToJSON(request.channel), "CHANNEL_"),
      electronic: request.electronic || documentFormToJSON(request.form) === "DOCUMENT_FORM_ELECTRONIC",
    },
    REFUSED: { reason: given(request.reason) },
    EVALUATED: { rating: request.rating },
  };
  return { code: request.dossierCode, body: compact({ ...common, ...(type ? specific[type] : {}) }) };
}
