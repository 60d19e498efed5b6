// Paying a dossier's fees as applicants do, through payment's REST API: the fee is assessed when
// the dossier is received (payment reads the receipt from the bus); an online payment is an order
// at the gateway (channel OTHER_GATEWAY) paid on the simulator's page, whose IPN then confirms it;
// cash at the desk and bank transfers are confirmed by the officer.
import type { GatewaySimulator } from "@onestop/payment-gateway/sim";
import { poll, type Api } from "./api.js";
import { vietnamInstant } from "./people.js";
import type { DossierPlan } from "./plan.js";

export type PaymentOutcome = "PAID_ONLINE" | "PAID_AT_DESK" | "FREE" | "NOT_ASSESSED" | "FAILED";

interface PaymentAnswer {
  payment?: { paymentId: string; status: string };
  paymentUrl?: string;
}

export async function payFees(api: Api, gateway: GatewaySimulator, plan: DossierPlan, dossierCode: string): Promise<{ outcome: PaymentOutcome; declined: boolean }> {
  const fees = await poll(async () => {
    const answer = await api.get<{ total: number }>(`${api.urls.payment}/v1/dossiers/${dossierCode}/fees`);
    return answer.status === 200 ? answer.body : undefined;
  }, 30_000);
  if (!fees) return { outcome: "NOT_ASSESSED", declined: false };
  if (fees.total === 0 || !plan.payment) return { outcome: "FREE", declined: false };
  const { channel, declinedFirst } = plan.payment;
  const order = (attempt: number) => api.post<PaymentAnswer>(`${api.urls.payment}/v1/payments`, { dossierCode, channel }, `${plan.key}-pay-${attempt}`);

  if (channel === "OTHER_GATEWAY") {
    let declined = false;
    for (const [attempt, result] of (declinedFirst ? ["declined", "success"] : ["success"]).entries()) {
      const answer = await order(attempt + 1);
      if (!answer.body.paymentUrl) return { outcome: "FAILED", declined };
      await gateway.pay(answer.body.paymentUrl, result as "declined" | "success");
      if (result === "declined") {
        declined = true;
        // A new order once the gateway's IPN has closed this one.
        const paymentId = answer.body.payment?.paymentId;
        await poll(async () => {
          const state = await api.get<PaymentAnswer>(`${api.urls.payment}/v1/payments/${paymentId}`);
          return state.body.payment?.status === "FAILED" || undefined;
        }, 30_000);
      }
    }
    return { outcome: "PAID_ONLINE", declined };
  }
  const answer = await order(1);
  const paymentId = answer.body.payment?.paymentId;
  if (!paymentId) return { outcome: "FAILED", declined: false };
  const confirmed = await api.post(`${api.urls.payment}/v1/payments/${paymentId}/confirmation`, {
    succeeded: true,
    at: vietnamInstant(Date.now()),
    reference: `BL-${plan.key.slice(-10)}`,
  });
  return { outcome: confirmed.status === 200 ? "PAID_AT_DESK" : "FAILED", declined: false };
}
