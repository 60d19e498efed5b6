/**
 * Bad input never hurts (reporting): property-based fuzzing with fast-check of every public REST
 * endpoint (reports, freezing, rebuilds) and every gRPC method, against the real process. Random
 * and mutated query strings and path parameters, bodies nobody asked for, wrong content types,
 * callers of every role. Never a 5xx (gRPC: never INTERNAL or UNKNOWN); every 4xx is
 * problem+json; a 400 (INVALID_ARGUMENT) names its field(s).
 *
 * FUZZ_RUNS sets the requests per endpoint (default 10 000).
 */
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Level, ReportingServiceClient } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { serviceToken, startServiceProcess, testEnv, testToken, type ServiceProcess } from "@onestop/testkit";
import { answerViolation, authorization, contentType, fuzzConcurrently, junkBody, nastyNumber, nastyText, pathSegment, queryString, rawHttp } from "@onestop/testkit/fuzz";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fieldErrorsOf } from "../src/adapters/grpc/server.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const env = testEnv();
/** Not about the rate limit (rate-limit.test.ts is): the broken tokens sent would soon throttle the test's address. */
const UNTHROTTLED = { RATE_LIMIT_PER_MINUTE: "10000000", RATE_LIMIT_BURST: "1000000" };
let reporting: ServiceProcess;
let api: ReturnType<typeof rawHttp>;
let grpc: ReportingServiceClient;
let tokens: string[] = [];
const timings: string[] = [];

beforeAll(async () => {
  const grpcPort = await freePort();
  reporting = await startServiceProcess("reporting", {
    ...env.natsEnv("reporting"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: env.dbName,
    GRPC_PORT: String(grpcPort),
    REPORTING_CONSUMER: `fuzz_${env.prefix}`,
    LOG_LEVEL: "warn",
    ...UNTHROTTLED,
  });
  api = rawHttp(reporting.httpUrl, { sockets: 16 });
  grpc = new ReportingServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
  tokens = await Promise.all([
    serviceToken(),
    testToken({ sub: "fuzz.viewer", roles: ["reporting_viewer"], agency_code: "000.00.35.H04" }),
    testToken({ sub: "fuzz.province", roles: ["reporting_viewer"], unit_code: "24" }),
    testToken({ sub: "fuzz.desk", roles: ["desk_officer"], agency_code: "000.00.51.H06" }),
  ]);
}, 120_000);

afterAll(async () => {
  api?.close();
  grpc?.close();
  if (process.env.FUZZ_DEBUG) console.log(reporting?.output().slice(-4_000));
  expect(await reporting?.stop()).toBe(0);
  console.log(`reporting fuzz: ${timings.join("; ")}`);
});

async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>): Promise<void> {
  const started = performance.now();
  await fuzzConcurrently(arbitrary, check, RUNS, { concurrency: 16 });
  timings.push(`${name} ${RUNS} requests in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const day = fc.date({ min: new Date("2000-01-01"), max: new Date("2026-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const quarter = fc.tuple(fc.integer({ min: 2000, max: 2027 }), fc.integer({ min: 1, max: 4 })).map(([y, q]) => `${y}-Q${q}`);
const agency = fc.constantFrom("000.00.35.H04", "000.00.51.H06", "000.04.31.H04", "000.00.00.H24", "H06");
const PERIOD_PARAMS = {
  period: quarter,
  from: day,
  to: day,
  level: fc.constantFrom("PROVINCE", "DISTRICT", "COMMUNE"),
  agency,
  sector: fc.constantFrom("HO_TICH", "DAT_DAI", "ho_tich"),
  format: fc.constantFrom("json", "json", "json", "xlsx"),
};
const QUARTERLY_PARAMS = {
  year: fc.integer({ min: 1999, max: 2030 }).map(String),
  quarter: fc.integer({ min: 0, max: 5 }).map(String),
  level: PERIOD_PARAMS.level,
  agency,
  format: PERIOD_PARAMS.format,
};

const token = fc.integer({ min: 0, max: 3 }).map((i) => tokens[i]!);
/** A request: a caller (sometimes a broken one), a query, now and then a body nobody asked for. */
const restRequest = (params: Record<string, fc.Arbitrary<string>>) =>
  fc.record({
    auth: token.chain((t) => authorization(`Bearer ${t}`)),
    query: queryString(params),
    body: fc.option(junkBody(), { nil: undefined, freq: 8 }),
    type: contentType(),
  });

function check(sent: { method: string; path: string; headers: Record<string, string>; body?: string }) {
  return api.send(sent).then((response) => {
    // Unknown parameters are named by their own name: any path a 400 gives is the caller's field.
    const violation = answerViolation(response);
    if (violation) throw new Error(`${violation}\nrequest: ${JSON.stringify({ ...sent, headers: { ...sent.headers, authorization: "<token>" } }).slice(0, 2_000)}`);
  });
}

function headersOf(auth: string | undefined, type: string, body: string | undefined): Record<string, string> {
  return { ...(auth === undefined ? {} : { authorization: auth }), ...(body !== undefined && type !== "" ? { "content-type": type } : {}) };
}

describe("REST, fuzzed: never a 5xx, 4xx as problem+json, 400 naming fields", () => {
  for (const [method, path, params] of [
    ["GET", "/v1/reports/tthc", PERIOD_PARAMS],
    ["GET", "/v1/reports/quarterly", QUARTERLY_PARAMS],
    ["GET", "/v1/reports/indicators-766", PERIOD_PARAMS],
    ["POST", "/v1/reports/tthc/freeze", PERIOD_PARAMS],
  ] as const) {
    it(`${method} ${path}`, { timeout: 600_000 }, async () => {
      await fuzz(`${method} ${path}`, restRequest(params), ({ auth, query, body, type }) =>
        check({ method, path: `${path}?${query}`, headers: headersOf(auth, type, body), ...(body === undefined ? {} : { body }) }),
      );
    });
  }

  it("POST /v1/admin/rebuild", { timeout: 600_000 }, async () => {
    // Mostly callers who may not rebuild; the others start one, or are told one is running.
    const caller = fc
      .oneof({ weight: 1, arbitrary: fc.constant(tokens[0]!) }, { weight: 30, arbitrary: fc.constantFrom(tokens[1]!, tokens[2]!, tokens[3]!) })
      .chain((t) => authorization(`Bearer ${t}`));
    await fuzz(
      "POST /v1/admin/rebuild",
      fc.record({ auth: caller, query: queryString({ x: fc.string() }), body: fc.option(junkBody(), { nil: undefined }), type: contentType() }),
      ({ auth, query, body, type }) => check({ method: "POST", path: `/v1/admin/rebuild?${query}`, headers: headersOf(auth, type, body), ...(body === undefined ? {} : { body }) }),
    );
  });

  it("GET /v1/admin/rebuild/{id}", { timeout: 600_000 }, async () => {
    const id = pathSegment(fc.oneof(fc.uuid(), fc.constantFrom("latest", "0", "-1", '{"$gt":""}')));
    await fuzz("GET /v1/admin/rebuild/{id}", fc.record({ auth: token.chain((t) => authorization(`Bearer ${t}`)), id: fc.option(id, { nil: undefined, freq: 10 }) }), ({ auth, id: segment }) =>
      check({ method: "GET", path: segment === undefined ? "/v1/admin/rebuild" : `/v1/admin/rebuild/${segment}`, headers: headersOf(auth, "", undefined) }),
    );
  });
});

// ---- gRPC ---------------------------------------------------------------------------------------

type Callback = (error: ServiceError | null) => void;
const grpcText = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  { weight: 3, arbitrary: day },
  { weight: 2, arbitrary: quarter },
  { weight: 3, arbitrary: nastyText() },
  { weight: 2, arbitrary: agency },
);
const int32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: 0, max: 5 }),
  fc.integer({ min: 1999, max: 2030 }),
  nastyNumber().map((n) => Math.trunc(Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, n)))),
);
const level = fc.oneof(fc.constantFrom(Level.LEVEL_UNSPECIFIED, Level.LEVEL_PROVINCE, Level.LEVEL_DISTRICT, Level.LEVEL_COMMUNE), fc.integer({ min: -5, max: 100 }));
const grpcAuth = fc.oneof({ weight: 20, arbitrary: token.map((t) => `Bearer ${t}`) }, { weight: 1, arbitrary: fc.constantFrom(undefined, "", "Bearer x", "Basic YTpi") });

/** The call's outcome must be OK or a classified failure, an INVALID_ARGUMENT naming its fields. */
function grpcCheck(invoke: (metadata: Metadata, callback: Callback) => void, auth: string | undefined, request: unknown): Promise<void> {
  const metadata = new Metadata();
  if (auth !== undefined) metadata.set("authorization", auth);
  return new Promise<void>((resolve, reject) =>
    invoke(metadata, (error) => {
      const fail = (why: string) => reject(new Error(`${why}\nrequest: ${JSON.stringify(request).slice(0, 1_000)}`));
      if (!error) return resolve();
      if (error.code === status.INTERNAL || error.code === status.UNKNOWN) return fail(`${status[error.code]}: ${error.details}`);
      if (error.code === status.INVALID_ARGUMENT) {
        const errors = fieldErrorsOf(error.metadata);
        if (errors.length === 0 || errors.some((e) => !e.path)) return fail(`INVALID_ARGUMENT without field errors: ${error.details}`);
      }
      resolve();
    }),
  );
}

describe("gRPC, fuzzed: never INTERNAL or UNKNOWN, INVALID_ARGUMENT with field errors", () => {
  it("GetTthcReport", { timeout: 600_000 }, async () => {
    const request = fc.record({ from: grpcText, to: grpcText, period: grpcText, level, agencyCode: grpcText, sectorCode: fc.oneof(fc.constant(""), nastyText(), fc.constant("HO_TICH")) });
    await fuzz("gRPC GetTthcReport", fc.tuple(request, grpcAuth), ([r, auth]) => grpcCheck((m, cb) => grpc.getTthcReport(r, m, cb), auth, r));
  });

  it("GetQuarterlyReport", { timeout: 600_000 }, async () => {
    const request = fc.record({ year: int32, quarter: int32, level, agencyCode: grpcText });
    await fuzz("gRPC GetQuarterlyReport", fc.tuple(request, grpcAuth), ([r, auth]) => grpcCheck((m, cb) => grpc.getQuarterlyReport(r, m, cb), auth, r));
  });

  it("GetIndicators766", { timeout: 600_000 }, async () => {
    const request = fc.record({ from: grpcText, to: grpcText, agencyCode: grpcText });
    await fuzz("gRPC GetIndicators766", fc.tuple(request, grpcAuth), ([r, auth]) => grpcCheck((m, cb) => grpc.getIndicators766(r, m, cb), auth, r));
  });
});
