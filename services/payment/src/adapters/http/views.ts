/** JSON views of payments (money as integer đồng, times RFC 3339 +07:00, empty fields left out). */
import { settlementLate, type PaymentState } from "../../domain/payment.js";

export function paymentView(state: PaymentState, now: number) {
  return {
    paymentId: state.paymentId,
    dossierCode: state.dossierCode,
    agencyCode: state.agencyCode,
    status: state.status,
    channel: state.channel,
    amount: state.amount,
    lines: state.lines,
    requestedAt: state.requestedAt,
    ...(state.expiresAt ? { expiresAt: state.expiresAt } : {}),
    ...(state.paidAt ? { paidAt: state.paidAt } : {}),
    ...(state.gatewayTransactionId ? { gatewayTransactionId: state.gatewayTransactionId } : {}),
    ...(state.failedAt ? { failedAt: state.failedAt, errorCode: state.errorCode } : {}),
    ...(state.reason ? { reason: state.reason } : {}),
    refundedAmount: state.refundedAmount,
    ...(state.refundedAt ? { refundedAt: state.refundedAt } : {}),
    ...(state.settlementDueAt ? { settlementDueAt: state.settlementDueAt } : {}),
    ...(state.settledAt ? { settledAt: state.settledAt } : {}),
    settlementLate: settlementLate(state, now),
    ...(state.reconciliationId ? { reconciliationId: state.reconciliationId } : {}),
  };
}
