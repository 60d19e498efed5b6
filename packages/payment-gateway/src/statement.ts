/**
 * The gateway's daily reconciliation file (file đối soát): one CSV line per successful transaction
 * of a merchant's day (GMT+7), amounts on the wire's scale (đồng × 100), closed by a line carrying
 * the HMAC-SHA512 of everything before it under the merchant's secret, so a file altered on the way
 * is refused. VNPAY sends such files to merchants by SFTP or e-mail in its own layout (not public);
 * this is the layout the simulator writes and the payment service reads.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { formatVnpDate, fromVnpAmount, parseVnpDate, toVnpAmount } from "./vnpay.js";

export const STATEMENT_HEADER = "vnp_TmnCode,vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_PayDate,vnp_ResponseCode";

export interface StatementEntry {
  txnRef: string;
  transactionNo: string;
  /** Đồng. */
  amount: number;
  /** Epoch ms. */
  paidAt: number;
}

export interface Statement {
  tmnCode: string;
  /** yyyyMMdd, GMT+7. */
  day: string;
  entries: StatementEntry[];
}

const SAFE = /^[A-Za-z0-9_.-]{1,64}$/;

function checksum(body: string, secret: string): string {
  return createHmac("sha512", secret).update(body, "utf8").digest("hex");
}

export function renderStatement(statement: Statement, secret: string): string {
  const lines = [`# VNPAY doi soat ${statement.tmnCode} ${statement.day}`, STATEMENT_HEADER];
  for (const entry of statement.entries) {
    lines.push([statement.tmnCode, entry.txnRef, entry.transactionNo, toVnpAmount(entry.amount), formatVnpDate(entry.paidAt), "00"].join(","));
  }
  const body = `${lines.join("\n")}\n`;
  return `${body}# vnp_SecureHash=${checksum(body, secret)}\n`;
}

export class StatementError extends Error {
  override readonly name = "StatementError";
}

/** Reads and checks a file; throws StatementError naming the line that is wrong. */
export function parseStatement(text: string, secret: string): Statement {
  const marker = text.lastIndexOf("# vnp_SecureHash=");
  if (marker < 0) throw new StatementError("the file has no signature line");
  const body = text.slice(0, marker);
  const given = text.slice(marker + "# vnp_SecureHash=".length).trim();
  if (!/^[0-9a-f]{128}$/.test(given) || !timingSafeEqual(Buffer.from(given, "hex"), Buffer.from(checksum(body, secret), "hex"))) {
    throw new StatementError("the file's signature does not match its content");
  }
  const lines = body.split("\n").filter((line) => line !== "");
  const title = /^# VNPAY doi soat ([A-Za-z0-9]{1,16}) (\d{8})$/.exec(lines[0] ?? "");
  if (!title) throw new StatementError("line 1: not a reconciliation file title");
  if (lines[1] !== STATEMENT_HEADER) throw new StatementError("line 2: unexpected columns");
  const entries = lines.slice(2).map((line, i): StatementEntry => {
    const [tmnCode, txnRef, transactionNo, amount, payDate, code, ...rest] = line.split(",");
    const where = `line ${i + 3}`;
    const dong = fromVnpAmount(amount);
    const paidAt = payDate === undefined ? undefined : parseVnpDate(payDate);
    if (rest.length > 0 || tmnCode !== title[1] || !SAFE.test(txnRef ?? "") || !SAFE.test(transactionNo ?? "") || dong === undefined || paidAt === undefined || code !== "00") {
      throw new StatementError(`${where}: not a transaction of ${title[1]}`);
    }
    return { txnRef: txnRef!, transactionNo: transactionNo!, amount: dong, paidAt };
  });
  return { tmnCode: title[1]!, day: title[2]!, entries };
}
