/**
 * The VNPAY payment gateway protocol, version 2.1.0, as its integration guide publishes it
 * (sandbox.vnpayment.vn/apis/docs/thanh-toan-pay/pay.html, "Hướng dẫn tích hợp"):
 * - the payment URL is a GET to the gateway's vpcpay.html with `vnp_*` parameters, `vnp_Amount` the
 *   amount in đồng × 100 (no separators), `vnp_CreateDate` / `vnp_ExpireDate` as yyyyMMddHHmmss in
 *   GMT+7, `vnp_TxnRef` the merchant's order reference (unique per day);
 * - `vnp_SecureHash` = hex HMAC-SHA512, keyed with the merchant's secret, over the parameters sorted
 *   by name and URL-encoded (spaces as "+"), joined `k=v&k=v`, without vnp_SecureHash and
 *   vnp_SecureHashType (2.1.0 sends no SecureHashType); empty values are left out;
 * - the IPN (server-to-server GET to the merchant) carries the result signed the same way, and the
 *   merchant answers JSON `{ RspCode, Message }`: 00 confirmed, 01 order not found, 02 already
 *   confirmed, 04 invalid amount, 97 invalid signature, 99 other; VNPAY retries an IPN it got no
 *   00/02 (or no answer) for.
 * Payment succeeded when vnp_ResponseCode and vnp_TransactionStatus are both "00".
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const VNPAY_VERSION = "2.1.0";
export const VNPAY_CURRENCY = "VND";

export type VnpParams = Record<string, string>;

/** The gateway's encoding of a key or value in the signed data (PHP urlencode / the Node demo's encodeURIComponent with "+"). */
export function vnpEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** The string that is signed: parameters sorted by name, encoded, without the hash fields and empty values. */
export function signedData(params: VnpParams): string {
  return Object.keys(params)
    .filter((key) => key.startsWith("vnp_") && key !== "vnp_SecureHash" && key !== "vnp_SecureHashType" && params[key] !== "")
    .sort()
    .map((key) => `${vnpEncode(key)}=${vnpEncode(params[key]!)}`)
    .join("&");
}

export function secureHash(params: VnpParams, secret: string): string {
  return createHmac("sha512", secret).update(signedData(params), "utf8").digest("hex");
}

/** Whether `vnp_SecureHash` is the parameters' signature (constant-time comparison). */
export function verifySignature(params: VnpParams, secret: string): boolean {
  const given = params.vnp_SecureHash;
  if (typeof given !== "string" || !/^[0-9a-fA-F]{128}$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given.toLowerCase(), "hex"), Buffer.from(secureHash(params, secret), "hex"));
}

/** The query string with its signature appended. */
export function signedQuery(params: VnpParams, secret: string): string {
  return `${signedData(params)}&vnp_SecureHash=${secureHash(params, secret)}`;
}

const VN_OFFSET_MS = 7 * 3_600_000;

/** yyyyMMddHHmmss on the Vietnamese wall clock (GMT+7). */
export function formatVnpDate(epochMs: number): string {
  return new Date(epochMs + VN_OFFSET_MS).toISOString().replace(/\D/g, "").slice(0, 14);
}

/** The instant of a yyyyMMddHHmmss GMT+7 date; undefined when it is not one. */
export function parseVnpDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s) - VN_OFFSET_MS;
  return formatVnpDate(ms) === text ? ms : undefined;
}

/** Đồng to the wire's vnp_Amount (× 100) and back; undefined when the wire value is not a whole number of đồng. */
export const toVnpAmount = (dong: number): string => String(dong * 100);
export function fromVnpAmount(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,15}$/.test(text)) return undefined;
  const hundredths = Number(text);
  return hundredths % 100 === 0 ? hundredths / 100 : undefined;
}

export interface PaymentOrder {
  tmnCode: string;
  txnRef: string;
  /** Đồng. */
  amount: number;
  /** Without Vietnamese diacritics, as the guide asks. */
  orderInfo: string;
  createdAt: number;
  expiresAt: number;
  returnUrl: string;
  ipAddr: string;
  locale?: "vn" | "en";
  orderType?: string;
}

/** The parameters of a payment URL, signed; `gatewayUrl` is the gateway's vpcpay.html. */
export function paymentUrl(gatewayUrl: string, order: PaymentOrder, secret: string): string {
  const params: VnpParams = {
    vnp_Version: VNPAY_VERSION,
    vnp_Command: "pay",
    vnp_TmnCode: order.tmnCode,
    vnp_Amount: toVnpAmount(order.amount),
    vnp_CurrCode: VNPAY_CURRENCY,
    vnp_TxnRef: order.txnRef,
    vnp_OrderInfo: order.orderInfo,
    vnp_OrderType: order.orderType ?? "other",
    vnp_Locale: order.locale ?? "vn",
    vnp_ReturnUrl: order.returnUrl,
    vnp_IpAddr: order.ipAddr,
    vnp_CreateDate: formatVnpDate(order.createdAt),
    vnp_ExpireDate: formatVnpDate(order.expiresAt),
  };
  return `${gatewayUrl}?${signedQuery(params, secret)}`;
}

/** The merchant's IPN answers. */
export const IPN_ANSWERS = {
  "00": "Confirm Success",
  "01": "Order not found",
  "02": "Order already confirmed",
  "04": "Invalid amount",
  "97": "Invalid signature",
  "99": "Unknown error",
} as const;
export type IpnRspCode = keyof typeof IPN_ANSWERS;
export const ipnAnswer = (code: IpnRspCode): { RspCode: IpnRspCode; Message: string } => ({ RspCode: code, Message: IPN_ANSWERS[code] });

/** Some of the gateway's vnp_ResponseCode values (the guide's table), with a Vietnamese reason. */
export const RESPONSE_REASONS: Readonly<Record<string, string>> = {
  "00": "Giao dịch thành công",
  "07": "Giao dịch bị nghi ngờ gian lận",
  "09": "Thẻ/tài khoản chưa đăng ký dịch vụ Internet Banking",
  "11": "Đã hết hạn chờ thanh toán",
  "24": "Khách hàng hủy giao dịch",
  "51": "Tài khoản không đủ số dư",
  "65": "Tài khoản đã vượt quá hạn mức giao dịch trong ngày",
  "75": "Ngân hàng thanh toán đang bảo trì",
  "99": "Lỗi khác",
};

/** What an IPN says, once its signature is checked; the merchant decides the rest. */
export interface IpnResult {
  signatureValid: boolean;
  tmnCode?: string;
  txnRef?: string;
  /** Đồng; undefined when vnp_Amount is missing or not whole đồng. */
  amount?: number;
  succeeded: boolean;
  responseCode?: string;
  transactionNo?: string;
  bankCode?: string;
  /** Epoch ms of vnp_PayDate. */
  paidAt?: number;
}

export function readIpn(params: VnpParams, secret: string): IpnResult {
  const paidAt = params.vnp_PayDate ? parseVnpDate(params.vnp_PayDate) : undefined;
  const amount = fromVnpAmount(params.vnp_Amount);
  const pick = (key: string) => (typeof params[key] === "string" && params[key] !== "" ? params[key] : undefined);
  const result: IpnResult = {
    signatureValid: verifySignature(params, secret),
    succeeded: params.vnp_ResponseCode === "00" && params.vnp_TransactionStatus === "00",
  };
  const fields = { tmnCode: pick("vnp_TmnCode"), txnRef: pick("vnp_TxnRef"), responseCode: pick("vnp_ResponseCode"), transactionNo: pick("vnp_TransactionNo"), bankCode: pick("vnp_BankCode") };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value;
  if (amount !== undefined) result.amount = amount;
  if (paidAt !== undefined) result.paidAt = paidAt;
  return result;
}
