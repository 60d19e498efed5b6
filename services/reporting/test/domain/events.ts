/**
 * Test builders: dossier events as intake publishes them, payment and digitisation events as their
 * contracts describe them (CloudEvents envelope, `data` in proto3
 * JSON), so the tests also go through the parsing of the real contract.
 */
import { factFromEnvelope, type EnvelopeInput, type FactEvent } from "../../src/domain/index.js";

let serial = 0;
const nextId = () => `evt-${String(++serial).padStart(6, "0")}`;

export interface ReceiptSpec {
  code: string;
  procedureCode: string;
  sectorCode: string;
  agencyCode?: string;
  level?: "PROVINCE" | "DISTRICT" | "COMMUNE";
  channel: "ONLINE" | "IN_PERSON" | "POSTAL";
  receivedAt: string;
  /** The receipt's due day, worked out by hand in each test. */
  dueDate: string;
  workingDays: number;
  fees?: number[];
}

export function received(spec: ReceiptSpec): EnvelopeInput {
  return {
    id: nextId(),
    type: "vn.onestop.dossier.received.v1",
    subject: spec.code,
    time: spec.receivedAt,
    data: {
      dossierCode: spec.code,
      procedureCode: spec.procedureCode,
      sectorCode: spec.sectorCode,
      agencyCode: spec.agencyCode ?? "000.01.31.H04",
      receivingUnitCode: "000.01.31.H04",
      level: `LEVEL_${spec.level ?? "COMMUNE"}`,
      channel: `CHANNEL_${spec.channel}`,
      onlineMode: spec.channel === "ONLINE" ? "ONLINE_MODE_FULL" : "ONLINE_MODE_NONE",
      receivedAt: spec.receivedAt,
      dueAt: `${spec.dueDate}T23:59:59.999+07:00`,
      timeLimit: { amount: spec.workingDays, unit: "TIME_UNIT_WORKING_DAYS" },
      applicant: { idNumber: "024090001234", fullName: "Nguyễn Văn An" },
      // proto3 JSON drops a zero amount, as intake's toJSON does.
      fees: (spec.fees ?? []).map((amount, i) => (amount === 0 ? { code: `F${i}` } : { code: `F${i}`, amount })),
    },
  };
}

function lifecycle(code: string, name: string, timeField: string, at: string, extra: Record<string, unknown> = {}): EnvelopeInput {
  return { id: nextId(), type: `vn.onestop.dossier.${name}.v1`, subject: code, time: at, data: { dossierCode: code, [timeField]: at, ...extra } };
}

export const supplementRequested = (code: string, at: string) => lifecycle(code, "supplement_requested", "requestedAt", at, { requestNumber: 1 });
export const supplementReceived = (code: string, at: string) => lifecycle(code, "supplement_received", "receivedAt", at);
export const resolved = (code: string, at: string, outcome: "APPROVED" | "REFUSED" = "APPROVED") => lifecycle(code, "resolved", "resolvedAt", at, { outcome: `OUTCOME_${outcome}` });
export const resultReturned = (code: string, at: string, channel: "IN_PERSON" | "POSTAL" | "ONLINE", electronic: boolean) =>
  lifecycle(code, "result_returned", "returnedAt", at, { channel: `CHANNEL_${channel}`, form: electronic ? "DOCUMENT_FORM_ELECTRONIC" : "DOCUMENT_FORM_PAPER" });
export const withdrawn = (code: string, at: string) => lifecycle(code, "withdrawn", "withdrawnAt", at);
export const refused = (code: string, at: string) => lifecycle(code, "refused", "refusedAt", at);
export const closed = (code: string, at: string) => lifecycle(code, "closed", "closedAt", at, { reason: "CLOSE_REASON_SUPPLEMENT_NOT_COMPLETED" });
type PauseReasonName = "OPINION_REQUEST" | "FINANCIAL_OBLIGATION";
export const paused = (code: string, at: string, reason: PauseReasonName = "OPINION_REQUEST") => lifecycle(code, "paused", "pausedAt", at, { reason: `PAUSE_REASON_${reason}` });
/** Intake names the reason of the pause that ends. */
export const resumed = (code: string, at: string, reason: PauseReasonName = "OPINION_REQUEST") => lifecycle(code, "resumed", "resumedAt", at, { reason: `PAUSE_REASON_${reason}` });
/** As intake publishes it: the agency that held the dossier and the one that decides it from now on. */
export const transferred = (code: string, at: string, fromAgencyCode: string, toAgencyCode: string) =>
  lifecycle(code, "transferred", "transferredAt", at, { fromAgencyCode, toAgencyCode, form: "DOCUMENT_FORM_ELECTRONIC" });

function streamEvent(family: "payment" | "digitisation", code: string, name: string, timeField: string, at: string, extra: Record<string, unknown>): EnvelopeInput {
  return { id: nextId(), type: `vn.onestop.${family}.${name}.v1`, subject: code, time: at, data: { dossierCode: code, [timeField]: at, ...extra } };
}

export type PaymentChannelName = "DESK" | "BANK_TRANSFER" | "NATIONAL_PLATFORM" | "OTHER_GATEWAY";
/** proto3 JSON writes int64 amounts as strings. */
export const paymentSucceeded = (code: string, paymentId: string, channel: PaymentChannelName, amount: number, at: string) =>
  streamEvent("payment", code, "succeeded", "paidAt", at, { paymentId, channel: `PAYMENT_CHANNEL_${channel}`, amount: String(amount), gatewayTransactionId: `GW-${paymentId}` });
export const paymentRefunded = (code: string, paymentId: string, amount: number, at: string) =>
  streamEvent("payment", code, "refunded", "refundedAt", at, { paymentId, amount: String(amount), reason: "Hoàn trả do nộp thừa" });
/** As the payment service publishes it: every assessed line, zero lines with `amount: 0`. */
export const feesAssessed = (code: string, amounts: number[], at: string) =>
  streamEvent("payment", code, "fees_assessed", "assessedAt", at, {
    procedureCode: "1.001193",
    lines: amounts.map((amount, i) => ({ code: `F${i}`, amount, name: `Lệ phí ${i}`, kind: "FEE_KIND_CHARGE", waiverReason: amount === 0 ? "Miễn lệ phí" : "" })),
    total: amounts.reduce((sum, amount) => sum + amount, 0),
  });
export const componentDigitised = (code: string, at: string) =>
  streamEvent("digitisation", code, "component_digitised", "digitisedAt", at, { componentTypeCode: "TK", document: { documentTypeCode: "TK" } });
export const resultIssued = (code: string, at: string) => streamEvent("digitisation", code, "result_issued", "issuedAt", at, { resultNumber: "024090001234.KQ", resultTypeCode: "KQ" });
export const documentReused = (code: string, at: string) =>
  streamEvent("digitisation", code, "document_reused", "reusedAt", at, { componentTypeCode: "CCCD", source: "REUSE_SOURCE_DIGITISED_DOCUMENT", documentId: "DOC-1" });

export function fact(envelope: EnvelopeInput): FactEvent {
  const parsed = factFromEnvelope(envelope);
  if (!parsed) throw new Error(`not a fact: ${envelope.type}`);
  return parsed;
}
