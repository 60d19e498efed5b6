/**
 * A VNPAY-like gateway on its own HTTP server, for tests and the demo: it checks the merchant's
 * signed payment URL, shows a payment page (Vietnamese), redirects the applicant back with the
 * signed result, and notifies the merchant's IPN URL asynchronously, retrying until the merchant
 * answers 00 or 02, sometimes twice (duplicate) or late, as the real gateway may. It writes the
 * daily reconciliation file of the day's successful transactions, where a test can plant a
 * mismatch. Deterministic under a seeded `random`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatVnpDate, fromVnpAmount, parseVnpDate, secureHash, signedQuery, toVnpAmount, verifySignature, type VnpParams } from "../vnpay.js";
import { renderStatement, type StatementEntry } from "../statement.js";

/** The local merchant (payment's defaults): public values that protect nothing; payment refuses the secret in production. */
export const DEV_VNPAY_TMN_CODE = "ONESTOP1";
export const DEV_VNPAY_HASH_SECRET = "onestop-local-vnpay-secret-not-for-production";

export type PayOutcome = "success" | "declined" | "cancel";

export interface SimulatorOptions {
  tmnCode: string;
  secret: string;
  /** The merchant's IPN endpoint. */
  ipnUrl: string;
  port?: number;
  host?: string;
  /** Delay of the first IPN after the payment (ms). */
  ipnDelayMs?: number;
  /** Delays before each retry of an IPN that got no 00/02 (ms). */
  retryDelaysMs?: number[];
  /** Share of IPNs sent twice (0–1). */
  duplicateRate?: number;
  /** Share of IPNs sent late, after `lateDelayMs`. */
  lateRate?: number;
  lateDelayMs?: number;
  /** A seeded generator in [0, 1) makes the behaviour reproducible. */
  random?: () => number;
  now?: () => number;
}

interface Order {
  txnRef: string;
  amount: number;
  returnUrl: string;
  expiresAt: number;
  orderInfo: string;
}

interface Transaction {
  txnRef: string;
  transactionNo: string;
  amount: number;
  paidAt: number;
  responseCode: string;
  bankCode: string;
}

export interface IpnDelivery {
  txnRef: string;
  attempt: number;
  duplicate: boolean;
  late: boolean;
  rspCode?: string;
  error?: string;
}

/** A seeded generator (mulberry32) for reproducible duplicates and delays. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const html = (title: string, body: string) => `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class GatewaySimulator {
  readonly deliveries: IpnDelivery[] = [];
  private readonly orders = new Map<string, Order>();
  private readonly transactions = new Map<string, Transaction>();
  private readonly planted = { dropped: new Set<string>(), extra: [] as StatementEntry[], amounts: new Map<string, number>() };
  private readonly pending = new Set<Promise<void>>();
  private readonly timers = new Map<NodeJS.Timeout, () => void>();
  private server: Server | undefined;
  private sequence = 14_000_000;
  private stopped = false;
  url = "";

  constructor(private readonly options: SimulatorOptions) {}

  private get random() {
    return this.options.random ?? Math.random;
  }
  private get now() {
    return (this.options.now ?? Date.now)();
  }

  /** The payment page the merchant's URLs point at. */
  get paymentPageUrl(): string {
    return `${this.url}/paymentv2/vpcpay.html`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.route(req, res).catch(() => this.send(res, 500, "text/plain", "error")));
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, this.options.host ?? "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${this.options.host ?? "127.0.0.1"}:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [timer, wake] of this.timers) {
      clearTimeout(timer);
      wake();
    }
    await Promise.allSettled([...this.pending]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves when every IPN scheduled so far has been delivered or given up. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /**
   * Acts as the applicant: opens the payment URL (its signature and expiry checked by the page) and
   * pays with the outcome; returns where the gateway redirects the browser.
   */
  async pay(paymentUrl: string, outcome: PayOutcome = "success"): Promise<{ txnRef: string; redirect: string }> {
    const page = await fetch(paymentUrl);
    const text = await page.text();
    if (page.status !== 200) throw new Error(`payment page refused the order (${page.status}): ${text}`);
    const txnRef = new URL(paymentUrl).searchParams.get("vnp_TxnRef") ?? "";
    const answer = await fetch(`${this.url}/paymentv2/pay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ txnRef, outcome }).toString(),
      redirect: "manual",
    });
    await answer.arrayBuffer();
    if (answer.status !== 302) throw new Error(`payment not accepted (${answer.status})`);
    return { txnRef, redirect: answer.headers.get("location") ?? "" };
  }

  /** The signed IPN parameters of a transaction (tests alter them to tamper or replay). */
  ipnParams(txnRef: string): VnpParams {
    const transaction = this.transactions.get(txnRef);
    if (!transaction) throw new Error(`no transaction ${txnRef}`);
    const params: VnpParams = {
      vnp_TmnCode: this.options.tmnCode,
      vnp_Amount: toVnpAmount(transaction.amount),
      vnp_BankCode: transaction.bankCode,
      vnp_BankTranNo: `VNP${transaction.transactionNo}`,
      vnp_CardType: "ATM",
      vnp_OrderInfo: this.orders.get(txnRef)?.orderInfo ?? "",
      vnp_PayDate: formatVnpDate(transaction.paidAt),
      vnp_ResponseCode: transaction.responseCode,
      vnp_TransactionNo: transaction.transactionNo,
      vnp_TransactionStatus: transaction.responseCode === "00" ? "00" : "02",
      vnp_TxnRef: txnRef,
    };
    return { ...params, vnp_SecureHash: secureHash(params, this.options.secret) };
  }

  /** Sends IPN parameters as they are (tampered, replayed) and returns the merchant's answer. */
  async sendIpn(params: VnpParams): Promise<{ RspCode?: string; Message?: string }> {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`${this.options.ipnUrl}?${query}`);
    return (await response.json()) as { RspCode?: string; Message?: string };
  }

  /** The day's successful transactions (yyyyMMdd, GMT+7) as the reconciliation file, planted mismatches included. */
  statementFile(day: string): string {
    const entries: StatementEntry[] = [];
    for (const t of this.transactions.values()) {
      if (t.responseCode !== "00" || formatVnpDate(t.paidAt).slice(0, 8) !== day || this.planted.dropped.has(t.txnRef)) continue;
      entries.push({ txnRef: t.txnRef, transactionNo: t.transactionNo, amount: this.planted.amounts.get(t.txnRef) ?? t.amount, paidAt: t.paidAt });
    }
    entries.push(...this.planted.extra.filter((entry) => formatVnpDate(entry.paidAt).slice(0, 8) === day));
    return renderStatement({ tmnCode: this.options.tmnCode, day, entries }, this.options.secret);
  }

  /** Mismatches for the reconciliation to find: a transaction left out, one the merchant never had, another amount. */
  plantMissing(txnRef: string): void {
    this.planted.dropped.add(txnRef);
  }
  plantExtra(entry: StatementEntry): void {
    this.planted.extra.push(entry);
  }
  plantAmount(txnRef: string, amount: number): void {
    this.planted.amounts.set(txnRef, amount);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    if (req.method === "GET" && url.pathname === "/paymentv2/vpcpay.html") return this.paymentPage(url, res);
    if (req.method === "POST" && url.pathname === "/paymentv2/pay") return this.payAction(await body(req), res);
    const statement = /^\/merchant\/statements\/(\d{8})\.csv$/.exec(url.pathname);
    if (req.method === "GET" && statement) {
      const params = Object.fromEntries(url.searchParams) as VnpParams;
      if (params.vnp_TmnCode !== this.options.tmnCode || params.vnp_Day !== statement[1] || !verifySignature(params, this.options.secret)) {
        return this.send(res, 403, "text/plain; charset=utf-8", "Sai chữ ký");
      }
      return this.send(res, 200, "text/csv; charset=utf-8", this.statementFile(statement[1]!));
    }
    this.send(res, 404, "text/plain", "not found");
  }

  private paymentPage(url: URL, res: ServerResponse): void {
    const params = Object.fromEntries(url.searchParams) as VnpParams;
    const refuse = (why: string) => this.send(res, 400, "text/html; charset=utf-8", html("Giao dịch không hợp lệ", `<p>${escapeHtml(why)}</p>`));
    if (!verifySignature(params, this.options.secret)) return refuse("Sai chữ ký (mã lỗi 97)");
    if (params.vnp_Version !== "2.1.0" || params.vnp_Command !== "pay" || params.vnp_TmnCode !== this.options.tmnCode || params.vnp_CurrCode !== "VND") {
      return refuse("Tham số không hợp lệ (mã lỗi 03)");
    }
    const amount = fromVnpAmount(params.vnp_Amount);
    const expiresAt = params.vnp_ExpireDate ? parseVnpDate(params.vnp_ExpireDate) : undefined;
    const txnRef = params.vnp_TxnRef;
    if (amount === undefined || amount <= 0 || !txnRef || !params.vnp_ReturnUrl || expiresAt === undefined) return refuse("Tham số không hợp lệ (mã lỗi 03)");
    if (expiresAt <= this.now) return refuse("Đã hết hạn chờ thanh toán (mã lỗi 11)");
    this.orders.set(txnRef, { txnRef, amount, returnUrl: params.vnp_ReturnUrl, expiresAt, orderInfo: params.vnp_OrderInfo ?? "" });
    const form = (outcome: PayOutcome, label: string) =>
      `<form method="post" action="/paymentv2/pay"><input type="hidden" name="txnRef" value="${escapeHtml(txnRef)}"><input type="hidden" name="outcome" value="${outcome}"><button>${label}</button></form>`;
    this.send(
      res,
      200,
      "text/html; charset=utf-8",
      html(
        "Cổng thanh toán (mô phỏng VNPAY)",
        `<p>Đơn hàng ${escapeHtml(txnRef)}: ${amount.toLocaleString("vi-VN")} ₫</p><p>${escapeHtml(params.vnp_OrderInfo ?? "")}</p>${form("success", "Thanh toán")}${form("declined", "Thẻ bị từ chối")}${form("cancel", "Hủy giao dịch")}`,
      ),
    );
  }

  private payAction(form: URLSearchParams, res: ServerResponse): void {
    const order = this.orders.get(form.get("txnRef") ?? "");
    const outcome = form.get("outcome") as PayOutcome | null;
    if (!order || !outcome || !["success", "declined", "cancel"].includes(outcome)) return this.send(res, 400, "text/plain; charset=utf-8", "Không tìm thấy giao dịch");
    const expired = order.expiresAt <= this.now;
    const responseCode = expired ? "11" : outcome === "success" ? "00" : outcome === "declined" ? "51" : "24";
    const transaction: Transaction = { txnRef: order.txnRef, transactionNo: String(++this.sequence), amount: order.amount, paidAt: this.now, responseCode, bankCode: "NCB" };
    this.transactions.set(order.txnRef, transaction);
    const params = this.ipnParams(order.txnRef);
    this.scheduleIpn(order.txnRef, params);
    const separator = order.returnUrl.includes("?") ? "&" : "?";
    res.writeHead(302, { location: `${order.returnUrl}${separator}${new URLSearchParams(params).toString()}` }).end();
  }

  private scheduleIpn(txnRef: string, params: VnpParams): void {
    const late = this.random() < (this.options.lateRate ?? 0);
    const duplicate = this.random() < (this.options.duplicateRate ?? 0);
    const first = late ? (this.options.lateDelayMs ?? 60_000) : (this.options.ipnDelayMs ?? 200);
    this.track(this.deliver(txnRef, params, first, late, false));
    if (duplicate) this.track(this.deliver(txnRef, params, first + 5, late, true));
  }

  private track(task: Promise<void>): void {
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
  }

  private async deliver(txnRef: string, params: VnpParams, delayMs: number, late: boolean, duplicate: boolean): Promise<void> {
    const delays = [delayMs, ...(this.options.retryDelaysMs ?? [1_000, 5_000, 15_000])];
    for (const [i, delay] of delays.entries()) {
      await this.sleep(delay);
      if (this.stopped) return;
      const delivery: IpnDelivery = { txnRef, attempt: i + 1, duplicate, late };
      try {
        const answer = await fetch(`${this.options.ipnUrl}?${signedQuery(params, this.options.secret)}`, { signal: AbortSignal.timeout(10_000) });
        const json = (await answer.json()) as { RspCode?: string };
        if (json.RspCode !== undefined) delivery.rspCode = json.RspCode;
      } catch (error) {
        delivery.error = error instanceof Error ? error.name : "error";
      }
      this.deliveries.push(delivery);
      if (delivery.rspCode === "00" || delivery.rspCode === "02") return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.set(timer, resolve);
    });
  }

  private send(res: ServerResponse, status: number, type: string, text: string): void {
    res.writeHead(status, { "content-type": type }).end(text);
  }
}

/** The signed query that fetches a day's file (what the merchant sends). */
export function statementQuery(tmnCode: string, day: string, secret: string): string {
  return signedQuery({ vnp_TmnCode: tmnCode, vnp_Day: day }, secret);
}

async function body(req: IncomingMessage): Promise<URLSearchParams> {
  let text = "";
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) break;
  }
  return new URLSearchParams(text);
}
