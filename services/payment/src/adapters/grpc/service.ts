/**
 * PaymentService over gRPC :50054: the same use cases, rules and refusals as REST (GuardedPayments),
 * `authorization: Bearer …` metadata on every call, bad input INVALID_ARGUMENT with the field errors
 * in trailing metadata (onestop-field-errors-bin), never INTERNAL for a client's mistake.
 */
import { Metadata, status, type handleUnaryCall, type StatusObject } from "@grpc/grpc-js";
import { authenticateCall, type Caller, type TokenVerifier } from "@onestop/auth";
import { Channel, FeeKind, FieldError, PaymentChannel as PaymentChannelEnum, PaymentStatus, type Payment, type PaymentServiceServer, type ReconciliationMismatch } from "@onestop/contracts";
import { authenticateCallLimited, RETRY_AFTER_KEY, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import type { GuardedPayments } from "../../app/guarded.js";
import type { AssessedLine, FilingChannel } from "../../domain/fees.js";
import { settlementLate, type PaymentChannel, type PaymentState, type PaymentStatus as Status } from "../../domain/payment.js";
import type { Mismatch } from "../../domain/reconciliation.js";
import { problemOf, ValidationError } from "../http/problems.js";

export const FIELD_ERRORS_KEY = "onestop-field-errors-bin";

export interface PaymentGrpcDeps {
  guarded: GuardedPayments;
  log: Logger;
  verifier: TokenVerifier;
  limiter?: RateLimiter;
  now?: () => number;
}

const CODE_OF_HTTP: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  429: status.RESOURCE_EXHAUSTED,
};

export function statusOf(error: unknown): StatusObject {
  const problem = problemOf(error);
  const metadata = new Metadata();
  for (const fieldError of problem.errors ?? []) metadata.add(FIELD_ERRORS_KEY, Buffer.from(FieldError.encode(fieldError).finish()));
  if (problem.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_KEY, String(problem.retryAfterSeconds));
  return { code: CODE_OF_HTTP[problem.status] ?? status.INTERNAL, details: problem.detail, metadata };
}

const STATUS: Record<Status, PaymentStatus> = {
  REQUESTED: PaymentStatus.PAYMENT_STATUS_REQUESTED,
  PENDING: PaymentStatus.PAYMENT_STATUS_PENDING,
  SUCCEEDED: PaymentStatus.PAYMENT_STATUS_SUCCEEDED,
  FAILED: PaymentStatus.PAYMENT_STATUS_FAILED,
  EXPIRED: PaymentStatus.PAYMENT_STATUS_EXPIRED,
  REFUNDED: PaymentStatus.PAYMENT_STATUS_REFUNDED,
};
const CHANNELS: Record<PaymentChannel, PaymentChannelEnum> = {
  DESK: PaymentChannelEnum.PAYMENT_CHANNEL_DESK,
  BANK_TRANSFER: PaymentChannelEnum.PAYMENT_CHANNEL_BANK_TRANSFER,
  NATIONAL_PLATFORM: PaymentChannelEnum.PAYMENT_CHANNEL_NATIONAL_PLATFORM,
  OTHER_GATEWAY: PaymentChannelEnum.PAYMENT_CHANNEL_OTHER_GATEWAY,
};
const KINDS = { FEE: FeeKind.FEE_KIND_FEE, CHARGE: FeeKind.FEE_KIND_CHARGE, UNSPECIFIED: FeeKind.FEE_KIND_UNSPECIFIED } as const;

const lineMessage = (line: AssessedLine) => ({ code: line.code, amount: line.amount, name: line.name, kind: KINDS[line.kind], waiverReason: line.waiverReason });

export function paymentMessage(state: PaymentState, now: number): Payment {
  return {
    paymentId: state.paymentId,
    dossierCode: state.dossierCode,
    status: STATUS[state.status],
    channel: CHANNELS[state.channel],
    amount: state.amount,
    lines: state.lines.map(lineMessage),
    requestedAt: state.requestedAt,
    paidAt: state.paidAt ?? "",
    refundedAt: state.refundedAt ?? "",
    gatewayTransactionId: state.gatewayTransactionId ?? "",
    reason: state.reason ?? "",
    reconciliationId: state.reconciliationId ?? "",
    agencyCode: state.agencyCode,
    expiresAt: state.expiresAt ?? "",
    settlementDueAt: state.settlementDueAt ?? "",
    settledAt: state.settledAt ?? "",
    settlementLate: settlementLate(state, now),
    refundedAmount: state.refundedAmount,
  };
}

const mismatchMessage = (m: Mismatch): ReconciliationMismatch => ({
  paymentId: m.paymentId,
  gatewayTransactionId: m.gatewayTransactionId,
  recordedAmount: m.recordedAmount,
  statementAmount: m.statementAmount,
  kind: m.kind,
  dossierCode: m.dossierCode,
});

function paymentChannel(value: PaymentChannelEnum, field: string): PaymentChannel {
  const found = (Object.entries(CHANNELS) as Array<[PaymentChannel, PaymentChannelEnum]>).find(([, v]) => v === value);
  if (!found) throw new ValidationError([{ path: field, message: "a payment channel" }]);
  return found[0];
}
function filingChannel(value: Channel): FilingChannel {
  if (value === Channel.CHANNEL_ONLINE) return "ONLINE";
  if (value === Channel.CHANNEL_IN_PERSON) return "IN_PERSON";
  if (value === Channel.CHANNEL_POSTAL) return "POSTAL";
  throw new ValidationError([{ path: "channel", message: "a filing channel" }]);
}
const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
function instant(value: string, field: string): number {
  if (!OFFSET_TIME.test(value) || Number.isNaN(Date.parse(value)) || value.slice(0, 4) < "1900" || value.slice(0, 4) > "2199")
    throw new ValidationError([{ path: field, message: "RFC 3339 with an offset" }]);
  return Date.parse(value);
}
function text(value: string, field: string, pattern = /^[A-Za-z0-9._-]{1,64}$/): string {
  if (!pattern.test(value)) throw new ValidationError([{ path: field, message: "required: letters, digits, . _ - (at most 64)" }]);
  return value;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function paymentService({ guarded, log, verifier, limiter, now = Date.now }: PaymentGrpcDeps): PaymentServiceServer {
  const authenticated = (call: Parameters<typeof authenticateCall>[1]) => (limiter ? authenticateCallLimited(verifier, limiter, call) : authenticateCall(verifier, call));
  const unary =
    <Req, Res>(handle: (request: Req, caller: Caller) => Promise<Res>): handleUnaryCall<Req, Res> =>
    (call, callback) => {
      authenticated(call)
        .then((caller) => handle(call.request, caller))
        .then(
          (response) => callback(null, response),
          (error: unknown) => {
            const answer = statusOf(error);
            if (answer.code === status.INTERNAL) log.error("grpc call failed", { method: call.getPath(), error });
            callback(answer);
          },
        );
    };
  return {
    assessFees: unary(async (request, caller) => {
      const at = request.at;
      instant(at, "at");
      const assessment = guarded.assess(caller, { procedureCode: text(request.procedureCode, "procedureCode", /^\d\.\d{6}$/), channel: filingChannel(request.channel), at, facts: request.facts });
      return { lines: assessment.lines.map(lineMessage), total: assessment.total };
    }),
    requestPayment: unary(async (request, caller) => {
      const result = await guarded.request(caller, {
        dossierCode: text(request.dossierCode, "dossierCode"),
        channel: paymentChannel(request.channel, "channel"),
        idempotencyKey: text(request.idempotencyKey, "idempotencyKey", /^[\x21-\x7e]{1,200}$/),
      });
      return { payment: paymentMessage(result.payment, now()), paymentUrl: result.paymentUrl ?? "" };
    }),
    getPayment: unary(async (request, caller) => ({ payment: paymentMessage(await guarded.get(caller, text(request.paymentId, "paymentId", UUID)), now()) })),
    listPayments: unary(async (request, caller) => {
      const payments = await guarded.ofDossier(caller, text(request.dossierCode, "dossierCode"));
      return { payments: payments.map((state) => paymentMessage(state, now())), nextPageToken: "" };
    }),
    confirmPayment: unary(async (request, caller) => {
      const state = await guarded.confirm(caller, text(request.paymentId, "paymentId", UUID), {
        succeeded: request.succeeded,
        at: instant(request.at, "at"),
        reference: text(request.gatewayTransactionId, "gatewayTransactionId"),
        reason: request.reason.normalize("NFC").slice(0, 500),
      });
      return { payment: paymentMessage(state, now()) };
    }),
    refundPayment: unary(async (request, caller) => {
      if (!Number.isSafeInteger(request.amount) || request.amount <= 0) throw new ValidationError([{ path: "amount", message: "whole đồng > 0" }]);
      if (request.reason.trim() === "") throw new ValidationError([{ path: "reason", message: "required" }]);
      const state = await guarded.refund(caller, text(request.paymentId, "paymentId", UUID), { amount: request.amount, reason: request.reason.normalize("NFC").slice(0, 500) });
      return { payment: paymentMessage(state, now()) };
    }),
    reconcile: unary(async (request, caller) => {
      const day = request.period?.from ?? "";
      if (!DAY.test(day) || request.period?.to !== day) throw new ValidationError([{ path: "period", message: "one day: from = to = YYYY-MM-DD" }]);
      const statement = request.statement.map((line, i) => {
        if (!Number.isSafeInteger(line.amount) || line.amount <= 0) throw new ValidationError([{ path: `statement[${i}].amount`, message: "whole đồng > 0" }]);
        const id = text(line.gatewayTransactionId, `statement[${i}].gatewayTransactionId`);
        // The gateway's transaction number, or our order reference (vnp_TxnRef): either finds the payment.
        return { txnRef: /^[0-9a-f]{32}$/.test(id) ? id : "", transactionNo: id, amount: line.amount };
      });
      const doc = await guarded.reconcile(caller, day, text(request.agencyCode, "agencyCode"), request.statement.length > 0 ? statement : undefined);
      return { reconciliationId: doc.reconciliationId, matchedCount: doc.result.matched.length, matchedAmount: doc.result.matchedAmount, mismatches: doc.result.mismatches.map(mismatchMessage) };
    }),
    listUnreconciled: unary(async (request, caller) => {
      const agency = request.agencyCode === "" ? undefined : text(request.agencyCode, "agencyCode");
      const items = await guarded.unreconciled(caller);
      const payments = items.payments.filter((doc) => agency === undefined || doc.state.agencyCode === agency);
      const mismatches = items.mismatches.filter((doc) => agency === undefined || doc.mismatch.agencyCode === agency);
      return { payments: payments.map((doc) => paymentMessage(doc.state, now())), mismatches: mismatches.map((doc) => mismatchMessage(doc.mismatch)) };
    }),
  };
}
