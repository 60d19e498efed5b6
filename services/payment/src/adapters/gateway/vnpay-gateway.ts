/** The VNPAY 2.1.0 adapter (packages/payment-gateway holds the protocol): URLs, IPN reading, the daily file. */
import { parseStatement, paymentUrl, readIpn, RESPONSE_REASONS, signedQuery, type IpnRspCode } from "@onestop/payment-gateway";
import type { CallbackOutcome } from "../../domain/payment.js";
import type { StatementLine } from "../../domain/reconciliation.js";
import type { GatewayOrder, PaymentGateway, VerifiedCallback } from "../../app/ports.js";

export interface VnpayOptions {
  tmnCode: string;
  hashSecret: string;
  /** The gateway's vpcpay.html. */
  paymentPageUrl: string;
  /** Where the gateway sends the applicant back (our return page). */
  returnUrl: string;
  /** The gateway's base URL for merchant files (/merchant/statements/<yyyyMMdd>.csv). */
  merchantApiUrl: string;
}

/** The IPN answer of each outcome of the decider. A late callback is answered 02: the order is settled (expired), retries would change nothing. */
export const RSP_CODE_OF_OUTCOME: Record<CallbackOutcome | "ERROR", IpnRspCode> = {
  CONFIRMED: "00",
  NOT_FOUND: "01",
  ALREADY_CONFIRMED: "02",
  LATE: "02",
  WRONG_AMOUNT: "04",
  BAD_SIGNATURE: "97",
  ERROR: "99",
};

export class VnpayGateway implements PaymentGateway {
  readonly name = "vnpay";
  readonly channel = "OTHER_GATEWAY" as const;

  constructor(private readonly options: VnpayOptions) {}

  paymentUrl(order: GatewayOrder): string {
    return paymentUrl(
      this.options.paymentPageUrl,
      {
        tmnCode: this.options.tmnCode,
        txnRef: order.txnRef,
        amount: order.amount,
        orderInfo: order.description,
        createdAt: order.createdAt,
        expiresAt: order.expiresAt,
        returnUrl: order.returnUrl ?? this.options.returnUrl,
        ipAddr: order.clientAddress,
      },
      this.options.hashSecret,
    );
  }

  readCallback(query: Record<string, string>): VerifiedCallback {
    const ipn = readIpn(query, this.options.hashSecret);
    const responseCode = ipn.responseCode ?? "99";
    return {
      // A callback for another merchant's terminal is not ours, however it is signed.
      signatureValid: ipn.signatureValid && ipn.tmnCode === this.options.tmnCode,
      txnRef: ipn.txnRef,
      amount: ipn.amount,
      // The order was placed in VND (vnp_CurrCode) and vnp_Amount is read as đồng × 100; a callback naming another currency is refused.
      currencyValid: query.vnp_CurrCode === undefined || query.vnp_CurrCode === "VND",
      succeeded: ipn.succeeded,
      responseCode,
      reason: RESPONSE_REASONS[responseCode] ?? "Giao dịch không thành công",
      transactionNo: ipn.transactionNo ?? "",
      paidAt: ipn.paidAt,
    };
  }

  async statement(day: string): Promise<StatementLine[]> {
    const compact = day.replaceAll("-", "");
    const query = signedQuery({ vnp_TmnCode: this.options.tmnCode, vnp_Day: compact }, this.options.hashSecret);
    const response = await fetch(`${this.options.merchantApiUrl}/merchant/statements/${compact}.csv?${query}`, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`the gateway's statement of ${day} could not be fetched (${response.status})`);
    const statement = parseStatement(await response.text(), this.options.hashSecret);
    if (statement.day !== compact || statement.tmnCode !== this.options.tmnCode) throw new Error("the gateway's statement is for another day or merchant");
    return statement.entries.map((entry) => ({ txnRef: entry.txnRef, transactionNo: entry.transactionNo, amount: entry.amount }));
  }
}
