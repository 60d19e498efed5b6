/** What the use cases need from the outside: a gateway adapter (one per gateway; VNPAY first). */
import type { PaymentChannel } from "../domain/payment.js";
import type { StatementLine } from "../domain/reconciliation.js";

export interface GatewayOrder {
  txnRef: string;
  amount: number;
  createdAt: number;
  expiresAt: number;
  /** Without personal data: the dossier code and what is paid. */
  description: string;
  returnUrl?: string;
  clientAddress: string;
}

/** A callback the adapter has read and checked the signature of. */
export interface VerifiedCallback {
  signatureValid: boolean;
  txnRef: string | undefined;
  amount: number | undefined;
  /** The gateway's currency matches the order's (VND); a gateway that names none answers true. */
  currencyValid: boolean;
  succeeded: boolean;
  responseCode: string;
  reason: string;
  transactionNo: string;
  paidAt: number | undefined;
}

/**
 * A payment gateway, kept small so that the national payment platform or another gateway can be
 * added: build the URL the applicant pays at, read a callback, fetch a day's statement.
 */
export interface PaymentGateway {
  /** Short name in ids and subjects, e.g. "vnpay". */
  readonly name: string;
  readonly channel: PaymentChannel;
  paymentUrl(order: GatewayOrder): string;
  readCallback(query: Record<string, string>): VerifiedCallback;
  /** The day's successful transactions (day = YYYY-MM-DD, Vietnam). */
  statement(day: string): Promise<StatementLine[]>;
}
