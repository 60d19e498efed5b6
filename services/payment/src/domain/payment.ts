/**
 * A payment of a dossier's fees (pure decider): decide(command, state) returns the events or a
 * domain error; evolve(state, event) folds one in. Time is an input.
 *
 * States: REQUESTED (desk or transfer: waiting for the officer's confirmation), PENDING (online:
 * the applicant was given the gateway's payment URL), SUCCEEDED, FAILED, EXPIRED, REFUNDED (in full;
 * a partial refund keeps SUCCEEDED with the refunded amount).
 *
 * A gateway callback is verified in the guide's order: signature, the order exists, the amount
 * matches, the order is not settled; then it is applied. A callback for an order already settled
 * (duplicate, replay) changes nothing; one paid after the order expired is refused as late, while a
 * success paid before the expiry whose IPN came after it still counts (the money was paid in time).
 */
import { addWorkingHours, atLocalTime, addDays, localDateOf, formatInstant } from "@onestop/calendar";
import { holdsCharge, type AssessedLine } from "./fees.js";

export type PaymentChannel = "DESK" | "BANK_TRANSFER" | "NATIONAL_PLATFORM" | "OTHER_GATEWAY";
export type PaymentStatus = "REQUESTED" | "PENDING" | "SUCCEEDED" | "FAILED" | "EXPIRED" | "REFUNDED";
export const ONLINE_CHANNELS: ReadonlySet<PaymentChannel> = new Set(["NATIONAL_PLATFORM", "OTHER_GATEWAY"]);

/** Charges paid reach the state budget within 8 working hours (the primer's payment rules). */
export const SETTLEMENT_WORKING_HOURS = 8;

export interface PaymentState {
  paymentId: string;
  /** The order reference sent to the gateway (vnp_TxnRef). */
  txnRef: string;
  dossierCode: string;
  agencyCode: string;
  receivingUnitCode: string;
  channel: PaymentChannel;
  status: PaymentStatus;
  amount: number;
  lines: AssessedLine[];
  requestedAt: string;
  expiresAt?: string;
  paidAt?: string;
  gatewayTransactionId?: string;
  failedAt?: string;
  errorCode?: string;
  reason?: string;
  refundedAmount: number;
  refundedAt?: string;
  settlementDueAt?: string;
  settledAt?: string;
  /** Set by the reconciliation that matched it against the gateway's file. */
  reconciliationId?: string;
}

export type PaymentEvent =
  | { type: "REQUESTED"; state: PaymentState }
  | { type: "SUCCEEDED"; paidAt: string; gatewayTransactionId: string; settlementDueAt?: string }
  | { type: "FAILED"; failedAt: string; errorCode: string; reason: string }
  | { type: "EXPIRED"; expiredAt: string }
  | { type: "REFUNDED"; amount: number; refundedAt: string; reason: string }
  | { type: "SETTLED"; settledAt: string };

export class PaymentError extends Error {
  override readonly name = "PaymentError";
  constructor(
    readonly code: "NOTHING_TO_PAY" | "NOT_PAYABLE" | "NOT_REFUNDABLE" | "REFUND_TOO_LARGE" | "ALREADY_SETTLED" | "WRONG_CHANNEL" | "PAYMENT_STARTED",
    message: string,
  ) {
    super(message);
  }
}

export interface RequestPayment {
  paymentId: string;
  txnRef: string;
  dossierCode: string;
  agencyCode: string;
  receivingUnitCode: string;
  channel: PaymentChannel;
  lines: AssessedLine[];
  now: number;
  /** Online orders: how long the payment URL may be used. */
  expiresAfterMs: number;
}

export function requestPayment(command: RequestPayment): PaymentEvent[] {
  const amount = command.lines.reduce((sum, line) => sum + line.amount, 0);
  if (amount <= 0) throw new PaymentError("NOTHING_TO_PAY", "Hồ sơ không phải nộp phí, lệ phí");
  const online = ONLINE_CHANNELS.has(command.channel);
  const state: PaymentState = {
    paymentId: command.paymentId,
    txnRef: command.txnRef,
    dossierCode: command.dossierCode,
    agencyCode: command.agencyCode,
    receivingUnitCode: command.receivingUnitCode,
    channel: command.channel,
    status: online ? "PENDING" : "REQUESTED",
    amount,
    lines: command.lines,
    requestedAt: formatInstant(command.now),
    refundedAmount: 0,
    ...(online ? { expiresAt: formatInstant(command.now + command.expiresAfterMs) } : {}),
  };
  return [{ type: "REQUESTED", state }];
}

/** When the charges of a payment made at `paidAt` must be in the state budget; undefined without a charge. */
export function settlementDueAt(channel: PaymentChannel, lines: readonly AssessedLine[], paidAt: number): string | undefined {
  if (!holdsCharge(lines)) return undefined;
  if (channel === "DESK") {
    // Desk collections are settled monthly: by the end of the payment's month.
    const day = localDateOf(paidAt);
    const firstOfNext = `${addDays(`${day.slice(0, 8)}01`, 32).slice(0, 8)}01`;
    return formatInstant(atLocalTime(firstOfNext, 0) - 1);
  }
  return formatInstant(addWorkingHours(paidAt, SETTLEMENT_WORKING_HOURS));
}

/** Settled after the deadline, or not settled and the deadline passed. */
export function settlementLate(state: PaymentState, now: number): boolean {
  if (!state.settlementDueAt || state.status === "REFUNDED") return false;
  const due = Date.parse(state.settlementDueAt);
  return state.settledAt ? Date.parse(state.settledAt) > due : now > due;
}

export interface GatewayCallback {
  signatureValid: boolean;
  /** Đồng, as the callback says (undefined when unreadable). */
  amount: number | undefined;
  succeeded: boolean;
  responseCode: string;
  reason: string;
  transactionNo: string;
  /** When the gateway says it was paid (epoch ms). */
  paidAt: number | undefined;
  now: number;
}

export type CallbackOutcome = "CONFIRMED" | "NOT_FOUND" | "ALREADY_CONFIRMED" | "WRONG_AMOUNT" | "BAD_SIGNATURE" | "LATE";

export function decideCallback(callback: GatewayCallback, state: PaymentState | undefined): { outcome: CallbackOutcome; events: PaymentEvent[] } {
  if (!callback.signatureValid) return { outcome: "BAD_SIGNATURE", events: [] };
  if (!state || !ONLINE_CHANNELS.has(state.channel)) return { outcome: "NOT_FOUND", events: [] };
  if (callback.amount !== state.amount) return { outcome: "WRONG_AMOUNT", events: [] };
  const paidAt = callback.paidAt ?? callback.now;
  const paidInTime = !state.expiresAt || paidAt <= Date.parse(state.expiresAt);
  if (state.status === "EXPIRED") {
    // Closed before the gateway's answer came: a payment made in time still counts (its IPN was delayed or retried).
    if (!(callback.succeeded && paidInTime)) return { outcome: "LATE", events: [] };
    const due = settlementDueAt(state.channel, state.lines, paidAt);
    return { outcome: "CONFIRMED", events: [{ type: "SUCCEEDED", paidAt: formatInstant(paidAt), gatewayTransactionId: callback.transactionNo, ...(due ? { settlementDueAt: due } : {}) }] };
  }
  if (state.status !== "PENDING") return { outcome: "ALREADY_CONFIRMED", events: [] };
  if (!paidInTime) {
    // Paid after the order's expiry: the order is closed as expired, the money is found by reconciliation.
    return { outcome: "LATE", events: [{ type: "EXPIRED", expiredAt: state.expiresAt ?? formatInstant(callback.now) }] };
  }
  if (!callback.succeeded) {
    return { outcome: "CONFIRMED", events: [{ type: "FAILED", failedAt: formatInstant(paidAt), errorCode: callback.responseCode, reason: callback.reason }] };
  }
  const due = settlementDueAt(state.channel, state.lines, paidAt);
  return {
    outcome: "CONFIRMED",
    events: [{ type: "SUCCEEDED", paidAt: formatInstant(paidAt), gatewayTransactionId: callback.transactionNo, ...(due ? { settlementDueAt: due } : {}) }],
  };
}

/** An online order nobody paid before its expiry. */
export function decideExpiry(state: PaymentState, now: number): PaymentEvent[] {
  if (state.status !== "PENDING" || !state.expiresAt || now < Date.parse(state.expiresAt)) return [];
  return [{ type: "EXPIRED", expiredAt: state.expiresAt }];
}

/** The desk's or the bank statement's confirmation of a desk or transfer payment. */
export function decideManualConfirmation(state: PaymentState, command: { succeeded: boolean; at: number; reference: string; reason: string }): PaymentEvent[] {
  if (ONLINE_CHANNELS.has(state.channel)) throw new PaymentError("WRONG_CHANNEL", "Thanh toán trực tuyến được xác nhận qua cổng thanh toán");
  if (state.status !== "REQUESTED") throw new PaymentError("NOT_PAYABLE", "Khoản thanh toán đã được xử lý");
  if (!command.succeeded) return [{ type: "FAILED", failedAt: formatInstant(command.at), errorCode: "REFUSED", reason: command.reason }];
  const due = settlementDueAt(state.channel, state.lines, command.at);
  return [{ type: "SUCCEEDED", paidAt: formatInstant(command.at), gatewayTransactionId: command.reference, ...(due ? { settlementDueAt: due } : {}) }];
}

export function decideRefund(state: PaymentState, command: { amount: number; at: number; reason: string }): PaymentEvent[] {
  if (state.status !== "SUCCEEDED") throw new PaymentError("NOT_REFUNDABLE", "Chỉ hoàn tiền khoản đã thanh toán thành công");
  if (command.amount > state.amount - state.refundedAmount) {
    throw new PaymentError("REFUND_TOO_LARGE", `Số tiền hoàn vượt số đã thu còn lại (${(state.amount - state.refundedAmount).toLocaleString("vi-VN")} đồng)`);
  }
  return [{ type: "REFUNDED", amount: command.amount, refundedAt: formatInstant(command.at), reason: command.reason }];
}

export function decideSettlement(state: PaymentState, at: number): PaymentEvent[] {
  if (state.status !== "SUCCEEDED" && state.status !== "REFUNDED") throw new PaymentError("NOT_PAYABLE", "Khoản thanh toán chưa thành công");
  if (state.settledAt) throw new PaymentError("ALREADY_SETTLED", "Đã ghi nhận nộp ngân sách");
  return [{ type: "SETTLED", settledAt: formatInstant(at) }];
}

export function evolve(state: PaymentState | undefined, event: PaymentEvent): PaymentState {
  if (event.type === "REQUESTED") return event.state;
  if (!state) throw new Error(`${event.type} before REQUESTED`);
  switch (event.type) {
    case "SUCCEEDED":
      return {
        ...state,
        status: "SUCCEEDED",
        paidAt: event.paidAt,
        gatewayTransactionId: event.gatewayTransactionId,
        ...(event.settlementDueAt ? { settlementDueAt: event.settlementDueAt } : {}),
      };
    case "FAILED":
      return { ...state, status: "FAILED", failedAt: event.failedAt, errorCode: event.errorCode, reason: event.reason };
    case "EXPIRED":
      return { ...state, status: "EXPIRED", failedAt: event.expiredAt, errorCode: "EXPIRED", reason: "Hết hạn thanh toán" };
    case "REFUNDED": {
      const refundedAmount = state.refundedAmount + event.amount;
      return { ...state, status: refundedAmount >= state.amount ? "REFUNDED" : "SUCCEEDED", refundedAmount, refundedAt: event.refundedAt, reason: event.reason };
    }
    case "SETTLED":
      return { ...state, settledAt: event.settledAt };
  }
}

export const fold = (state: PaymentState | undefined, events: readonly PaymentEvent[]) => events.reduce<PaymentState | undefined>(evolve, state);
