/**
 * Intake and reporting as real processes on the test kit's NATS and store: dossiers go in through
 * intake's REST API (payment and digitisation events, which no service produces yet, are published
 * on their streams as their contracts say), reporting folds the DOSSIER, PAYMENT and DIGITISATION
 * streams, and the report is read back. The stream
 * is shared with other test files, so every report here is scoped to one agency they do not use.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { newEnvelope, publishEvent, replayEvents } from "@onestop/bus";
import { subjectFor, type EventType } from "@onestop/contracts";
import { MongoClient } from "mongodb";
import { serviceAuthorization, startServiceProcess, testToken, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";

const env = testEnv();
const AGENCY = "000.05.31.H04"; // Ủy ban nhân dân phường Thọ Xương (commune, until 30/6/2025)
const Q3 = `period=2024-Q3&agency=${AGENCY}`;
let intake: ServiceProcess;
let reporting: ServiceProcess;
let nc: NatsConnection;

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Body = any;

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; type: string; body: Body }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(await serviceAuthorization()) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = response.headers.get("content-type") ?? "";
  const payload = type.includes("json") ? await response.json() : Buffer.from(await response.arrayBuffer());
  return { status: response.status, type, body: payload };
}

async function submit(procedureCode: string, channel: string, receivedAt: string, fees?: Array<{ code: string; amount: number }>): Promise<string> {
  const response = await call(intake.httpUrl, "POST", "/v1/dossiers", {
    procedureCode,
    agencyCode: AGENCY,
    channel,
    receivedAt,
    applicant: { idNumber: "024090001234", fullName: "Trần Thị Bình" },
    components: [{ typeCode: "TK", name: "Tờ khai" }],
    ...(fees ? { fees } : {}),
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.code as string;
}

async function record(code: string, events: Array<Record<string, unknown>>): Promise<void> {
  for (const [i, event] of events.entries()) {
    const response = await call(intake.httpUrl, "POST", `/v1/dossiers/${code}/events`, { eventId: `${code}-${i}`, ...event });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
}

/** Publishes an event of the payment or digitisation service on its stream (payment.<agency>.<event>, digitisation.<agency>.<event>). */
type SideStreamEvent = Extract<EventType, `vn.onestop.payment.${string}` | `vn.onestop.digitisation.${string}`>;
async function publishFor(type: SideStreamEvent, dossierCode: string, time: string, data: Record<string, unknown>): Promise<void> {
  const envelope = newEnvelope({ type, source: "urn:onestop:test", subject: dossierCode, time, data: { dossierCode, ...data } });
  await publishEvent(jetstream(nc), subjectFor(type, { agencyCode: AGENCY }), envelope);
}

/** Whether `actual` has every field of `expected` with the same value. */
function matches(actual: unknown, expected: unknown): boolean {
  if (typeof expected !== "object" || expected === null) return actual === expected;
  if (typeof actual !== "object" || actual === null) return false;
  return Object.entries(expected).every(([key, value]) => matches((actual as Record<string, unknown>)[key], value));
}

const report = (path: string) => call(reporting.httpUrl, "GET", path);

/** `pnpm rebuild` as the operator runs it (the script's command, without pnpm in between). */
let operatorToken: string;

function runRebuildCommand(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", "src/rebuild-cli.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, REPORTING_URL: url, REBUILD_POLL_MS: "100", ONESTOP_TOKEN: operatorToken },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  operatorToken = await testToken({ sub: "op-1", preferred_username: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24" });
  const common = { MONGO_URL: env.mongoUrl, GRPC_PORT: "0" };
  intake = await startServiceProcess("intake", { ...common, ...env.natsEnv("intake"), MONGO_DB: `${env.dbName}_intake` });
  reporting = await startServiceProcess("reporting", { ...common, ...env.natsEnv("reporting"), MONGO_DB: `${env.dbName}_reporting`, REPORTING_CONSUMER: `reporting_${env.prefix}` });
  nc = await connect(env.nats);
});

afterAll(async () => {
  await nc?.drain();
  expect(await reporting?.stop()).toBe(0);
  expect(await intake?.stop()).toBe(0);
});

describe("reporting service", () => {
  let early: string;
  let pendingOverdue: string;

  it("reports Q3/2024 of one commune from dossiers handled through intake", async () => {
    // Marital status certificate (1.004873, HO_TICH, 3 working days); residence (1.004194, CU_TRU, 3 working days).
    early = await submit("1.004873", "ONLINE", "2024-07-08T10:00:00+07:00"); // due Thu 11/7
    await record(early, [
      { type: "RESOLVED", at: "2024-07-10T14:00:00+07:00", outcome: "APPROVED" }, // early
      { type: "RESULT_RETURNED", at: "2024-07-10T15:00:00+07:00", channel: "ONLINE", electronic: true },
    ]);
    const late = await submit("1.004873", "IN_PERSON", "2024-07-08T09:00:00+07:00"); // due Thu 11/7
    await record(late, [
      { type: "RESOLVED", at: "2024-07-12T09:00:00+07:00", outcome: "APPROVED" }, // overdue
      { type: "RESULT_RETURNED", at: "2024-07-15T09:00:00+07:00", channel: "POSTAL", electronic: false },
    ]);
    const supplemented = await submit("1.004873", "ONLINE", "2024-07-08T10:00:00+07:00");
    await record(supplemented, [
      { type: "SUPPLEMENT_REQUESTED", at: "2024-07-09T09:00:00+07:00", reason: "Thiếu giấy tờ" },
      // The legal clock restarts Fri 12/7: Mon 15, Tue 16, Wed 17 -> due 17/7; resolved 16/7 is early for the form.
      // The indicator takes 3 d 5 h off 16/7 10:00: Sat 13/7 05:00, after the receipt's 11/7 -> overdue.
      { type: "SUPPLEMENT_RECEIVED", at: "2024-07-12T14:00:00+07:00" },
      { type: "RESOLVED", at: "2024-07-16T10:00:00+07:00", outcome: "APPROVED" },
    ]);
    pendingOverdue = await submit("1.004194", "ONLINE", "2024-09-23T09:00:00+07:00"); // due Thu 26/9, still open on 30/9
    const withdrawn = await submit("1.004194", "IN_PERSON", "2024-07-15T09:00:00+07:00");
    await record(withdrawn, [{ type: "WITHDRAWN", at: "2024-07-16T09:00:00+07:00" }]);
    // Received Thu 27/6 (Fri 28/6, Mon 1/7, Tue 2/7 -> due 2/7), open on 1/7: carried over, resolved early on 1/7.
    const carried = await submit("1.004873", "ONLINE", "2024-06-27T09:00:00+07:00");
    await record(carried, [{ type: "RESOLVED", at: "2024-07-01T10:00:00+07:00", outcome: "APPROVED" }]);

    // Intake relays its outbox asynchronously: wait until the report shows every event.
    const expected = {
      received: { total: 6, online: 3, carriedOver: 1, inPerson: 2, postal: 0 },
      resolved: { total: 4, onTimeOrEarly: 3, early: 3, onTime: 0, overdue: 1 },
      pending: { total: 1, notYetDue: 0, overdue: 1 },
      supplementRequested: 1,
      returned: { total: 1, withdrawn: 1 },
      resultsByPost: 1,
    };
    const { body } = await waitFor(
      async () => {
        const response = await report(`/v1/reports/tthc?${Q3}`);
        return matches(response.body.totals, expected) && response;
      },
      { timeoutMs: 20_000, description: "the Q3 report with every event" },
    );
    expect(body.asOf).toMatch(/\+07:00$/);
    expect(typeof body.lagEvents).toBe("number");
    expect(body.period).toEqual({ from: "2024-07-01", to: "2024-09-30" });
    expect(body.totals).toMatchObject(expected);
    expect(body.rows.map((row: { sectorName: string }) => row.sectorName)).toEqual(["Hộ tịch", "Đăng ký, quản lý cư trú"]);
    expect(body.checks.every((check: { holds: boolean }) => check.holds)).toBe(true);

    const indicators = await report(`/v1/reports/indicators-766?from=2024-07-01&to=2024-09-30&agency=${AGENCY}`);
    const progress = indicators.body.items.find((item: { code: string }) => item.code === "progress");
    // Indicator verdicts: early, overdue, overdue (supplement time subtracted), early -> 2/4 = 50% of 20 points.
    expect(progress).toMatchObject({ measure: { numerator: 2, denominator: 4 }, points: 10 });

    const quarterly = await report(`/v1/reports/quarterly?year=2024&quarter=3&agency=${AGENCY}&level=COMMUNE`);
    expect(quarterly.status).toBe(200);
    // Legal verdicts: 3 of 4 on time or early.
    expect(quarterly.body.byLevel[0]).toMatchObject({ level: "COMMUNE", items: { onTime: { numerator: 3, denominator: 4 } } });
  });

  it("counts a dossier once when its events are delivered twice", async () => {
    const js = jetstream(nc);
    const originals = [];
    for await (const replayed of replayEvents(js, "DOSSIER")) if (replayed.event.subject === early) originals.push(replayed);
    expect(originals.map((o) => o.event.type.split(".")[3])).toEqual(["received", "resolved", "result_returned"]);
    // No Nats-Msg-Id: the stream keeps each copy, and the consumer gets every event a second time.
    for (const { subject, event } of originals) await js.publish(subject, JSON.stringify(event));
    const { body } = await waitFor(
      async () => {
        const response = await report(`/v1/reports/tthc?${Q3}`);
        return response.body.lagEvents === 0 && response;
      },
      { timeoutMs: 20_000, description: "the copies consumed" },
    );
    expect(body.totals.received.total).toBe(6);
    expect(body.totals.resolved).toMatchObject({ total: 4, early: 3 });
  });

  it("renders the form as XLSX with Vietnamese headers, column numbers and a totals row", async () => {
    const response = await report(`/v1/reports/tthc?${Q3}&format=xlsx`);
    expect(response.status).toBe(200);
    expect(response.type).toContain("spreadsheetml");
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(response.body);
    const sheet = book.getWorksheet("Thống kê TTHC")!;
    expect(sheet.getCell("A1").value).toBe("THỐNG KÊ KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH");
    expect(sheet.getCell("A2").value).toContain("từ ngày 1/7/2024 đến ngày 30/9/2024");
    expect(sheet.getCell("C5").value).toBe("Số hồ sơ nhận giải quyết");
    expect(sheet.getCell("E7").value).toBe("Số kỳ trước chuyển qua");
    expect([1, 8, 16].map((c) => sheet.getRow(8).getCell(c).value)).toEqual(["(1)", "(8)", "(16)"]);
    const totals = sheet.getRow(11); // rows 9 and 10 are the two sectors
    expect(totals.getCell(2).value).toBe("Tổng cộng");
    expect([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16].map((c) => totals.getCell(c).value)).toEqual([6, 3, 1, 2, 0, 4, 3, 1, 1, 0, 1, 1, 1, 1]);
    expect(totals.getCell(3).numFmt).toBe('[>=1000000]#"."###"."###;[>=1000]#"."###;0');
    const checks = book.getWorksheet("Kiểm tra")!;
    expect(checks.getCell("C2").value).toBe("Đạt");

    const indicators = await report(`/v1/reports/indicators-766?period=2024-Q3&agency=${AGENCY}&format=xlsx`);
    const indicatorBook = new ExcelJS.Workbook();
    await indicatorBook.xlsx.load(indicators.body);
    const row = indicatorBook.getWorksheet("Bộ chỉ số 766")!.getRow(6); // first item: progress
    expect([row.getCell(5).value, row.getCell(6).value, row.getCell(7).value, row.getCell(8).value]).toEqual([2, 4, "50%", "10"]);

    const quarterly = await report(`/v1/reports/quarterly?year=2024&quarter=3&agency=${AGENCY}&level=COMMUNE&format=xlsx`);
    const quarterlyBook = new ExcelJS.Workbook();
    await quarterlyBook.xlsx.load(quarterly.body);
    const onTime = quarterlyBook.getWorksheet("Biểu mẫu 3")!.getRow(6); // first item of the commune level
    expect([onTime.getCell(1).value, onTime.getCell(3).value, onTime.getCell(4).value, onTime.getCell(5).value]).toEqual(["Cấp xã", 3, 4, "75%"]);
  });

  it("answers 400 problem+json naming every bad parameter", async () => {
    const bad = await report("/v1/reports/tthc?from=2024-02-30&level=TOWN&sector=ho tich&colour=red");
    expect(bad.status).toBe(400);
    expect(bad.type).toContain("application/problem+json");
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["colour", "from", "level", "sector", "to"]);
    const both = await report("/v1/reports/tthc?period=2024-Q3&from=2024-07-01&to=2024-09-30");
    expect(both.body.errors.map((e: { path: string }) => e.path)).toEqual(["period"]);
    const quarterly = await report("/v1/reports/quarterly?year=24&quarter=5");
    expect(quarterly.body.errors.map((e: { path: string }) => e.path)).toEqual(["year", "quarter"]);
    const indicators = await report("/v1/reports/indicators-766?from=2024-09-30&to=2024-07-01&level=COMMUNE");
    expect(indicators.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["level", "to"]);
  });

  it("freezes a published quarter once, and shows a late event as a restatement of it", async () => {
    const frozen = await call(reporting.httpUrl, "POST", `/v1/reports/tthc/freeze?${Q3}`);
    expect(frozen.status).toBe(201);
    expect(frozen.body.totals.pending).toEqual({ total: 1, notYetDue: 0, overdue: 1 });
    const again = await call(reporting.httpUrl, "POST", `/v1/reports/tthc/freeze?${Q3}`);
    expect(again.status).toBe(409);
    expect(again.body.frozenAt).toBe(frozen.body.frozenAt);

    // The decision of Fri 27/9 on the dossier due Thu 26/9 is recorded late: Q3 now has it resolved overdue.
    await record(pendingOverdue, [{ type: "RESOLVED", at: "2024-09-27T10:00:00+07:00", outcome: "APPROVED" }]);
    const { body } = await waitFor(
      async () => {
        const response = await report(`/v1/reports/tthc?${Q3}`);
        return response.body.totals.pending.total === 0 && response;
      },
      { timeoutMs: 20_000, description: "the late decision in Q3" },
    );
    expect(body.frozen.frozenAt).toBe(frozen.body.frozenAt);
    // CU_TRU and TOTAL: (8) and (10) one more, (11) and (13) one less.
    const moved = (row: string, resolved: number, overdue: number) => [
      { row, column: "(8)", frozen: resolved, current: resolved + 1 },
      { row, column: "(10)", frozen: overdue, current: overdue + 1 },
      { row, column: "(11)", frozen: 1, current: 0 },
      { row, column: "(13)", frozen: 1, current: 0 },
    ];
    expect(body.frozen.changes).toEqual([...moved("CU_TRU", 0, 0), ...moved("TOTAL", 4, 1)]);
  });

  let paidOnline: string;
  const Q4 = `year=2024&quarter=4&agency=${AGENCY}&level=COMMUNE`;
  const indicatorsQ4 = `/v1/reports/indicators-766?period=2024-Q4&agency=${AGENCY}`;
  const itemsByCode = (body: Body) => Object.fromEntries(body.items.map((item: { code: string }) => [item.code, item]));

  it("folds payment and digitisation events from their streams into the quarterly form and Decision 766", async () => {
    // Residence (1.004194), online Mon 7/10/2024 with an 8.000 đ fee: due Thu 10/10, resolved Wed 9/10.
    paidOnline = await submit("1.004194", "ONLINE", "2024-10-07T09:00:00+07:00", [{ code: "LP", amount: 8000 }]);
    await record(paidOnline, [{ type: "RESOLVED", at: "2024-10-09T10:00:00+07:00", outcome: "APPROVED" }]);
    await publishFor("vn.onestop.digitisation.document_reused.v1", paidOnline, "2024-10-07T09:05:00+07:00", {
      componentTypeCode: "CCCD",
      source: "REUSE_SOURCE_POPULATION_DATABASE",
      documentId: "CSDLQGDC-024090001234",
      reusedAt: "2024-10-07T09:05:00+07:00",
    });
    await publishFor("vn.onestop.digitisation.component_digitised.v1", paidOnline, "2024-10-07T09:10:00+07:00", { componentTypeCode: "TK", digitisedAt: "2024-10-07T09:10:00+07:00" });
    await publishFor("vn.onestop.payment.succeeded.v1", paidOnline, "2024-10-07T09:30:00+07:00", {
      paymentId: `PAY-${paidOnline}`,
      channel: "PAYMENT_CHANNEL_NATIONAL_PLATFORM",
      amount: "8000",
      paidAt: "2024-10-07T09:30:00+07:00",
    });
    await publishFor("vn.onestop.digitisation.result_issued.v1", paidOnline, "2024-10-09T11:00:00+07:00", {
      resultNumber: "024090001234.XNCT",
      resultTypeCode: "XNCT",
      issuedAt: "2024-10-09T11:00:00+07:00",
    });

    // The Q4 dossier owes a fee and paid it online: 1/1.
    const quarterly = await waitFor(
      async () => {
        const response = await report(`/v1/reports/quarterly?${Q4}`);
        return response.body.byLevel?.[0]?.items.onlinePayment.numerator === 1 && response;
      },
      { timeoutMs: 20_000, description: "the online payment in Q4" },
    );
    expect(quarterly.body.byLevel[0].items.onlinePayment).toEqual({ numerator: 1, denominator: 1, rate: 1 });
    const items = await waitFor(
      async () => {
        const found = itemsByCode((await report(indicatorsQ4)).body);
        return found.digitisedWithEResult.measure.numerator === 1 && found.dataReuse.measure.numerator === 1 && found;
      },
      { timeoutMs: 20_000, description: "the digitisation items in Q4" },
    );
    expect(items.dossiersPaidOnline).toMatchObject({ status: "COMPUTED", measure: { numerator: 1, denominator: 1 }, points: 6 });
    // Issued electronically by the digitisation service, never "returned" through intake: still an electronic result.
    expect(items.electronicResults).toMatchObject({ measure: { numerator: 1, denominator: 1 }, points: 6 });
    expect(items.digitisedWithEResult).toMatchObject({ status: "COMPUTED", measure: { numerator: 1, denominator: 1 }, points: 4 });
    expect(items.dataReuse).toMatchObject({ status: "COMPUTED", measure: { numerator: 1, denominator: 1 }, points: 2 });
    // The XLSX forms show the same: the quarterly form's fifth commune row, the 766 items' rows.
    const quarterlyBook = new ExcelJS.Workbook();
    await quarterlyBook.xlsx.load((await report(`/v1/reports/quarterly?${Q4}&format=xlsx`)).body);
    const payment = quarterlyBook.getWorksheet("Biểu mẫu 3")!.getRow(10);
    expect([1, 2, 3, 4, 5].map((c) => payment.getCell(c).value)).toEqual(["Cấp xã", "Hồ sơ thanh toán trực tuyến / hồ sơ có phí, lệ phí khác 0", 1, 1, "100%"]);
    const indicatorBook = new ExcelJS.Workbook();
    await indicatorBook.xlsx.load((await report(`${indicatorsQ4}&format=xlsx`)).body);
    const rows: unknown[][] = [];
    indicatorBook.getWorksheet("Bộ chỉ số 766")!.eachRow((row) => rows.push([2, 5, 6, 7, 8].map((c) => row.getCell(c).value)));
    expect(rows).toContainEqual([items.dataReuse.name, 1, 1, "100%", "2"]);
    expect(rows).toContainEqual([items.digitisedWithEResult.name, 1, 1, "100%", "4"]);
    // Q3's dossiers have none of it, and the Q4 dossier is not in Q3.
    const q3 = itemsByCode((await report(`/v1/reports/indicators-766?period=2024-Q3&agency=${AGENCY}`)).body);
    expect(q3.dataReuse.measure).toEqual({ numerator: 0, denominator: 5, rate: 0 });
  });

  it("rebuilds a damaged projection from the stream, and keeps using the rebuilt one after a restart", async () => {
    const expected = { received: { total: 6 }, resolved: { total: 5, overdue: 2 }, pending: { total: 0 }, returned: { total: 1 } };
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const db = mongo.db(`${env.dbName}_reporting`);
      const damaged = await db.collection("dossier_facts").deleteMany({ agencyCode: AGENCY });
      expect(damaged.deletedCount).toBe(7); // Q3's 6 and the Q4 dossier paid online
      // The kept tallies are part of the read model: damaged too.
      await db.collection("dossier_facts_period_tallies").deleteMany({});
      expect((await report(`/v1/reports/tthc?${Q3}`)).body.totals.received.total).toBe(0);

      // The operator command: starts the rebuild through the API and follows it to the switch.
      const cli = await runRebuildCommand(reporting.httpUrl);
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stderr).toMatch(/\[#{30}\] 100% [\d.]+\/[\d.]+ events, done/);
      expect(cli.stdout).toMatch(/^rebuild \S+ switched to dossier_facts_v\d+ at /);
      const rebuilt = (await call(reporting.httpUrl, "GET", "/v1/admin/rebuild")).body;
      expect(rebuilt).toMatchObject({ state: "done", result: { skipped: 0 } });
      expect(rebuilt.result.collection).toMatch(/^dossier_facts_v\d+$/);
      expect(rebuilt.replayed).toBe(rebuilt.total);
      expect((await report(`/v1/reports/tthc?${Q3}`)).body.totals).toMatchObject(expected);
      expect(await db.collection("projection_meta").findOne({ _id: "dossier_facts" as never })).toMatchObject({ active: rebuilt.result.collection });
      // Replayed from the PAYMENT and DIGITISATION streams too.
      expect(Object.keys(rebuilt.result.lastSeqs).sort()).toEqual(["DIGITISATION", "DOSSIER", "PAYMENT"]);
      expect((await report(`/v1/reports/quarterly?${Q4}`)).body.byLevel[0].items.onlinePayment).toEqual({ numerator: 1, denominator: 1, rate: 1 });
      const items = itemsByCode((await report(indicatorsQ4)).body);
      expect([items.digitisedWithEResult.measure.numerator, items.dataReuse.measure.numerator]).toEqual([1, 1]);
    } finally {
      await mongo.close();
    }

    expect(await reporting.stop()).toBe(0);
    reporting = await startServiceProcess("reporting", {
      ...env.natsEnv("reporting"),
      MONGO_URL: env.mongoUrl,
      GRPC_PORT: "0",
      MONGO_DB: `${env.dbName}_reporting`,
      REPORTING_CONSUMER: `reporting_${env.prefix}`,
    });
    const after = await report(`/v1/reports/tthc?${Q3}`);
    expect(after.body.totals).toMatchObject(expected);
    expect(after.body.frozen.changes).toHaveLength(8); // the restatement survives too
  });
});
