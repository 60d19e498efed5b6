/**
 * PaymentService over gRPC (:50054 in production), against the real process on the test kit's NATS
 * and store with the gateway simulator: create a payment for a dossier (online, at the desk, by bank
 * transfer), read its state, confirm, refund, reconcile a day and list what is unreconciled; bad
 * input is INVALID_ARGUMENT naming the field, money whole đồng.
 */
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { bearerInterceptor } from "@onestop/auth";
import { newEnvelope, publishEvent } from "@onestop/bus";
import { formatInstant, localDateOf } from "@onestop/calendar";
import { Channel, FieldError, PaymentChannel, PaymentServiceClient, PaymentStatus, subjectFor, type GetPaymentResponse, type Payment } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { GatewaySimulator } from "@onestop/payment-gateway/sim";
import { serviceAuthorization, serviceToken, startServiceProcess, testEnv, testToken, waitFor, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_ERRORS_KEY } from "../src/adapters/grpc/service.js";

const env = testEnv();
const SECRET = "test-vnpay-secret-grpc-0123456789";
const TMN = "ONESTOP1";
const AGENCY = "000.00.03.H06"; // Sở Tư pháp tỉnh Bắc Ninh
const PREFIX = `PG${env.prefix.slice(1, 7).toUpperCase()}`;
const STARTED_AT = formatInstant(Date.now());

let payment: ServiceProcess;
let sim: GatewaySimulator;
let nc: NatsConnection;
let client: PaymentServiceClient;
let token = "";
let serial = 0;

type Callback<T> = (error: ServiceError | null, response: T) => void;
function answer<T>(invoke: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}
function failure<T>(invoke: (callback: Callback<T>) => unknown) {
  return new Promise<{ code: status; details: string; fields: string[] }>((resolve, reject) =>
    invoke((error) =>
      error
        ? resolve({ code: error.code, details: error.details, fields: error.metadata.get(FIELD_ERRORS_KEY).map((value) => FieldError.decode(value as Buffer).path) })
        : reject(new Error("the call succeeded")),
    ),
  );
}
/** Calls as someone else for one call. */
async function as<T>(claims: Record<string, unknown>, call: () => Promise<T>): Promise<T> {
  const saved = token;
  token = await testToken(claims);
  try {
    return await call();
  } finally {
    token = saved;
  }
}

/** A permanent residence registration (1.004222, 20.000 đ at the desk) received by the Department of Justice, as intake publishes it; resolves once assessed. */
async function receivedDossier(): Promise<string> {
  const dossierCode = `${PREFIX}-${String(++serial).padStart(4, "0")}`;
  const receivedAt = formatInstant(Date.now());
  const envelope = newEnvelope({
    type: "vn.onestop.dossier.received.v1",
    source: "urn:onestop:intake",
    subject: dossierCode,
    time: receivedAt,
    data: {
      dossierCode,
      procedureCode: "1.004222",
      sectorCode: "CU_TRU",
      agencyCode: AGENCY,
      receivingUnitCode: AGENCY,
      level: "LEVEL_PROVINCE",
      channel: "CHANNEL_IN_PERSON",
      receivedAt,
      dueAt: receivedAt,
      timeLimit: { amount: 7, unit: "TIME_UNIT_WORKING_DAYS" },
      fees: [{ code: "LP_DANG_KY_THUONG_TRU", amount: 20_000 }],
      applicantRef: "cd".repeat(32),
    },
  });
  await publishEvent(jetstream(nc), subjectFor("vn.onestop.dossier.received.v1", { agencyCode: AGENCY }), envelope);
  await waitFor(async () => (await fetch(`${payment.httpUrl}/v1/dossiers/${dossierCode}/fees`, { headers: await serviceAuthorization() })).status === 200, {
    timeoutMs: 20_000,
    description: `fees of ${dossierCode}`,
  });
  return dossierCode;
}

const request = (dossierCode: string, channel: PaymentChannel, idempotencyKey = `k-${dossierCode}-${channel}`) =>
  answer<{ payment?: { paymentId: string; status: PaymentStatus; amount: number; channel: PaymentChannel; expiresAt: string }; paymentUrl: string }>((cb) =>
    client.requestPayment({ dossierCode, channel, lines: [], requestedAt: "", idempotencyKey }, cb),
  );
const get = async (paymentId: string) => (await answer<GetPaymentResponse>((cb) => client.getPayment({ paymentId }, cb))).payment!;

beforeAll(async () => {
  nc = await connect(env.nats);
  const port = await freePort();
  const grpcPort = await freePort();
  sim = await new GatewaySimulator({ tmnCode: TMN, secret: SECRET, ipnUrl: `http://127.0.0.1:${port}/gateways/vnpay/ipn`, ipnDelayMs: 20 }).start();
  payment = await startServiceProcess("payment", {
    ...env.natsEnv("payment"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: env.dbName,
    HTTP_PORT: String(port),
    GRPC_PORT: String(grpcPort),
    PAYMENT_CONSUMER: `${env.prefix}-payment`,
    PAYMENT_RECEIPTS_SINCE: STARTED_AT,
    VNPAY_TMN_CODE: TMN,
    VNPAY_HASH_SECRET: SECRET,
    VNPAY_PAYMENT_URL: sim.paymentPageUrl,
    VNPAY_MERCHANT_API_URL: sim.url,
    PAYMENT_PUBLIC_URL: `http://127.0.0.1:${port}`,
    OUTBOX_SWEEP_MS: "500",
  });
  token = await serviceToken();
  client = new PaymentServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { interceptors: [bearerInterceptor(() => token)] });
});

afterAll(async () => {
  client?.close();
  await payment?.stop();
  await sim?.stop();
  await nc?.close();
});

describe("PaymentService over gRPC", () => {
  it("given no token, then UNAUTHENTICATED; a desk officer of another agency, PERMISSION_DENIED", async () => {
    const dossierCode = await receivedDossier();
    const anonymous = new PaymentServiceClient(client.getChannel().getTarget(), credentials.createInsecure());
    try {
      expect((await failure((cb) => anonymous.listPayments({ dossierCode, status: 0, pageSize: 0, pageToken: "" }, cb))).code).toBe(status.UNAUTHENTICATED);
    } finally {
      anonymous.close();
    }
    const other = await as({ sub: "d9", roles: ["desk_officer"], agency_code: "000.00.09.H06" }, () =>
      failure((cb) => client.requestPayment({ dossierCode, channel: PaymentChannel.PAYMENT_CHANNEL_DESK, lines: [], requestedAt: "", idempotencyKey: "x" }, cb)),
    );
    expect(other.code).toBe(status.PERMISSION_DENIED);
  });

  it("given the rules, when AssessFees is asked, then the lines as worked by hand: late birth registration online 4.000 đ, on time 0 đ with its explicit zero line", async () => {
    const late = await answer<{ lines: Array<{ code: string; amount: number }>; total: number }>((cb) =>
      client.assessFees({ dossierCode: "", procedureCode: "1.001193", channel: Channel.CHANNEL_ONLINE, at: "2025-10-06T09:00:00+07:00", facts: { registrationOnTime: "false" } }, cb),
    );
    expect(late.total).toBe(4000);
    expect(late.lines.map((l) => [l.code, l.amount])).toEqual([["LP_KHAI_SINH_QUA_HAN", 4000]]);
    const onTime = await answer<{ lines: Array<{ code: string; amount: number }>; total: number }>((cb) =>
      client.assessFees({ dossierCode: "", procedureCode: "1.001193", channel: Channel.CHANNEL_IN_PERSON, at: "2025-10-06T09:00:00+07:00", facts: { registrationOnTime: "true" } }, cb),
    );
    expect(onTime).toMatchObject({ total: 0, lines: [{ code: "LP_KHAI_SINH_DUNG_HAN", amount: 0 }] });
    const bad = await failure((cb) => client.assessFees({ dossierCode: "", procedureCode: "1.1", channel: Channel.CHANNEL_ONLINE, at: "hôm nay", facts: {} }, cb));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.fields).toEqual(["at"]);
  });

  it("given an online payment created over gRPC and paid at the gateway, then its state reads PENDING then SUCCEEDED, the same request twice is the same payment, and a partial refund keeps it SUCCEEDED", async () => {
    const dossierCode = await receivedDossier();
    const created = await request(dossierCode, PaymentChannel.PAYMENT_CHANNEL_OTHER_GATEWAY);
    expect(created.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_PENDING, amount: 20_000, channel: PaymentChannel.PAYMENT_CHANNEL_OTHER_GATEWAY });
    expect(created.payment!.expiresAt).not.toBe("");
    expect(new URL(created.paymentUrl).searchParams.get("vnp_Amount")).toBe("2000000");
    expect((await request(dossierCode, PaymentChannel.PAYMENT_CHANNEL_OTHER_GATEWAY)).payment!.paymentId).toBe(created.payment!.paymentId);
    const { paymentId } = created.payment!;
    await sim.pay(created.paymentUrl, "success");
    await waitFor(async () => (await get(paymentId)).status === PaymentStatus.PAYMENT_STATUS_SUCCEEDED, { timeoutMs: 20_000, description: "succeeded" });
    const paid = await get(paymentId);
    expect(paid.gatewayTransactionId).not.toBe("");
    expect(paid.settlementDueAt).not.toBe("");
    expect(paid.settlementLate).toBe(false);
    const listed = await answer<{ payments: Array<{ paymentId: string }> }>((cb) => client.listPayments({ dossierCode, status: 0, pageSize: 0, pageToken: "" }, cb));
    expect(listed.payments.map((p) => p.paymentId)).toEqual([paymentId]);

    const refunded = await answer<{ payment?: Payment }>((cb) => client.refundPayment({ paymentId, amount: 5000, refundedAt: "", reason: "Nộp thừa" }, cb));
    expect(refunded.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED, refundedAmount: 5000 });
    const tooMuch = await failure((cb) => client.refundPayment({ paymentId, amount: 15_001, refundedAt: "", reason: "Hoàn" }, cb));
    expect(tooMuch.code).toBe(status.FAILED_PRECONDITION);
    const zero = await failure((cb) => client.refundPayment({ paymentId, amount: 0, refundedAt: "", reason: "" }, cb));
    expect(zero.code).toBe(status.INVALID_ARGUMENT);
    expect(zero.fields).toEqual(["amount"]);
    const badId = await failure((cb) => client.getPayment({ paymentId: "abc" }, cb));
    expect(badId).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["paymentId"] });
    expect((await failure((cb) => client.getPayment({ paymentId: "01990000-0000-7000-8000-000000000000" }, cb))).code).toBe(status.NOT_FOUND);

    // Listed as unreconciled until the day's statement matches it; the gateway's transaction number finds it.
    const operator = { sub: "op1", preferred_username: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24" };
    const open = await as(operator, () => answer<{ payments: Array<{ paymentId: string }> }>((cb) => client.listUnreconciled({ agencyCode: AGENCY }, cb)));
    expect(open.payments.map((p) => p.paymentId)).toContain(paymentId);
    expect((await answer<{ payments: unknown[] }>((cb) => client.listUnreconciled({ agencyCode: "000.00.09.H06" }, cb))).payments).toEqual([]);
    const desk = await as({ sub: "d1", roles: ["desk_officer"], agency_code: AGENCY }, () => failure((cb) => client.listUnreconciled({ agencyCode: "" }, cb)));
    expect(desk.code).toBe(status.PERMISSION_DENIED);
    const day = localDateOf(Date.now());
    const reconciled = await as(operator, () =>
      answer<{ reconciliationId: string; matchedCount: number; matchedAmount: number; mismatches: unknown[] }>((cb) =>
        client.reconcile(
          {
            agencyCode: AGENCY,
            channel: PaymentChannel.PAYMENT_CHANNEL_OTHER_GATEWAY,
            period: { from: day, to: day },
            statement: [{ gatewayTransactionId: String(paid.gatewayTransactionId), amount: 20_000, paidAt: "" }],
            reconciledAt: "",
          },
          cb,
        ),
      ),
    );
    expect(reconciled).toMatchObject({ matchedCount: 1, matchedAmount: 20_000, mismatches: [] });
    expect((await get(paymentId)).reconciliationId).toBe(reconciled.reconciliationId);
    expect((await answer<{ payments: Array<{ paymentId: string }> }>((cb) => client.listUnreconciled({ agencyCode: "" }, cb))).payments.map((p) => p.paymentId)).not.toContain(paymentId);
    const badPeriod = await failure((cb) => client.reconcile({ agencyCode: AGENCY, channel: 0, period: { from: day, to: "2099-01-01" }, statement: [], reconciledAt: "" }, cb));
    expect(badPeriod).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ["period"] });
  }, 60_000);

  it("given cash at the desk, when the officer confirms it, then SUCCEEDED with the month's end as the budget deadline; a bank transfer, 8 working hours after it arrived", async () => {
    const officer = { sub: "d1", preferred_username: "motcua.sotuphap", roles: ["desk_officer"], agency_code: AGENCY };
    const cashDossier = await receivedDossier();
    const cash = await as(officer, () => request(cashDossier, PaymentChannel.PAYMENT_CHANNEL_DESK));
    expect(cash.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_REQUESTED, channel: PaymentChannel.PAYMENT_CHANNEL_DESK, expiresAt: "" });
    expect(cash.paymentUrl).toBe("");
    // Wednesday 1/10/2025 10:00: collected at the desk, settled monthly, by the end of October.
    const at = "2025-10-01T10:00:00+07:00";
    const confirmed = await as(officer, () =>
      answer<{ payment?: Payment }>((cb) => client.confirmPayment({ paymentId: cash.payment!.paymentId, succeeded: true, at, gatewayTransactionId: "BL-0001234", errorCode: "", reason: "" }, cb)),
    );
    expect(confirmed.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED, paidAt: at, gatewayTransactionId: "BL-0001234", settlementDueAt: "2025-10-31T23:59:59.999+07:00" });
    const again = await as(officer, () =>
      failure((cb) => client.confirmPayment({ paymentId: cash.payment!.paymentId, succeeded: true, at, gatewayTransactionId: "BL-0001234", errorCode: "", reason: "" }, cb)),
    );
    expect(again.code).toBe(status.FAILED_PRECONDITION);

    const transferDossier = await receivedDossier();
    const transfer = await as(officer, () => request(transferDossier, PaymentChannel.PAYMENT_CHANNEL_BANK_TRANSFER));
    expect(transfer.payment!.status).toBe(PaymentStatus.PAYMENT_STATUS_REQUESTED);
    // Friday 3/10/2025 15:00 on the bank statement; office hours 8-12 and 13-17: Friday 15-17 is 2 h,
    // Monday 6/10 8-12 is 4 h more, 13-15 the last 2 h: due Monday 6/10/2025 15:00.
    const arrived = "2025-10-03T15:00:00+07:00";
    const credited = await as(officer, () =>
      answer<{ payment?: Payment }>((cb) =>
        client.confirmPayment({ paymentId: transfer.payment!.paymentId, succeeded: true, at: arrived, gatewayTransactionId: "FT25276000001", errorCode: "", reason: "" }, cb),
      ),
    );
    expect(credited.payment).toMatchObject({ status: PaymentStatus.PAYMENT_STATUS_SUCCEEDED, channel: PaymentChannel.PAYMENT_CHANNEL_BANK_TRANSFER, settlementDueAt: "2025-10-06T15:00:00+07:00" });
    // Desk and transfer payments are not the gateway's: confirming an online one by hand is refused, and neither is listed for reconciliation.
    const unreconciled = await answer<{ payments: Array<{ paymentId: string }> }>((cb) => client.listUnreconciled({ agencyCode: "" }, cb));
    expect(unreconciled.payments.map((p) => p.paymentId)).not.toEqual(expect.arrayContaining([cash.payment!.paymentId]));
    const badConfirm = await as(officer, () =>
      failure((cb) => client.confirmPayment({ paymentId: transfer.payment!.paymentId, succeeded: true, at: "3/10/2025", gatewayTransactionId: "", errorCode: "", reason: "" }, cb)),
    );
    expect(badConfirm.code).toBe(status.INVALID_ARGUMENT);
    expect(badConfirm.fields).toEqual(["at"]);
  }, 60_000);
});
