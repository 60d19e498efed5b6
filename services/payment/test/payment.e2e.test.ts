/**
 * The payment service as a real process on the test kit's NATS (as its own NATS user) and store,
 * with the gateway simulator on its own HTTP server: receipts published on DOSSIER as intake
 * publishes them, fees assessed, payments requested over REST, paid at the simulator's page, its
 * asynchronous IPNs (retried, duplicated, late) verified and applied once, tampered ones refused,
 * orders expiring, refunds, and the daily reconciliation finding planted mismatches.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { newEnvelope, publishEvent, type EventEnvelope } from "@onestop/bus";
import { formatInstant, localDateOf } from "@onestop/calendar";
import { STREAMS, subjectFor } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { formatVnpDate, secureHash, type VnpParams } from "@onestop/payment-gateway";
import { GatewaySimulator } from "@onestop/payment-gateway/sim";
import { serviceAuthorization, startServiceProcess, testEnv, testToken, uniqueName, waitFor, type ServiceProcess } from "@onestop/testkit";
import { factFromEnvelope } from "../../reporting/src/domain/event-input.js";

const env = testEnv();
const SECRET = "test-vnpay-secret-0123456789abcdef";
const TMN = "ONESTOP1";
const AGENCY = "000.00.03.H06"; // Sở Tư pháp tỉnh Bắc Ninh
const PREFIX = `PAY${env.prefix.slice(1, 7).toUpperCase()}`;
const TTL_SECONDS = 3;
const LOG = join(tmpdir(), `${uniqueName("payment")}.log`);
const STARTED_AT = formatInstant(Date.now());

let payment: ServiceProcess;
let sim: GatewaySimulator;
let nc: NatsConnection;
let jsm: JetStreamManager;
let port: number;
let serial = 0;
const now = () => formatInstant(Date.now());

// biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
type Body = any;
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${payment.httpUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(await serviceAuthorization()), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: response.headers.get("content-type")?.includes("json") ? await response.json() : await response.text() };
}

function paymentEnv(): Record<string, string> {
  return {
    ...env.natsEnv("payment"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: env.dbName,
    HTTP_PORT: String(port),
    GRPC_PORT: "0",
    PAYMENT_CONSUMER: `${env.prefix}-payment`,
    // The shared stream holds every other test file's receipts: start with this file's.
    PAYMENT_RECEIPTS_SINCE: STARTED_AT,
    VNPAY_TMN_CODE: TMN,
    VNPAY_HASH_SECRET: SECRET,
    VNPAY_PAYMENT_URL: sim.paymentPageUrl,
    VNPAY_MERCHANT_API_URL: sim.url,
    PAYMENT_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ORDER_TTL_SECONDS: String(TTL_SECONDS),
    EXPIRY_SWEEP_MS: "200",
    OUTBOX_SWEEP_MS: "500",
    LOG_LEVEL: "debug",
  };
}

/** A receipt as intake publishes it (vn.onestop.dossier.received.v1 on dossier.<agency>.received). */
function receipt(procedureCode: string, channel: "CHANNEL_ONLINE" | "CHANNEL_IN_PERSON", fees: Array<{ code: string; amount: number }>): EventEnvelope {
  const dossierCode = `${PREFIX}-${String(++serial).padStart(4, "0")}`;
  const receivedAt = now();
  return newEnvelope({
    type: "vn.onestop.dossier.received.v1",
    source: "urn:onestop:intake",
    subject: dossierCode,
    time: receivedAt,
    data: {
      dossierCode,
      procedureCode,
      sectorCode: "HO_TICH",
      agencyCode: AGENCY,
      receivingUnitCode: AGENCY,
      level: "LEVEL_PROVINCE",
      channel,
      receivedAt,
      dueAt: receivedAt,
      timeLimit: { amount: 7, unit: "TIME_UNIT_WORKING_DAYS" },
      fees,
      applicantRef: "ab".repeat(32),
    },
  });
}

async function publishReceipt(envelope: EventEnvelope): Promise<void> {
  await publishEvent(jetstream(nc), subjectFor("vn.onestop.dossier.received.v1", { agencyCode: AGENCY }), envelope);
}

/** Every event of the PAYMENT stream about a dossier (the envelope subject), in order. */
async function paymentEvents(dossierCode: string): Promise<EventEnvelope[]> {
  const info = await jsm.streams.info(STREAMS.PAYMENT.name);
  const events: EventEnvelope[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && seq > 0; seq++) {
    const message = await jsm.streams.getMessage(STREAMS.PAYMENT.name, { seq }).catch(() => null);
    if (!message) continue;
    const envelope = message.json<EventEnvelope>();
    if (envelope.subject === dossierCode) events.push(envelope);
  }
  return events;
}

async function assessed(envelope: EventEnvelope): Promise<Body> {
  const code = envelope.subject;
  await waitFor(async () => (await call("GET", `/v1/dossiers/${code}/fees`)).status === 200, { timeoutMs: 20_000, description: `fees of ${code}` });
  return (await call("GET", `/v1/dossiers/${code}/fees`)).body;
}

async function payable(fee = 20_000): Promise<string> {
  const envelope = receipt("1.004222", "CHANNEL_IN_PERSON", [{ code: "LP_DANG_KY_THUONG_TRU", amount: fee }]);
  await publishReceipt(envelope);
  await assessed(envelope);
  return envelope.subject;
}

async function requestOnline(dossierCode: string): Promise<{ paymentId: string; paymentUrl: string; txnRef: string }> {
  const response = await call("POST", "/v1/payments", { dossierCode, channel: "OTHER_GATEWAY" });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const paymentUrl = response.body.paymentUrl as string;
  return { paymentId: response.body.payment.paymentId, paymentUrl, txnRef: new URL(paymentUrl).searchParams.get("vnp_TxnRef")! };
}

async function statusOf(paymentId: string): Promise<Body> {
  return (await call("GET", `/v1/payments/${paymentId}`)).body.payment;
}

async function until(paymentId: string, status: string): Promise<Body> {
  await waitFor(async () => (await statusOf(paymentId)).status === status, { timeoutMs: 20_000, description: `payment ${paymentId} ${status}` });
  return statusOf(paymentId);
}

function signed(params: VnpParams): VnpParams {
  const { vnp_SecureHash: _drop, ...rest } = params;
  return { ...rest, vnp_SecureHash: secureHash(rest, SECRET) };
}

beforeAll(async () => {
  nc = await connect(env.nats);
  // Retries over half a minute: a restart on a loaded machine (the kill -9 test) still gets its IPN.
  jsm = await jetstreamManager(nc);
  port = await freePort();
  sim = await new GatewaySimulator({
    tmnCode: TMN,
    secret: SECRET,
    ipnUrl: `http://127.0.0.1:${port}/gateways/vnpay/ipn`,
    ipnDelayMs: 50,
    retryDelaysMs: [300, 600, 1_000, 2_000, 4_000, 8_000, 15_000],
  }).start();
  payment = await startServiceProcess("payment", paymentEnv(), { logFile: LOG });
});

afterAll(async () => {
  await payment?.stop();
  await sim?.stop();
  await nc?.close();
});

describe("fee assessment on receipt", () => {
  it("given an on-time birth registration received with the catalogue's lines, then one explicit zero line is assessed and announced once, however often the receipt is delivered", async () => {
    const envelope = receipt("1.001193", "CHANNEL_ONLINE", [
      { code: "LP_KHAI_SINH_DUNG_HAN", amount: 0 },
      { code: "LP_KHAI_SINH_QUA_HAN", amount: 4000 },
    ]);
    await publishReceipt(envelope);
    // The same event again under another Nats-Msg-Id: the stream stores it twice, the consumer sees it twice.
    await jetstream(nc).publish(subjectFor("vn.onestop.dossier.received.v1", { agencyCode: AGENCY }), JSON.stringify(envelope), { msgID: `${envelope.id}-again` });
    const fees = await assessed(envelope);
    expect(fees.lines).toEqual([
      { code: "LP_KHAI_SINH_DUNG_HAN", name: "Lệ phí đăng ký khai sinh đúng hạn", amount: 0, kind: "CHARGE", waiverReason: "Đăng ký khai sinh đúng hạn: miễn lệ phí (Luật Hộ tịch 2014, Điều 11)" },
    ]);
    expect(fees.total).toBe(0);
    await waitFor(async () => (await paymentEvents(envelope.subject)).length > 0, { timeoutMs: 10_000, description: "fees_assessed" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const events = await paymentEvents(envelope.subject);
    expect(events.map((e) => e.type)).toEqual(["vn.onestop.payment.fees_assessed.v1"]);
    expect(events[0]!.data).toMatchObject({ dossierCode: envelope.subject, total: 0, lines: [{ code: "LP_KHAI_SINH_DUNG_HAN", amount: 0, kind: "FEE_KIND_CHARGE" }] });
    // Reporting reads it as an all-zero assessment: the dossier leaves the "paid online" denominator.
    expect(factFromEnvelope(events[0]!)).toMatchObject({ kind: "FEES_ASSESSED", amounts: [0] });
    // Nothing to pay: a payment is refused with the rule.
    const refused = await call("POST", "/v1/payments", { dossierCode: envelope.subject, channel: "OTHER_GATEWAY" });
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe("NOTHING_TO_PAY");
  });

  it("given a late birth registration named by the one-stop system, filed online, then 4.000 đ (halved online)", async () => {
    const envelope = receipt("1.001193", "CHANNEL_ONLINE", [{ code: "LP_KHAI_SINH_QUA_HAN", amount: 4000 }]);
    await publishReceipt(envelope);
    expect((await assessed(envelope)).total).toBe(4000);
  });

  it("given permanent residence filed online, then 10.000 đ; in person, 20.000 đ", async () => {
    const online = receipt("1.004222", "CHANNEL_ONLINE", [{ code: "LP_DANG_KY_THUONG_TRU", amount: 10_000 }]);
    const desk = receipt("1.004222", "CHANNEL_IN_PERSON", [{ code: "LP_DANG_KY_THUONG_TRU", amount: 20_000 }]);
    await publishReceipt(online);
    await publishReceipt(desk);
    expect((await assessed(online)).total).toBe(10_000);
    expect((await assessed(desk)).total).toBe(20_000);
  });
});

describe("facts stated at the desk: the dossier assessed again", () => {
  const officer = async () => ({ authorization: `Bearer ${await testToken({ sub: "d1", preferred_username: "motcua.sotuphap", roles: ["desk_officer"], agency_code: AGENCY })}` });

  it("given a death registration received with both catalogue lines, then on time and free by default (the explicit zero line)", async () => {
    const envelope = receipt("1.000656", "CHANNEL_IN_PERSON", [
      { code: "LP_KHAI_TU_DUNG_HAN", amount: 0 },
      { code: "LP_KHAI_TU_QUA_HAN", amount: 8000 },
    ]);
    await publishReceipt(envelope);
    const fees = await assessed(envelope);
    expect(fees.lines.map((l: Body) => [l.code, l.amount])).toEqual([["LP_KHAI_TU_DUNG_HAN", 0]]);
    expect(fees.lines[0].waiverReason).toContain("Đăng ký khai tử đúng hạn");
  });

  it("given a birth registration filed online, when the officer states it is late, then 4.000 đ (the online reduction) is announced again and can be paid", async () => {
    const envelope = receipt("1.001193", "CHANNEL_ONLINE", [
      { code: "LP_KHAI_SINH_DUNG_HAN", amount: 0 },
      { code: "LP_KHAI_SINH_QUA_HAN", amount: 4000 },
    ]);
    await publishReceipt(envelope);
    expect((await assessed(envelope)).total).toBe(0);
    const late = await call("POST", `/v1/dossiers/${envelope.subject}/fees/reassessment`, { facts: { registrationOnTime: "false" } }, await officer());
    expect(late.status, JSON.stringify(late.body)).toBe(200);
    expect(late.body).toMatchObject({ total: 4000, lines: [{ code: "LP_KHAI_SINH_QUA_HAN", amount: 4000, waiverReason: "Giảm lệ phí khi nộp hồ sơ trực tuyến" }] });
    await waitFor(async () => (await paymentEvents(envelope.subject)).filter((e) => e.type === "vn.onestop.payment.fees_assessed.v1").length === 2, {
      timeoutMs: 10_000,
      description: "second assessment",
    });
    const [first, second] = (await paymentEvents(envelope.subject)).filter((e) => e.type === "vn.onestop.payment.fees_assessed.v1");
    expect(factFromEnvelope(first!)).toMatchObject({ kind: "FEES_ASSESSED", amounts: [0] });
    expect(factFromEnvelope(second!)).toMatchObject({ kind: "FEES_ASSESSED", amounts: [4000] });
    const order = await call("POST", "/v1/payments", { dossierCode: envelope.subject, channel: "OTHER_GATEWAY" });
    expect(order.status).toBe(201);
    expect(order.body.payment.amount).toBe(4000);
    // Once a payment is under way the assessment stays.
    const refused = await call("POST", `/v1/dossiers/${envelope.subject}/fees/reassessment`, { facts: { registrationOnTime: "true" } }, await officer());
    expect(refused.status).toBe(409);
    expect(refused.body.rule).toBe("PAYMENT_STARTED");
  });

  it("given an exempt applicant (poor household) at the desk, when the officer states it, then the line is kept at 0 đ with the reason and nothing can be charged", async () => {
    const dossierCode = await payable();
    const exempt = await call("POST", `/v1/dossiers/${dossierCode}/fees/reassessment`, { facts: { exemptApplicant: "true" } }, await officer());
    expect(exempt.body).toMatchObject({
      total: 0,
      appliedRules: ["ho-ngheo-nguoi-co-cong"],
      lines: [{ code: "LP_DANG_KY_THUONG_TRU", amount: 0, waiverReason: "Miễn phí, lệ phí cho người thuộc hộ nghèo, người có công với cách mạng, người khuyết tật" }],
    });
    expect((await call("POST", "/v1/payments", { dossierCode, channel: "DESK" })).body.rule).toBe("NOTHING_TO_PAY");
  });

  it("given a misspelt fact, a value other than true/false or another agency's officer, then 400 naming the field or 403, nothing changed", async () => {
    const dossierCode = await payable();
    const misspelt = await call("POST", `/v1/dossiers/${dossierCode}/fees/reassessment`, { facts: { exemptAplicant: "true" } }, await officer());
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.errors.map((e: Body) => e.path)).toEqual(["facts.exemptAplicant"]);
    const value = await call("POST", `/v1/dossiers/${dossierCode}/fees/reassessment`, { facts: { exemptApplicant: "yes" } }, await officer());
    expect(value.body.errors.map((e: Body) => e.path)).toEqual(["facts.exemptApplicant"]);
    const other = { authorization: `Bearer ${await testToken({ sub: "d2", roles: ["desk_officer"], agency_code: "000.00.09.H06" })}` };
    expect((await call("POST", `/v1/dossiers/${dossierCode}/fees/reassessment`, { facts: { exemptApplicant: "true" } }, other)).status).toBe(403);
    expect((await call("GET", `/v1/dossiers/${dossierCode}/fees`)).body.total).toBe(20_000);
  });
});

describe("online payment through the simulated VNPAY gateway", () => {
  it("given a payment paid at the gateway, then the IPN confirms it once: SUCCEEDED, the settlement deadline set, and the event reporting folds as PAID", async () => {
    const dossierCode = await payable();
    const { paymentId, paymentUrl, txnRef } = await requestOnline(dossierCode);
    const params = Object.fromEntries(new URL(paymentUrl).searchParams);
    expect(params).toMatchObject({ vnp_Version: "2.1.0", vnp_Command: "pay", vnp_TmnCode: TMN, vnp_Amount: "2000000", vnp_CurrCode: "VND", vnp_TxnRef: txnRef });
    expect(params.vnp_CreateDate).toBe(formatVnpDate(Date.parse((await statusOf(paymentId)).requestedAt)));
    expect((await statusOf(paymentId)).status).toBe("PENDING");
    const { redirect } = await sim.pay(paymentUrl, "success");
    expect(redirect.startsWith(`http://127.0.0.1:${port}/gateways/vnpay/return?`)).toBe(true);
    const paid = await until(paymentId, "SUCCEEDED");
    expect(paid.settlementDueAt).toBeDefined();
    expect(paid.settlementLate).toBe(false);
    const returned = await fetch(redirect);
    expect(await returned.text()).toContain("Thanh toán thành công");
    await sim.settled();
    await waitFor(async () => (await paymentEvents(dossierCode)).some((e) => e.type === "vn.onestop.payment.succeeded.v1"), { timeoutMs: 10_000, description: "succeeded event" });
    const succeeded = (await paymentEvents(dossierCode)).filter((e) => e.type === "vn.onestop.payment.succeeded.v1");
    expect(succeeded).toHaveLength(1);
    expect(factFromEnvelope(succeeded[0]!)).toMatchObject({ kind: "PAID", paymentId, channel: "OTHER_GATEWAY", amount: 20_000 });
  });

  it("given a declined card, then FAILED with the gateway's code and a Vietnamese reason", async () => {
    const { paymentId, paymentUrl } = await requestOnline(await payable());
    await sim.pay(paymentUrl, "declined");
    const failed = await until(paymentId, "FAILED");
    expect(failed).toMatchObject({ errorCode: "51", reason: "Tài khoản không đủ số dư" });
  });

  it("given the gateway sending every IPN twice and a replay afterwards, then the payment is confirmed once and the others answered 02", async () => {
    const duplicating = await new GatewaySimulator({ tmnCode: TMN, secret: SECRET, ipnUrl: `http://127.0.0.1:${port}/gateways/vnpay/ipn`, ipnDelayMs: 20, duplicateRate: 1 }).start();
    try {
      const dossierCode = await payable();
      const { paymentId, paymentUrl, txnRef } = await requestOnline(dossierCode);
      // The service's orders point at the main simulator's page; the duplicating one accepts the same signed URL.
      await duplicating.pay(paymentUrl.replace(sim.url, duplicating.url), "success");
      await duplicating.settled();
      expect(duplicating.deliveries.map((d) => d.rspCode).sort()).toEqual(["00", "02"]);
      expect(await duplicating.sendIpn(duplicating.ipnParams(txnRef))).toEqual({ RspCode: "02", Message: "Order already confirmed" });
      // Out of order: a failure for the same order after its success changes nothing.
      expect((await duplicating.sendIpn(signed({ ...duplicating.ipnParams(txnRef), vnp_ResponseCode: "24", vnp_TransactionStatus: "02" }))).RspCode).toBe("02");
      expect((await statusOf(paymentId)).status).toBe("SUCCEEDED");
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await paymentEvents(dossierCode)).filter((e) => e.type === "vn.onestop.payment.succeeded.v1")).toHaveLength(1);
      // Both simulators stand for the one gateway: its daily file lists this transaction too.
      const ipn = duplicating.ipnParams(txnRef);
      sim.plantExtra({ txnRef, transactionNo: ipn.vnp_TransactionNo!, amount: 20_000, paidAt: Date.now() });
    } finally {
      await duplicating.stop();
    }
  });

  it("given a tampered IPN (amount changed after signing), then 97 and nothing changes; a signed one of another amount, 04; an unknown order, 01", async () => {
    const { paymentId, paymentUrl, txnRef } = await requestOnline(await payable());
    const page = await fetch(paymentUrl);
    expect(page.status).toBe(200);
    const base: VnpParams = {
      vnp_TmnCode: TMN,
      vnp_Amount: "2000000",
      vnp_TxnRef: txnRef,
      vnp_ResponseCode: "00",
      vnp_TransactionStatus: "00",
      vnp_TransactionNo: "99000001",
      vnp_PayDate: formatVnpDate(Date.now()),
      vnp_BankCode: "NCB",
      vnp_BankTranNo: "VNP99000001",
    };
    const good = signed(base);
    expect(await sim.sendIpn({ ...good, vnp_Amount: "100" })).toEqual({ RspCode: "97", Message: "Invalid signature" });
    expect(await sim.sendIpn(signed({ ...base, vnp_Amount: "100" }))).toEqual({ RspCode: "04", Message: "Invalid amount" });
    expect((await sim.sendIpn(signed({ ...base, vnp_TxnRef: "0".repeat(32) }))).RspCode).toBe("01");
    expect((await statusOf(paymentId)).status).toBe("PENDING");
    // Logged and audited without the query: no bank reference, no card or bank, no signature.
    await waitFor(() => readFileSync(LOG, "utf8").includes('"outcome":"BAD_SIGNATURE"'), { timeoutMs: 5_000, description: "refusal logged" });
    const log = readFileSync(LOG, "utf8");
    expect(log).not.toContain("VNP99000001");
    expect(log).not.toContain(good.vnp_SecureHash);
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const audited = await mongo.db(env.dbName).collection("audit_log").find({ action: "payment.callback", outcome: "denied" }).toArray();
      expect(audited.map((record) => record.details)).toEqual(
        expect.arrayContaining([
          { outcome: "BAD_SIGNATURE", rspCode: "97" },
          { outcome: "WRONG_AMOUNT", rspCode: "04" },
          { outcome: "NOT_FOUND", rspCode: "01" },
        ]),
      );
      const text = JSON.stringify(audited);
      for (const secret of ["VNP99000001", "99000001", "NCB", good.vnp_SecureHash!]) expect(text).not.toContain(secret);
    } finally {
      await mongo.close();
    }
  });

  it("given an order nobody pays, then it expires, the failure is announced, and a payment made after the expiry is refused as late", async () => {
    const dossierCode = await payable();
    const { paymentId, paymentUrl, txnRef } = await requestOnline(dossierCode);
    await fetch(paymentUrl); // the applicant opens the page, then leaves it
    const expired = await until(paymentId, "EXPIRED");
    expect(expired.errorCode).toBe("EXPIRED");
    await waitFor(async () => (await paymentEvents(dossierCode)).some((e) => e.type === "vn.onestop.payment.failed.v1"), { timeoutMs: 10_000, description: "failed event" });
    expect((await paymentEvents(dossierCode)).find((e) => e.type === "vn.onestop.payment.failed.v1")!.data).toMatchObject({ paymentId, errorCode: "EXPIRED" });
    // The gateway's page refuses the expired order.
    expect((await fetch(paymentUrl)).status).toBe(400);
    // A success the gateway reports for it anyway (paid after the expiry): refused as late (02), logged, state unchanged.
    const late = signed({
      vnp_TmnCode: TMN,
      vnp_Amount: "2000000",
      vnp_TxnRef: txnRef,
      vnp_ResponseCode: "00",
      vnp_TransactionStatus: "00",
      vnp_TransactionNo: "99000002",
      vnp_PayDate: formatVnpDate(Date.now() + 60_000),
    });
    expect((await sim.sendIpn(late)).RspCode).toBe("02");
    expect((await statusOf(paymentId)).status).toBe("EXPIRED");
    await waitFor(() => readFileSync(LOG, "utf8").includes('"outcome":"LATE"'), { timeoutMs: 5_000, description: "late logged" });
    // The gateway's file lists that money: reconciliation will flag it (planted below).
    sim.plantExtra({ txnRef, transactionNo: "99000002", amount: 20_000, paidAt: Date.now() });
  }, 30_000);

  it("given a full refund of a succeeded payment, then REFUNDED and the refund announced; more is refused naming the rule", async () => {
    const dossierCode = await payable(20_000);
    const { paymentId, paymentUrl } = await requestOnline(dossierCode);
    await sim.pay(paymentUrl, "success");
    await until(paymentId, "SUCCEEDED");
    const refund = await call("POST", `/v1/payments/${paymentId}/refund`, { amount: 20_000, reason: "Hồ sơ bị từ chối, hoàn lệ phí" });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect(refund.body.payment).toMatchObject({ status: "REFUNDED", refundedAmount: 20_000 });
    expect((await call("POST", `/v1/payments/${paymentId}/refund`, { amount: 1, reason: "Thêm" })).body.rule).toBe("NOT_REFUNDABLE");
    await waitFor(async () => (await paymentEvents(dossierCode)).some((e) => e.type === "vn.onestop.payment.refunded.v1"), { timeoutMs: 10_000, description: "refunded event" });
    const refunded = (await paymentEvents(dossierCode)).find((e) => e.type === "vn.onestop.payment.refunded.v1")!;
    expect(factFromEnvelope(refunded)).toMatchObject({ kind: "REFUNDED", paymentId, amount: 20_000 });
  });

  it("given the service killed while the gateway pays, then the gateway's retries reach the restarted service and the payment is confirmed once", async () => {
    const dossierCode = await payable();
    const { paymentId, paymentUrl } = await requestOnline(dossierCode);
    await fetch(paymentUrl);
    await payment.stop("SIGKILL");
    const form = await fetch(`${sim.url}/paymentv2/pay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `txnRef=${new URL(paymentUrl).searchParams.get("vnp_TxnRef")}&outcome=success`,
      redirect: "manual",
    });
    expect(form.status).toBe(302);
    await new Promise((resolve) => setTimeout(resolve, 400)); // the first attempts meet a closed port
    payment = await startServiceProcess("payment", paymentEnv(), { logFile: LOG });
    await sim.settled();
    expect((await statusOf(paymentId)).status).toBe("SUCCEEDED");
    await waitFor(async () => (await paymentEvents(dossierCode)).some((e) => e.type === "vn.onestop.payment.succeeded.v1"), { timeoutMs: 10_000, description: "succeeded event" });
    expect((await paymentEvents(dossierCode)).filter((e) => e.type === "vn.onestop.payment.succeeded.v1")).toHaveLength(1);
    expect(sim.deliveries.filter((d) => d.error !== undefined).length).toBeGreaterThan(0);
  }, 60_000);
});

describe("daily reconciliation", () => {
  it("given the day's file with a payment missing, another of a different amount and money for an expired order, then one discrepancy event each and the unreconciled list shows them", async () => {
    const missing = await requestOnline(await payable());
    await sim.pay(missing.paymentUrl, "success");
    const differs = await requestOnline(await payable());
    await sim.pay(differs.paymentUrl, "success");
    await until(missing.paymentId, "SUCCEEDED");
    await until(differs.paymentId, "SUCCEEDED");
    sim.plantMissing(missing.txnRef);
    sim.plantAmount(differs.txnRef, 2_000);
    const day = localDateOf(Date.now());
    const operator = { authorization: `Bearer ${await testToken({ sub: "op1", preferred_username: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24" })}` };
    const result = await call("POST", "/v1/reconciliations", { day, agencyCode: AGENCY }, operator);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const kinds = (result.body.mismatches as Body[]).map((m) => `${m.kind}:${m.txnRef}`).sort();
    expect(kinds, JSON.stringify(result.body.mismatches)).toHaveLength(3);
    expect(kinds).toEqual(expect.arrayContaining([`MISSING_IN_STATEMENT:${missing.txnRef}`, `AMOUNT_DIFFERS:${differs.txnRef}`]));
    // The money the gateway took for the order that had expired (planted in the expiry test).
    expect((result.body.mismatches as Body[]).find((m) => m.kind === "MISSING_IN_RECORDS")).toMatchObject({
      statementAmount: 20_000,
      recordedAmount: 0,
      dossierCode: expect.stringMatching(new RegExp(`^${PREFIX}-`)),
    });
    expect(result.body.matchedCount).toBeGreaterThanOrEqual(1);
    const again = await call("POST", "/v1/reconciliations", { day, agencyCode: AGENCY }, operator);
    expect(again.body.reconciliationId).toBe(result.body.reconciliationId);
    const reconId = result.body.reconciliationId as string;
    await waitFor(async () => (await paymentEvents(reconId)).filter((e) => e.type === "vn.onestop.payment.discrepancy_found.v1").length === 3, { timeoutMs: 10_000, description: "3 discrepancies" });
    const events = await paymentEvents(reconId);
    expect(events.filter((e) => e.type === "vn.onestop.payment.reconciled.v1")).toHaveLength(1);
    expect(events.filter((e) => e.type === "vn.onestop.payment.discrepancy_found.v1")).toHaveLength(3);
    const unreconciled = await call("GET", "/v1/reconciliations/unreconciled", undefined, operator);
    expect(unreconciled.status).toBe(200);
    expect((unreconciled.body.payments as Body[]).map((p) => p.paymentId)).toEqual(expect.arrayContaining([missing.paymentId, differs.paymentId]));
    expect(unreconciled.body.mismatches).toHaveLength(3);
  }, 60_000);
});

describe("cash at the desk and bank transfer", () => {
  it("given cash taken at the desk, when the officer confirms it, then SUCCEEDED, announced with the desk channel (not online for reporting), settled by the month's end", async () => {
    const dossierCode = await payable();
    const officer = { authorization: `Bearer ${await testToken({ sub: "d1", preferred_username: "motcua.sotuphap", roles: ["desk_officer"], agency_code: AGENCY })}` };
    const requested = await call("POST", "/v1/payments", { dossierCode, channel: "DESK" }, officer);
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    expect(requested.body.paymentUrl).toBeUndefined();
    expect(requested.body.payment).toMatchObject({ status: "REQUESTED", channel: "DESK", amount: 20_000 });
    const { paymentId } = requested.body.payment;
    const confirmed = await call("POST", `/v1/payments/${paymentId}/confirmation`, { succeeded: true, at: "2025-10-01T10:00:00+07:00", reference: "BL-0001234" }, officer);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.payment).toMatchObject({ status: "SUCCEEDED", paidAt: "2025-10-01T10:00:00+07:00", gatewayTransactionId: "BL-0001234", settlementDueAt: "2025-10-31T23:59:59.999+07:00" });
    await waitFor(async () => (await paymentEvents(dossierCode)).some((e) => e.type === "vn.onestop.payment.succeeded.v1"), { timeoutMs: 10_000, description: "succeeded event" });
    const succeeded = (await paymentEvents(dossierCode)).find((e) => e.type === "vn.onestop.payment.succeeded.v1")!;
    expect(succeeded.data).toMatchObject({ channel: "PAYMENT_CHANNEL_DESK", amount: 20_000 });
    expect(factFromEnvelope(succeeded)).toMatchObject({ kind: "PAID", channel: "DESK", amount: 20_000 });
    // Confirmed once: a second confirmation is refused naming the rule.
    expect((await call("POST", `/v1/payments/${paymentId}/confirmation`, { succeeded: true, at: "2025-10-01T10:05:00+07:00", reference: "BL-0001235" }, officer)).body.rule).toBe("NOT_PAYABLE");
  });

  it("given a bank transfer that never arrived, when the officer records it, then FAILED with the reason; an online order cannot be confirmed by hand", async () => {
    const dossierCode = await payable();
    const requested = await call("POST", "/v1/payments", { dossierCode, channel: "BANK_TRANSFER" });
    expect(requested.body.payment).toMatchObject({ status: "REQUESTED", channel: "BANK_TRANSFER" });
    const refused = await call("POST", `/v1/payments/${requested.body.payment.paymentId}/confirmation`, {
      succeeded: false,
      at: "2025-10-03T15:00:00+07:00",
      reference: "SAO-KE-0310",
      reason: "Không thấy khoản chuyển trên sao kê",
    });
    expect(refused.body.payment).toMatchObject({ status: "FAILED", errorCode: "REFUSED", reason: "Không thấy khoản chuyển trên sao kê" });
    const online = await requestOnline(await payable());
    const byHand = await call("POST", `/v1/payments/${online.paymentId}/confirmation`, { succeeded: true, at: now(), reference: "X1" });
    expect(byHand.status).toBe(409);
    expect(byHand.body.rule).toBe("WRONG_CHANNEL");
  });
});

describe("money is whole đồng", () => {
  it("given a refund of 1,5 đ, a refund as text or a float amount on the wire, then 400 naming the field, nothing refunded", async () => {
    const { paymentId, paymentUrl } = await requestOnline(await payable());
    await sim.pay(paymentUrl, "success");
    await until(paymentId, "SUCCEEDED");
    for (const amount of [1.5, "20000", 20_000.0001, -1, 0]) {
      const answer = await call("POST", `/v1/payments/${paymentId}/refund`, { amount, reason: "Hoàn" });
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.body.errors.map((e: Body) => e.path)).toEqual(["amount"]);
    }
    expect(await statusOf(paymentId)).toMatchObject({ status: "SUCCEEDED", refundedAmount: 0 });
    // The gateway's vnp_Amount is đồng × 100: a callback whose amount is not whole đồng is a wrong amount, not rounded.
    const txnRef = new URL(paymentUrl).searchParams.get("vnp_TxnRef")!;
    expect((await sim.sendIpn(signed({ ...sim.ipnParams(txnRef), vnp_Amount: "2000050" }))).RspCode).toBe("04");
  });
});

describe("who may, and bad input", () => {
  it("given no token, then 401; a desk officer of another agency, 403; a field of the wrong kind, 400 naming it and nothing stored", async () => {
    const dossierCode = await payable();
    expect((await fetch(`${payment.httpUrl}/v1/payments?dossierCode=${dossierCode}`)).status).toBe(401);
    const other = { authorization: `Bearer ${await testToken({ sub: "d2", roles: ["desk_officer"], agency_code: "000.00.09.H06" })}` };
    expect((await call("POST", "/v1/payments", { dossierCode, channel: "OTHER_GATEWAY" }, other)).status).toBe(403);
    const bad = await call("POST", "/v1/payments", { dossierCode, channel: "CRYPTO", amount: 5 });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as Body[]).map((e) => e.path).sort()).toEqual(["(body)", "channel"].sort());
    const refund = await call("POST", "/v1/payments/not-an-id/refund", { amount: 1.5 });
    expect(refund.status).toBe(400);
    expect(refund.body.errors.map((e: Body) => e.path)).toEqual(["paymentId"]);
    expect((await call("GET", `/v1/payments?dossierCode=${dossierCode}`)).body.payments).toEqual([]);
  });
});
