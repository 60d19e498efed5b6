/** The payment decider, given/when/then: states, callbacks in every order, refunds, settlement deadline. */
import { describe, expect, it } from "vitest";
import {
  decideCallback,
  decideExpiry,
  decideManualConfirmation,
  decideRefund,
  decideSettlement,
  fold,
  PaymentError,
  requestPayment,
  settlementDueAt,
  settlementLate,
  type GatewayCallback,
  type PaymentEvent,
  type PaymentState,
} from "../src/domain/payment.js";
import type { AssessedLine } from "../src/domain/fees.js";

const CHARGE: AssessedLine = { code: "LP_DANG_KY_THUONG_TRU", name: "Lệ phí đăng ký thường trú", amount: 10_000, kind: "CHARGE", waiverReason: "" };
const MON_10 = Date.parse("2025-03-03T10:00:00+07:00");
const MIN = 60_000;

function given(events: PaymentEvent[]): PaymentState {
  const state = fold(undefined, events);
  if (!state) throw new Error("no state");
  return state;
}
const requested = (channel: "OTHER_GATEWAY" | "DESK" = "OTHER_GATEWAY") =>
  requestPayment({ paymentId: "p1", txnRef: "T1", dossierCode: "D1", agencyCode: "A", receivingUnitCode: "A", channel, lines: [CHARGE], now: MON_10, expiresAfterMs: 15 * MIN });
const callback = (overrides: Partial<GatewayCallback> = {}): GatewayCallback => ({
  signatureValid: true,
  amount: 10_000,
  succeeded: true,
  responseCode: "00",
  reason: "Giao dịch thành công",
  transactionNo: "14000001",
  paidAt: MON_10 + 5 * MIN,
  now: MON_10 + 5 * MIN,
  ...overrides,
});

describe("requesting", () => {
  it("given a charge of 10.000 đ online, when requested, then PENDING with its order's expiry", () => {
    expect(given(requested())).toMatchObject({ status: "PENDING", amount: 10_000, expiresAt: "2025-03-03T10:15:00+07:00" });
  });
  it("given a desk payment, then REQUESTED without expiry", () => {
    const state = given(requested("DESK"));
    expect(state.status).toBe("REQUESTED");
    expect(state.expiresAt).toBeUndefined();
  });
  it("given only zero lines, then nothing to pay", () => {
    expect(() =>
      requestPayment({
        paymentId: "p",
        txnRef: "T",
        dossierCode: "D",
        agencyCode: "A",
        receivingUnitCode: "A",
        channel: "OTHER_GATEWAY",
        lines: [{ ...CHARGE, amount: 0 }],
        now: MON_10,
        expiresAfterMs: MIN,
      }),
    ).toThrow(PaymentError);
  });
});

describe("gateway callbacks", () => {
  it("given a pending order, when a signed success arrives, then SUCCEEDED with the settlement deadline 8 working hours later", () => {
    const { outcome, events } = decideCallback(callback(), given(requested()));
    expect(outcome).toBe("CONFIRMED");
    expect(events).toEqual([{ type: "SUCCEEDED", paidAt: "2025-03-03T10:05:00+07:00", gatewayTransactionId: "14000001", settlementDueAt: "2025-03-04T10:05:00+07:00" }]);
  });
  it("given a declined payment, then FAILED with the gateway's code", () => {
    const { events } = decideCallback(callback({ succeeded: false, responseCode: "51", reason: "Tài khoản không đủ số dư" }), given(requested()));
    expect(events).toEqual([{ type: "FAILED", failedAt: "2025-03-03T10:05:00+07:00", errorCode: "51", reason: "Tài khoản không đủ số dư" }]);
  });
  it("given the same success twice (duplicate or replay), then the second changes nothing: ALREADY_CONFIRMED", () => {
    const first = decideCallback(callback(), given(requested()));
    expect(decideCallback(callback(), given([...requested(), ...first.events]))).toEqual({ outcome: "ALREADY_CONFIRMED", events: [] });
  });
  it("given a failure arriving after the success (out of order), then it changes nothing", () => {
    const first = decideCallback(callback(), given(requested()));
    expect(decideCallback(callback({ succeeded: false, responseCode: "24" }), given([...requested(), ...first.events])).events).toEqual([]);
  });
  it("given a tampered callback (bad signature), then refused before anything else, even for an unknown order", () => {
    expect(decideCallback(callback({ signatureValid: false }), given(requested()))).toEqual({ outcome: "BAD_SIGNATURE", events: [] });
    expect(decideCallback(callback({ signatureValid: false }), undefined).outcome).toBe("BAD_SIGNATURE");
  });
  it("given another amount, then WRONG_AMOUNT; an unknown order, NOT_FOUND", () => {
    expect(decideCallback(callback({ amount: 1_000 }), given(requested())).outcome).toBe("WRONG_AMOUNT");
    expect(decideCallback(callback(), undefined).outcome).toBe("NOT_FOUND");
  });
  it("given a payment made after the order expired, then LATE and the order closes as expired", () => {
    const late = decideCallback(callback({ paidAt: MON_10 + 16 * MIN, now: MON_10 + 16 * MIN }), given(requested()));
    expect(late).toEqual({ outcome: "LATE", events: [{ type: "EXPIRED", expiredAt: "2025-03-03T10:15:00+07:00" }] });
  });
  it("given a payment made in time whose IPN arrives after the expiry, then it is confirmed", () => {
    expect(decideCallback(callback({ paidAt: MON_10 + 14 * MIN, now: MON_10 + 30 * MIN }), given(requested())).outcome).toBe("CONFIRMED");
  });
  it("given an expired order, then a success paid after the expiry, or a failure, is LATE", () => {
    const expired = given([...requested(), ...decideExpiry(given(requested()), MON_10 + 15 * MIN)]);
    expect(expired.status).toBe("EXPIRED");
    expect(decideCallback(callback({ paidAt: MON_10 + 20 * MIN, now: MON_10 + 20 * MIN }), expired)).toEqual({ outcome: "LATE", events: [] });
    expect(decideCallback(callback({ succeeded: false, responseCode: "24" }), expired)).toEqual({ outcome: "LATE", events: [] });
  });
  it("given an order expired before its IPN came, when the IPN says it was paid in time, then it counts: SUCCEEDED", () => {
    const expired = given([...requested(), ...decideExpiry(given(requested()), MON_10 + 15 * MIN)]);
    const { outcome, events } = decideCallback(callback({ paidAt: MON_10 + 14 * MIN, now: MON_10 + 30 * MIN }), expired);
    expect(outcome).toBe("CONFIRMED");
    expect(given([...requested(), { type: "EXPIRED", expiredAt: "2025-03-03T10:15:00+07:00" }, ...events]).status).toBe("SUCCEEDED");
  });
  it("given an order before its expiry, then expiry decides nothing", () => {
    expect(decideExpiry(given(requested()), MON_10 + 14 * MIN)).toEqual([]);
  });
});

describe("desk and transfer, refunds, settlement", () => {
  it("given a desk payment confirmed on Saturday 15/3/2025, then settled monthly: due at the end of March", () => {
    const events = decideManualConfirmation(given(requested("DESK")), { succeeded: true, at: Date.parse("2025-03-15T09:00:00+07:00"), reference: "BL-001", reason: "" });
    expect(events).toEqual([{ type: "SUCCEEDED", paidAt: "2025-03-15T09:00:00+07:00", gatewayTransactionId: "BL-001", settlementDueAt: "2025-03-31T23:59:59.999+07:00" }]);
    expect(() => decideManualConfirmation(given(requested()), { succeeded: true, at: MON_10, reference: "x", reason: "" })).toThrow(PaymentError);
  });
  it("given a succeeded 10.000 đ, when 4.000 đ then 6.000 đ are refunded, then SUCCEEDED then REFUNDED; more is refused", () => {
    const paid = [...requested(), ...decideCallback(callback(), given(requested())).events];
    const partial = [...paid, ...decideRefund(given(paid), { amount: 4_000, at: MON_10 + 60 * MIN, reason: "Thu thừa" })];
    expect(given(partial)).toMatchObject({ status: "SUCCEEDED", refundedAmount: 4_000 });
    expect(() => decideRefund(given(partial), { amount: 7_000, at: MON_10, reason: "" })).toThrow(/6\.000/);
    const full = [...partial, ...decideRefund(given(partial), { amount: 6_000, at: MON_10 + 61 * MIN, reason: "Rút hồ sơ" })];
    expect(given(full)).toMatchObject({ status: "REFUNDED", refundedAmount: 10_000 });
    expect(() => decideRefund(given(requested()), { amount: 1, at: MON_10, reason: "" })).toThrow(PaymentError);
  });
  it("given a payment at 10:05 Monday, when settled Tuesday 10:05, then on time; at 10:06, late; unsettled, late once the deadline passed", () => {
    const paid = [...requested(), ...decideCallback(callback(), given(requested())).events];
    const onTime = given([...paid, ...decideSettlement(given(paid), Date.parse("2025-03-04T10:05:00+07:00"))]);
    expect(settlementLate(onTime, Date.parse("2025-03-10T00:00:00+07:00"))).toBe(false);
    const late = given([...paid, ...decideSettlement(given(paid), Date.parse("2025-03-04T10:06:00+07:00"))]);
    expect(settlementLate(late, Date.parse("2025-03-10T00:00:00+07:00"))).toBe(true);
    expect(settlementLate(given(paid), Date.parse("2025-03-04T10:04:00+07:00"))).toBe(false);
    expect(settlementLate(given(paid), Date.parse("2025-03-04T10:06:00+07:00"))).toBe(true);
    expect(() => decideSettlement(onTime, MON_10)).toThrow(PaymentError);
  });
  it("given only fees (phí) or zero lines, then no budget deadline", () => {
    expect(settlementDueAt("OTHER_GATEWAY", [{ ...CHARGE, kind: "FEE" }], MON_10)).toBeUndefined();
  });
});
