/**
 * The use cases as a caller may run them, shared by REST and gRPC: who may (the shared
 * Jurisdiction on the dossier's holders: receiving desk and deciding agency; reconciliation for the
 * province's operators and services), and the audit record of each change, read and refusal,
 * written before the change.
 */
import type { AuditTrail } from "@onestop/audit";
import type { Caller, Jurisdiction } from "@onestop/auth";
import type { FilingChannel } from "../domain/fees.js";
import type { PaymentChannel, PaymentState } from "../domain/payment.js";
import type { Payments } from "./payments.js";
import type { PaymentGateway } from "./ports.js";

const holders = (state: { receivingUnitCode: string; agencyCode: string }) => ({ receivingUnitCode: state.receivingUnitCode, agencyCodes: [state.agencyCode] });

export class NotConnectedError extends Error {
  override readonly name = "NotConnectedError";
}

export class GuardedPayments {
  constructor(
    private readonly payments: Payments,
    private readonly jurisdiction: Jurisdiction,
    private readonly audit: AuditTrail,
    private readonly gateways: ReadonlyMap<string, PaymentGateway>,
  ) {}

  async request(caller: Caller, input: { dossierCode: string; channel: PaymentChannel; idempotencyKey: string; returnUrl?: string }) {
    const target = { type: "dossier", id: input.dossierCode };
    const assessment = await this.payments.assessmentOf(input.dossierCode);
    await this.audit.authorised(caller, "payment.request", target, () => this.jurisdiction.assertMayAct(caller.principal, holders(assessment)));
    if (input.channel === "NATIONAL_PLATFORM") throw new NotConnectedError("Chưa kết nối nền tảng thanh toán quốc gia");
    await this.audit.record({ caller, action: "payment.request", target, outcome: "ok", details: { channel: input.channel } });
    return this.payments.request({ ...input, clientAddress: caller.from.address ?? "127.0.0.1" });
  }

  async ofDossier(caller: Caller, dossierCode: string): Promise<PaymentState[]> {
    const target = { type: "dossier", id: dossierCode };
    const assessment = await this.payments.assessmentOf(dossierCode);
    await this.audit.authorised(caller, "payment.read", target, () => this.jurisdiction.assertMayRead(caller.principal, holders(assessment)));
    await this.audit.record({ caller, action: "payment.read", target, outcome: "ok" });
    return this.payments.ofDossier(dossierCode);
  }

  async get(caller: Caller, paymentId: string): Promise<PaymentState> {
    const state = await this.payments.get(paymentId);
    const target = { type: "payment", id: paymentId };
    await this.audit.authorised(caller, "payment.read", target, () => this.jurisdiction.assertMayRead(caller.principal, holders(state)));
    await this.audit.record({ caller, action: "payment.read", target, outcome: "ok" });
    return state;
  }

  private async act(caller: Caller, action: string, paymentId: string, details: Record<string, string>): Promise<void> {
    const state = await this.payments.get(paymentId);
    const target = { type: "payment", id: paymentId };
    await this.audit.authorised(caller, action, target, () => this.jurisdiction.assertMayAct(caller.principal, holders(state)));
    await this.audit.record({ caller, action, target, outcome: "ok", details });
  }

  async confirm(caller: Caller, paymentId: string, command: { succeeded: boolean; at: number; reference: string; reason: string }) {
    await this.act(caller, "payment.confirm", paymentId, { succeeded: String(command.succeeded) });
    return this.payments.confirm(paymentId, command);
  }

  async refund(caller: Caller, paymentId: string, command: { amount: number; reason: string }) {
    await this.act(caller, "payment.refund", paymentId, { amount: String(command.amount) });
    return this.payments.refund(paymentId, command);
  }

  async settle(caller: Caller, paymentId: string, at: number) {
    await this.act(caller, "payment.settle", paymentId, {});
    return this.payments.settle(paymentId, at);
  }

  async fees(caller: Caller, dossierCode: string) {
    const doc = await this.payments.assessmentOf(dossierCode);
    await this.audit.authorised(caller, "fees.read", { type: "dossier", id: dossierCode }, () => this.jurisdiction.assertMayRead(caller.principal, holders(doc)));
    return doc;
  }

  async reassess(caller: Caller, dossierCode: string, facts: Record<string, string>) {
    const target = { type: "dossier", id: dossierCode };
    const doc = await this.payments.assessmentOf(dossierCode);
    await this.audit.authorised(caller, "fees.reassess", target, () => this.jurisdiction.assertMayAct(caller.principal, holders(doc)));
    // The fact names only: a fact's value says nothing about the applicant beyond the rule it selects.
    await this.audit.record({ caller, action: "fees.reassess", target, outcome: "ok", details: { facts: Object.keys(facts).sort().join(",") } });
    return this.payments.reassess(dossierCode, facts);
  }

  /** What a dossier would owe under the rules and the facts given; reads nobody's data, so any verified caller may ask. */
  assess(_caller: Caller, input: { procedureCode: string; channel: FilingChannel; at: string; facts: Record<string, string> }) {
    return this.payments.assess(input);
  }

  async reconcile(caller: Caller, day: string, agencyCode: string, statement?: Array<{ txnRef: string; transactionNo: string; amount: number }>) {
    const target = { type: "reconciliation", id: day };
    await this.audit.authorised(caller, "reconciliation.run", target, () => this.jurisdiction.assertMayOperate(caller.principal));
    await this.audit.record({ caller, action: "reconciliation.run", target, outcome: "ok" });
    const gateway = [...this.gateways.values()][0]!;
    return this.payments.reconcileDay(gateway, day, agencyCode, statement);
  }

  async unreconciled(caller: Caller) {
    await this.audit.authorised(caller, "reconciliation.read", { type: "reconciliation", id: "unreconciled" }, () => this.jurisdiction.assertMayOperate(caller.principal));
    return this.payments.unreconciled();
  }
}
