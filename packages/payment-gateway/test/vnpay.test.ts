import { describe, expect, it } from "vitest";
import { formatVnpDate, fromVnpAmount, ipnAnswer, parseStatement, parseVnpDate, paymentUrl, readIpn, renderStatement, secureHash, signedData, StatementError, verifySignature } from "../src/index.js";
import { createHmac } from "node:crypto";

const SECRET = "SECRETKEYFORTESTS0123456789ABCDE";

describe("VNPAY 2.1.0 signatures", () => {
  it("given parameters, then the signed data is sorted by name, URL-encoded with + for spaces, without the hash fields and empty values", () => {
    const data = signedData({ vnp_TxnRef: "5", vnp_Amount: "1806000", vnp_OrderInfo: "Thanh toan don hang :5", vnp_BankCode: "", vnp_SecureHash: "x", vnp_SecureHashType: "HmacSHA512" });
    expect(data).toBe("vnp_Amount=1806000&vnp_OrderInfo=Thanh+toan+don+hang+%3A5&vnp_TxnRef=5");
  });

  it("given the guide's return URL, then the hash is hex HMAC-SHA512 of that string under the secret", () => {
    const params = { vnp_Amount: "1000000", vnp_ReturnUrl: "https://merchant.vn/return?a=1", vnp_TxnRef: "ORD1" };
    const expected = createHmac("sha512", SECRET).update("vnp_Amount=1000000&vnp_ReturnUrl=https%3A%2F%2Fmerchant.vn%2Freturn%3Fa%3D1&vnp_TxnRef=ORD1").digest("hex");
    expect(secureHash(params, SECRET)).toBe(expected);
    expect(verifySignature({ ...params, vnp_SecureHash: expected.toUpperCase() }, SECRET)).toBe(true);
    expect(verifySignature({ ...params, vnp_Amount: "2000000", vnp_SecureHash: expected }, SECRET)).toBe(false);
    expect(verifySignature({ ...params, vnp_SecureHash: "zz" }, SECRET)).toBe(false);
  });

  it("given 45.000 đồng created at 10:05:09 in Vietnam, then vnp_Amount 4500000 and vnp_CreateDate 20250303100509", () => {
    const url = new URL(
      paymentUrl(
        "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html",
        {
          tmnCode: "ONESTOP1",
          txnRef: "P1",
          amount: 45_000,
          orderInfo: "Le phi ho so",
          createdAt: Date.parse("2025-03-03T03:05:09Z"),
          expiresAt: Date.parse("2025-03-03T03:20:09Z"),
          returnUrl: "https://dvc.vn/r",
          ipAddr: "127.0.0.1",
        },
        SECRET,
      ),
    );
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({
      vnp_Version: "2.1.0",
      vnp_Command: "pay",
      vnp_Amount: "4500000",
      vnp_CurrCode: "VND",
      vnp_CreateDate: "20250303100509",
      vnp_ExpireDate: "20250303102009",
      vnp_TxnRef: "P1",
    });
    expect(params.vnp_SecureHashType).toBeUndefined();
    expect(verifySignature(params, SECRET)).toBe(true);
  });

  it("given wire values, then dates read back in GMT+7 and amounts in đồng; malformed ones are refused", () => {
    expect(parseVnpDate("20250303100509")).toBe(Date.parse("2025-03-03T03:05:09Z"));
    expect(parseVnpDate("20250230100509")).toBeUndefined();
    expect(formatVnpDate(Date.parse("2025-12-31T17:00:00Z"))).toBe("20260101000000");
    expect(fromVnpAmount("4500000")).toBe(45_000);
    expect(fromVnpAmount("4500050")).toBeUndefined();
    expect(fromVnpAmount("-100")).toBeUndefined();
  });

  it("given an IPN, then success needs both vnp_ResponseCode and vnp_TransactionStatus 00, and the answers are the guide's", () => {
    const params = {
      vnp_TmnCode: "ONESTOP1",
      vnp_TxnRef: "P1",
      vnp_Amount: "4500000",
      vnp_ResponseCode: "00",
      vnp_TransactionStatus: "00",
      vnp_TransactionNo: "14000001",
      vnp_PayDate: "20250303100600",
    };
    const ipn = readIpn({ ...params, vnp_SecureHash: secureHash(params, SECRET) }, SECRET);
    expect(ipn).toMatchObject({ signatureValid: true, succeeded: true, amount: 45_000, txnRef: "P1", paidAt: Date.parse("2025-03-03T03:06:00Z") });
    expect(readIpn({ ...params, vnp_TransactionStatus: "02", vnp_SecureHash: secureHash(params, SECRET) }, SECRET)).toMatchObject({ signatureValid: false, succeeded: false });
    expect(ipnAnswer("97")).toEqual({ RspCode: "97", Message: "Invalid signature" });
    expect(ipnAnswer("02")).toEqual({ RspCode: "02", Message: "Order already confirmed" });
  });
});

describe("the daily reconciliation file", () => {
  const statement = { tmnCode: "ONESTOP1", day: "20250303", entries: [{ txnRef: "P1", transactionNo: "14000001", amount: 45_000, paidAt: Date.parse("2025-03-03T03:06:00Z") }] };

  it("given a rendered file, then it reads back", () => {
    expect(parseStatement(renderStatement(statement, SECRET), SECRET)).toEqual(statement);
  });

  it("given a file altered on the way, then it is refused", () => {
    const text = renderStatement(statement, SECRET).replace("4500000", "9900000");
    expect(() => parseStatement(text, SECRET)).toThrow(StatementError);
    expect(() => parseStatement(renderStatement(statement, SECRET), "another secret")).toThrow("signature");
  });
});
