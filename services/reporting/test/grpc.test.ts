/**
 * The reporting service's gRPC API, against the real process on the test kit's NATS and store:
 * dossier events are published on the DOSSIER stream as intake publishes them, and every RPC is
 * called over a grpc-js client and compared with the REST answer to the same query. The stream is
 * shared with other test files, so every report here is scoped to one agency they do not use.
 */
import { credentials, status, type ServiceError } from "@grpc/grpc-js";
import { bearerInterceptor } from "@onestop/auth";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { newEnvelope, publishEvent } from "@onestop/bus";
import {
  agencyToken,
  Level,
  ReportingServiceClient,
  type GetIndicators766Response,
  type GetQuarterlyReportResponse,
  type GetTthcReportResponse,
  Timeliness,
  type TraceDelayedDossiersResponse,
} from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { serviceAuthorization, serviceToken, startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fieldErrorsOf } from "../src/adapters/grpc/server.js";
import type { EnvelopeInput } from "../src/domain/index.js";
import * as e from "./domain/events.js";

const env = testEnv();
const AGENCY = "000.00.35.H04"; // Ủy ban nhân dân huyện Lục Nam (district, until 30/6/2025)
const Q4 = { from: "2024-10-01", to: "2024-12-31" };
let reporting: ServiceProcess;
let client: ReportingServiceClient;
let nc: NatsConnection;

// biome-ignore lint/suspicious/noExplicitAny: REST bodies are compared field by field
type Body = any;

async function rest(path: string): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${reporting.httpUrl}${path}`, { headers: await serviceAuthorization() });
  return { status: response.status, body: await response.json() };
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

/** The answer of a call that must succeed. */
function answer<T>(invoke: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise((resolve, reject) => invoke((error, response) => (error ? reject(error) : resolve(response))));
}

/** The status of a call that must fail, with its field errors decoded from the trailing metadata. */
function failure<T>(invoke: (callback: Callback<T>) => unknown) {
  return new Promise<{ code: status; details: string; errors: Array<{ path: string; message: string }> }>((resolve, reject) =>
    invoke((error) =>
      error ? resolve({ code: error.code, details: error.details, errors: fieldErrorsOf(error.metadata).sort((a, b) => a.path.localeCompare(b.path)) }) : reject(new Error("the call succeeded")),
    ),
  );
}

/** Publishes events as intake's outbox relay does: one envelope each, on dossier.<agency>.<event>. */
async function publish(events: EnvelopeInput[]): Promise<void> {
  const js = jetstream(nc);
  for (const event of events) {
    const envelope = newEnvelope({ type: event.type, source: `urn:onestop:agency:${AGENCY}`, subject: event.subject, time: event.time, data: event.data });
    await publishEvent(js, `dossier.${agencyToken(AGENCY)}.${event.type.split(".")[3]}`, envelope);
  }
}

/** Household business registration (1.001612, fully online, 3 working days) or land registration (1.012783, partly online, 7). */
function receipt(serial: number, kind: "business" | "land", channel: "ONLINE" | "IN_PERSON", receivedAt: string, dueDate: string) {
  const procedure = kind === "business" ? { procedureCode: "1.001612", sectorCode: "HO_KINH_DOANH", workingDays: 3 } : { procedureCode: "1.012783", sectorCode: "DAT_DAI", workingDays: 7 };
  const code = `${AGENCY}-${receivedAt.slice(2, 10).replaceAll("-", "")}-${String(serial).padStart(4, "0")}`;
  return { code, event: e.received({ code, ...procedure, agencyCode: AGENCY, level: "DISTRICT", channel, receivedAt, dueDate }) };
}

/** The REST form's counts as the contract's row (onTimeOrEarly and the split of (15) are REST only). */
function restRow(counts: Body) {
  return {
    received: counts.received,
    resolved: { total: counts.resolved.total, early: counts.resolved.early, onTime: counts.resolved.onTime, overdue: counts.resolved.overdue },
    pending: { total: counts.pending.total, notDue: counts.pending.notYetDue, overdue: counts.pending.overdue },
    supplementRequested: counts.supplementRequested,
    returned: counts.returned.total,
    resultsByPost: counts.resultsByPost,
  };
}

/** A REST ratio (a fraction, null without denominator) as the contract's (a percent, absent without denominator). */
const restRatio = ({ numerator, denominator, rate }: Body) => (rate === null ? { numerator, denominator } : { numerator, denominator, percent: rate * 100 });

beforeAll(async () => {
  const grpcPort = await freePort();
  reporting = await startServiceProcess("reporting", {
    ...env.natsEnv("reporting"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: `${env.dbName}_reporting`,
    REPORTING_CONSUMER: `reporting_${env.prefix}`,
    GRPC_PORT: String(grpcPort),
  });
  const token = await serviceToken();
  client = new ReportingServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure(), { interceptors: [bearerInterceptor(() => token)] });
  nc = await connect(env.nats);

  // Q4/2024 at the district. Working days counted from the day after the receipt; no holiday in the quarter.
  const early = receipt(1, "business", "ONLINE", "2024-10-07T09:00:00+07:00", "2024-10-10");
  const late = receipt(2, "business", "IN_PERSON", "2024-10-07T10:00:00+07:00", "2024-10-10");
  const onTime = receipt(3, "land", "IN_PERSON", "2024-10-01T09:00:00+07:00", "2024-10-10");
  const pendingOverdue = receipt(4, "land", "ONLINE", "2024-12-16T09:00:00+07:00", "2024-12-25");
  const withdrawn = receipt(5, "business", "ONLINE", "2024-10-21T09:00:00+07:00", "2024-10-24");
  const supplement = receipt(6, "business", "ONLINE", "2024-11-04T09:00:00+07:00", "2024-11-07");
  const carried = receipt(7, "business", "IN_PERSON", "2024-09-27T09:00:00+07:00", "2024-10-02"); // open on 1/10
  await publish([
    early.event,
    e.resolved(early.code, "2024-10-09T10:00:00+07:00"),
    e.resultReturned(early.code, "2024-10-09T15:00:00+07:00", "ONLINE", true),
    late.event,
    e.resolved(late.code, "2024-10-14T09:00:00+07:00"),
    e.resultReturned(late.code, "2024-10-15T09:00:00+07:00", "POSTAL", false),
    onTime.event,
    e.resolved(onTime.code, "2024-10-10T15:00:00+07:00"),
    pendingOverdue.event,
    withdrawn.event,
    e.withdrawn(withdrawn.code, "2024-10-22T09:00:00+07:00"),
    supplement.event,
    e.supplementRequested(supplement.code, "2024-11-05T09:00:00+07:00"), // clock stopped: not yet due on 31/12
    carried.event,
    e.resolved(carried.code, "2024-10-01T10:00:00+07:00"),
  ]);
  // Wait until every event is folded: the form's cells and the one electronic result.
  await waitFor(
    async () => {
      const form = (await rest(`/v1/reports/tthc?period=2024-Q4&agency=${AGENCY}`)).body;
      const indicators = (await rest(`/v1/reports/indicators-766?period=2024-Q4&agency=${AGENCY}`)).body;
      const electronic = indicators.items.find((item: Body) => item.code === "electronicResults");
      const { received, resolved, pending, resultsByPost, supplementRequested } = form.totals;
      // 7 receipts, 4 decisions, 2 pending (the withdrawal folded), the postal and the electronic result, the supplement request.
      return received.total === 7 && resolved.total === 4 && pending.total === 2 && resultsByPost === 1 && supplementRequested === 1 && electronic.measure.numerator === 1;
    },
    { timeoutMs: 20_000, description: "every published event in the Q4 reports" },
  );
});

afterAll(async () => {
  client?.close();
  await nc?.drain();
  expect(await reporting?.stop()).toBe(0);
  expect(reporting.output()).toContain('"msg":"gRPC listening"');
});

describe("GetTthcReport", () => {
  it("answers the statistics form of a quarter with the REST answer's numbers", async () => {
    const grpc = await answer<GetTthcReportResponse>((cb) => client.getTthcReport({ period: "2024-Q4", agencyCode: AGENCY, from: "", to: "", level: Level.LEVEL_UNSPECIFIED, sectorCode: "" }, cb));
    const { body } = await rest(`/v1/reports/tthc?period=2024-Q4&agency=${AGENCY}`);

    expect(grpc.period).toEqual(Q4);
    expect(grpc.total).toEqual({
      sector: undefined,
      received: { total: 7, online: 4, carriedOver: 1, inPerson: 2, postal: 0 },
      resolved: { total: 4, early: 2, onTime: 1, overdue: 1 },
      pending: { total: 2, notDue: 1, overdue: 1 },
      supplementRequested: 1,
      returned: 1,
      resultsByPost: 1,
    });
    expect(grpc.total).toEqual({ sector: undefined, ...restRow(body.totals) });
    expect(grpc.rows.map((row) => row.sector?.code)).toEqual(["HO_KINH_DOANH", "DAT_DAI"]);
    expect(grpc.rows).toEqual(body.rows.map((row: Body) => ({ sector: { code: row.sectorCode, name: row.sectorName }, ...restRow(row) })));
    expect(grpc.checks.map((check) => [check.code, check.holds])).toEqual(body.checks.map((check: Body) => [check.rule, check.holds]));
    expect(grpc.checks.every((check) => check.holds && check.violations.length === 0)).toBe(true);
    expect(grpc.asOf).toMatch(/\+07:00$/);
    expect(grpc.lagEvents).toBeGreaterThanOrEqual(0);
  });

  it("takes from/to and the level and sector filters like the REST query", async () => {
    const grpc = await answer<GetTthcReportResponse>((cb) =>
      client.getTthcReport({ period: "", from: "2024-10-01", to: "2024-10-31", level: Level.LEVEL_DISTRICT, agencyCode: AGENCY, sectorCode: "DAT_DAI" }, cb),
    );
    const { body } = await rest(`/v1/reports/tthc?from=2024-10-01&to=2024-10-31&level=DISTRICT&agency=${AGENCY}&sector=DAT_DAI`);
    expect(grpc.period).toEqual({ from: "2024-10-01", to: "2024-10-31" });
    // October: the land dossier resolved on its due day; the pending one was received in December.
    expect(grpc.total).toMatchObject({ received: { total: 1, inPerson: 1 }, resolved: { total: 1, onTime: 1 } });
    expect(grpc.total).toEqual({ sector: undefined, ...restRow(body.totals) });
    expect(grpc.rows).toEqual(body.rows.map((row: Body) => ({ sector: { code: row.sectorCode, name: row.sectorName }, ...restRow(row) })));
  });
});

describe("GetQuarterlyReport", () => {
  it("answers the on-time rate per level and the online-service items of the REST answer", async () => {
    const grpc = await answer<GetQuarterlyReportResponse>((cb) => client.getQuarterlyReport({ year: 2024, quarter: 4, level: Level.LEVEL_UNSPECIFIED, agencyCode: AGENCY }, cb));
    const { body } = await rest(`/v1/reports/quarterly?year=2024&quarter=4&agency=${AGENCY}`);

    expect(grpc.period).toEqual(Q4);
    // Legal verdicts: early, overdue, on time, early (carried over).
    expect(grpc.onTimeByLevel).toEqual([
      { level: Level.LEVEL_PROVINCE, resolved: 0, onTime: 0, rate: { numerator: 0, denominator: 0 } },
      { level: Level.LEVEL_DISTRICT, resolved: 4, onTime: 3, rate: { numerator: 3, denominator: 4, percent: 75 } },
      { level: Level.LEVEL_COMMUNE, resolved: 0, onTime: 0, rate: { numerator: 0, denominator: 0 } },
    ]);
    expect(grpc.onTimeByLevel).toEqual(
      body.byLevel.map((entry: Body) => ({
        level: Level[`LEVEL_${entry.level as "PROVINCE" | "DISTRICT" | "COMMUNE"}`],
        resolved: entry.items.onTime.denominator,
        onTime: entry.items.onTime.numerator,
        rate: restRatio(entry.items.onTime),
      })),
    );
    // Received in the quarter: 3 of the 4 business dossiers online; 1 of the 2 land dossiers.
    expect(grpc.onlineServices).toMatchObject({ fullOnlineDossiers: { numerator: 3, denominator: 4 }, partialOnlineDossiers: { numerator: 1, denominator: 2, percent: 50 } });
    expect(grpc.onlineServices).toEqual({
      servicesWithOnlineDossiers: restRatio(body.total.servicesWithOnlineDossiers),
      fullOnlineDossiers: restRatio(body.total.onlineShareFullServices),
      partialOnlineDossiers: restRatio(body.total.onlineSharePartialServices),
    });
    expect(grpc.onlineServices!.servicesWithOnlineDossiers!.numerator).toBe(2);
    // Not available in the domain: absent, never zero.
    expect(body.total.feedback.available).toBe(false);
    expect(grpc.feedback).toBeUndefined();
    // No dossier here has a fee: nothing to divide by; the procedures' integration is not known.
    expect(body.total.onlinePayment).toEqual({ numerator: 0, denominator: 0, rate: null });
    expect(grpc.onlinePayment).toEqual({ dossiersPaidOnline: restRatio(body.total.onlinePayment) });
    expect(grpc.checks).toEqual([]);
    expect(grpc.asOf).toMatch(/\+07:00$/);
  });
});

describe("GetIndicators766", () => {
  it("answers the Decision 766 groups, items and total score of the REST answer", async () => {
    const grpc = await answer<GetIndicators766Response>((cb) => client.getIndicators766({ from: Q4.from, to: Q4.to, agencyCode: AGENCY }, cb));
    const { body } = await rest(`/v1/reports/indicators-766?from=${Q4.from}&to=${Q4.to}&agency=${AGENCY}`);

    expect(grpc.period).toEqual(Q4);
    // Progress 3/4 (indicator verdicts) of 20 points, online service 3/4 of 12, electronic results 1/4 of 6.
    expect(grpc.totalScore).toBe(15 + 9 + 1.5);
    expect(grpc.totalScore).toBe(body.computedPoints);
    expect(grpc.groups.map((group) => [group.code, group.maxPoints, group.score])).toEqual([
      ["transparency", 18, 0],
      ["progress", 20, 15],
      ["online-service", 12, 9],
      ["online-payment", 10, 0],
      ["digitisation", 22, 1.5],
      ["satisfaction", 18, 0],
    ]);
    const items = grpc.groups.flatMap((group) => group.items);
    expect(items).toHaveLength(body.items.length);
    for (const item of body.items) {
      const computed = item.status === "COMPUTED";
      expect(items.find((candidate) => candidate.code === item.code)).toEqual({
        code: item.code,
        name: item.name,
        maxPoints: item.maxPoints,
        targetPercent: item.target === null ? 0 : item.target * 100,
        rate: computed ? restRatio(item.measure) : undefined,
        // A computed item without a rate (nothing to divide by) scores 0.
        score: computed ? (item.points ?? 0) : 0,
        available: computed,
      });
    }
    expect(items.find((item) => item.code === "progress")).toMatchObject({ rate: { numerator: 3, denominator: 4, percent: 75 }, score: 15, available: true });
    // Partial in the domain (no complaint data): not counted in the total, so not available here.
    expect(body.items.find((item: Body) => item.code === "dossierSatisfaction").status).toBe("PARTIAL");
    expect(items.find((item) => item.code === "dossierSatisfaction")).toMatchObject({ available: false, score: 0, rate: undefined });
  });
});

describe("bad requests and what is not implemented", () => {
  it("answers INVALID_ARGUMENT naming each bad field, with the REST rules' messages", async () => {
    const badDate = await failure((cb) => client.getTthcReport({ period: "", from: "2024-02-30", to: "2024-03-31", level: 9 as Level, agencyCode: "Lục Nam", sectorCode: "" }, cb));
    expect(badDate.code).toBe(status.INVALID_ARGUMENT);
    expect(badDate.errors.map((error) => error.path)).toEqual(["agencyCode", "from", "level"]);
    expect(badDate.details).toBe("bad request field(s): from, level, agencyCode");
    const restBadDate = await rest("/v1/reports/tthc?from=2024-02-30&to=2024-03-31");
    expect(restBadDate.status).toBe(400);
    expect(badDate.errors.find((error) => error.path === "from")).toEqual(restBadDate.body.errors[0]);

    const both = await failure((cb) => client.getTthcReport({ period: "2024-Q3", from: "2024-07-01", to: "2024-09-30", level: Level.LEVEL_UNSPECIFIED, agencyCode: "", sectorCode: "" }, cb));
    expect(both).toMatchObject({ code: status.INVALID_ARGUMENT, errors: [{ path: "period", message: "give either period or from and to, not both" }] });

    const quarterly = await failure((cb) => client.getQuarterlyReport({ year: 24, quarter: 5, level: Level.LEVEL_UNSPECIFIED, agencyCode: "" }, cb));
    expect(quarterly.errors).toEqual([
      { path: "quarter", message: "must be 1, 2, 3 or 4" },
      { path: "year", message: "must be a year like 2024" },
    ]);

    // The request has no period: both ends are simply required.
    const indicators = await failure((cb) => client.getIndicators766({ from: "", to: "", agencyCode: "" }, cb));
    expect(indicators).toMatchObject({
      code: status.INVALID_ARGUMENT,
      errors: [
        { path: "from", message: "required" },
        { path: "to", message: "required" },
      ],
    });
  });

  it("traces the agency's delayed dossiers as REST lists them, and refuses from/to naming them", async () => {
    // Of the quarter's dossiers only number 4 is still open with its clock running: overdue since 25/12/2024.
    const overdue = `${AGENCY}-241216-0004`;
    await waitFor(async () => (await rest(`/v1/reports/delayed?agency=${AGENCY}`)).body.total === 1, { timeoutMs: 20_000, description: "the delayed read model" });
    const viaRest = await rest(`/v1/reports/delayed?agency=${AGENCY}`);
    expect(viaRest.body.dossiers.map((d: Body) => [d.dossierCode, d.status, d.agencyCode, d.state])).toEqual([[overdue, "OVERDUE", AGENCY, "PROCESSING"]]);
    const traced = await answer<TraceDelayedDossiersResponse>((cb) => client.traceDelayedDossiers({ from: "", to: "", agencyCode: AGENCY, sectorCode: "", pageSize: 10, pageToken: "" }, cb));
    expect(traced.dossiers).toHaveLength(1);
    expect(traced.dossiers[0]).toMatchObject({
      dossierCode: overdue,
      procedureCode: "1.012783",
      sectorCode: "DAT_DAI",
      agencyCode: AGENCY,
      receivedAt: "2024-12-16T09:00:00+07:00",
      dueAt: "2024-12-25T23:59:59.999+07:00",
      resolvedAt: "",
      overdueWorkingDays: viaRest.body.dossiers[0].overdueWorkingDays,
      lateAgencyCodes: [AGENCY],
      slices: [{ agencyCode: AGENCY, startedAt: "2024-12-16T09:00:00+07:00", finishedAt: "", timeliness: Timeliness.TIMELINESS_PENDING_OVERDUE }],
    });
    expect(traced.dossiers[0]!.overdueWorkingDays).toBeGreaterThan(250);
    expect(traced.nextPageToken).toBe("");

    const refused = await failure((cb) => client.traceDelayedDossiers({ from: Q4.from, to: Q4.to, agencyCode: AGENCY, sectorCode: "", pageSize: 10, pageToken: "" }, cb));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.errors.map((error) => error.path)).toEqual(["from", "to"]);
    const badAgency = await failure((cb) => client.traceDelayedDossiers({ from: "", to: "", agencyCode: "Sở Tư pháp", sectorCode: "", pageSize: 0, pageToken: "" }, cb));
    expect(badAgency.errors.map((error) => error.path)).toEqual(["agencyCode"]);
  });
});
