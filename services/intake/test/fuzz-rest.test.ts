/**
 * Bad input never hurts (REST): property-based fuzzing of every public endpoint of intake's REST
 * API with fast-check, against the real process. Valid requests with mutated fields, hostile
 * texts and numbers, broken and deep JSON, wrong content types, odd query strings and path
 * parameters. Every answer: never a 5xx; every 4xx is problem+json; a 400 names its field(s).
 * Afterwards, no partial write: the store holds exactly the dossiers answered 201 and the events
 * answered 200, and the DOSSIER stream got one event for each and nothing for a refused request.
 *
 * FUZZ_RUNS sets the requests per endpoint (default 10 000).
 */
import { jetstream, jetstreamManager, DeliverPolicy, type JetStreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { EventEnvelope } from "@onestop/bus";
import { serviceToken, startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import {
  answerViolation,
  fuzzAssert,
  fuzzConcurrently,
  anyJson,
  authorization,
  contentType,
  junkBody,
  nastyNumber,
  nastyText,
  pathSegment,
  pollutingMembers,
  queryString,
  rawHttp,
  rootOf,
  withMembers,
  type RawRequest,
  type RawResponse,
} from "@onestop/testkit/fuzz";
import fc from "fast-check";
import { MongoClient } from "mongodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** Ủy ban nhân dân phường Lê Lợi, a commune until 30/6/2025 that no other test uses: its dossier codes and subjects are this file's. */
const AGENCY = "000.04.31.H04";
const CODE_PREFIX = `${AGENCY}-`;
const TARGETS = 40;

const env = testEnv();
/** Not about the rate limit (rate-limit.test.ts is): the broken tokens sent would soon throttle the test's address. */
const UNTHROTTLED = { RATE_LIMIT_PER_MINUTE: "10000000", RATE_LIMIT_BURST: "1000000" };
let intake: ServiceProcess;
let api: ReturnType<typeof rawHttp>;
let token: string;
let nc: NatsConnection;
let jsm: JetStreamManager;
let startSeq: number;
const targets: Array<{ code: string; receivedAt: string }> = [];
/** Codes answered 201 and events answered 200: what the store and the stream may hold. */
const created = new Set<string>();
const acceptedEvents = new Set<string>();
const timings: Record<string, { runs: number; ms: number }> = {};
const latency: Record<number, number[]> = {};

beforeAll(async () => {
  intake = await startServiceProcess("intake", {
    ...env.natsEnv("intake"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: env.dbName,
    OUTBOX_RETRY_MS: "200",
    LOG_LEVEL: "warn",
    ...UNTHROTTLED,
    PERSONAL_DATA_KEY: `fuzz-rest-${env.prefix}-personal-data-key-0123456789`,
  });
  api = rawHttp(intake.httpUrl, { sockets: 4 });
  token = await serviceToken();
  nc = await connect(env.nats);
  jsm = await jetstreamManager(nc);
  startSeq = (await jsm.streams.info("DOSSIER")).state.last_seq;
  for (let i = 0; i < TARGETS; i++) {
    const receivedAt = `2024-06-${String(3 + (i % 20)).padStart(2, "0")}T09:${String(i).padStart(2, "0")}:00+07:00`;
    const response = await submit(JSON.stringify(validBody({ receivedAt })));
    expect(response.status, response.text).toBe(201);
    const code = (response.json as { code: string }).code;
    created.add(code);
    targets.push({ code, receivedAt });
  }
}, 120_000);

afterAll(async () => {
  api?.close();
  await nc?.close();
  expect(await intake?.stop()).toBe(0);
  if (process.env.FUZZ_DEBUG)
    console.log(
      Object.entries(latency)
        .map(([k, v]) => `${k}: ${v.length} avg ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)} ms`)
        .join("; "),
    );
  console.log(
    `intake REST fuzz: ${Object.entries(timings)
      .map(([name, t]) => `${name} ${t.runs} requests in ${(t.ms / 1000).toFixed(1)} s`)
      .join("; ")}`,
  );
});

const bearer = () => `Bearer ${token}`;
const submit = (body: string) => api.send({ method: "POST", path: "/v1/dossiers", headers: { "content-type": "application/json", authorization: bearer() }, body });

function validBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    procedureCode: "1.004873",
    agencyCode: AGENCY,
    channel: "IN_PERSON",
    receivedAt: "2024-06-03T09:00:00+07:00",
    applicant: { idNumber: "024090001234", fullName: "Nguyễn Thị Hoa" },
    components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
    ...overrides,
  };
}

/** The request with its headers, as sent by `api.send`; `auth` undefined leaves the header out. */
function request(
  method: string,
  path: string,
  { auth = bearer() as string | undefined, type = undefined as string | undefined, body = undefined as string | undefined, extra = {} as Record<string, string> } = {},
): RawRequest {
  const headers: Record<string, string> = { ...extra };
  if (auth !== undefined) headers.authorization = auth;
  if (type !== undefined && type !== "") headers["content-type"] = type;
  return { method, path, headers, ...(body === undefined ? {} : { body }) };
}

/** Runs one endpoint's property `RUNS` times, timing it. */
async function fuzz<T>(name: string, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>): Promise<void> {
  const started = performance.now();
  await fuzzConcurrently(arbitrary, check, RUNS, { concurrency: 16 });
  timings[name] = { runs: RUNS, ms: performance.now() - started };
}

/** The 400 names `field`; a value nested too deep is named by its top-level member. */
function expectNamed(response: RawResponse, field: string): void {
  const errors = (response.json as { errors: Array<{ path: string; message: string }> }).errors;
  const named = errors.some((e) => e.path === field || (e.path === rootOf(field) && /nested deeper/.test(e.message)));
  expect(named, `${field} not named in ${JSON.stringify(errors).slice(0, 500)}`).toBe(true);
}

/** For requests to any path: whatever field a 400 names. */
const ANY_FIELD: ReadonlySet<string> = { has: () => true } as unknown as ReadonlySet<string>;

function assertAnswer(response: RawResponse, known: ReadonlySet<string>, context: unknown): void {
  // A value nested too deep is named by the member holding it, whatever its name.
  const violation = answerViolation(response, (path, message) => known.has(rootOf(path)) || /^\((body|path|query|url)\)$/.test(path) || /^nested deeper/.test(message));
  if (violation) throw new Error(`${violation}\nrequest: ${JSON.stringify(context).replaceAll(token, "<token>").slice(0, 2_000)}`);
}

// ---- Generators --------------------------------------------------------------------------------

const two = (n: number) => String(n).padStart(2, "0");
/** An instant in Vietnam time with its offset, from a date. */
const vnInstant = (date: Date) => {
  const local = new Date(date.getTime() + 7 * 3_600_000);
  return `${local.getUTCFullYear()}-${two(local.getUTCMonth() + 1)}-${two(local.getUTCDate())}T${two(local.getUTCHours())}:${two(local.getUTCMinutes())}:${two(local.getUTCSeconds())}+07:00`;
};
/** Receipts while the commune existed: 2024 to its last day. */
const receiptInstant = fc.date({ min: new Date("2024-01-01T02:00:00Z"), max: new Date("2025-06-30T09:00:00Z"), noInvalidDate: true }).map(vnInstant);
const names = fc.constantFrom("Nguyễn Thị Hoa", "Nguyễn Thị Hoa".normalize("NFD"), "Lê Văn Nam", "Đặng Thuỳ Linh", "  Trần   Bảo  ", "Ngô Quốc Việt".normalize("NFKD"));

const validSubmission = fc
  .record({
    receivedAt: receiptInstant,
    channel: fc.constantFrom("ONLINE", "IN_PERSON", "POSTAL"),
    idNumber: fc.stringMatching(/^0\d{11}$/),
    fullName: names,
    phone: fc.option(fc.stringMatching(/^0\d{9}$/), { nil: undefined }),
    email: fc.option(fc.constantFrom("a@b.vn", "hoa.nguyen@example.com"), { nil: undefined }),
    components: fc.array(fc.record({ typeCode: fc.constantFrom("TK_TTHN", "CCCD"), name: names, reused: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    fees: fc.option(fc.array(fc.record({ code: fc.constant("LP_XAC_NHAN_TTHN"), amount: fc.integer({ min: 0, max: 100_000 }) }), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  })
  .map(({ receivedAt, channel, idNumber, fullName, phone, email, components, fees }) =>
    validBody({
      receivedAt,
      channel,
      applicant: { idNumber, fullName, ...(phone ? { phone } : {}), ...(email ? { email } : {}) },
      components,
      ...(fees ? { fees } : {}),
    }),
  );

type Kind = "string" | "boolean" | "number" | "object" | "array";
/** The submission's fields: their JSON kind, whether required, and where they sit. */
const SUBMISSION_FIELDS: Array<{ path: Array<string | number>; kind: Kind; required: boolean }> = [
  { path: ["code"], kind: "string", required: false },
  { path: ["procedureCode"], kind: "string", required: true },
  { path: ["agencyCode"], kind: "string", required: true },
  { path: ["receivingUnitCode"], kind: "string", required: false },
  { path: ["channel"], kind: "string", required: true },
  { path: ["onlineMode"], kind: "string", required: false },
  { path: ["receivedAt"], kind: "string", required: true },
  { path: ["applicant"], kind: "object", required: true },
  { path: ["applicant", "idNumber"], kind: "string", required: true },
  { path: ["applicant", "fullName"], kind: "string", required: true },
  { path: ["applicant", "phone"], kind: "string", required: false },
  { path: ["applicant", "email"], kind: "string", required: false },
  { path: ["components"], kind: "array", required: false },
  { path: ["components", 0], kind: "object", required: true },
  { path: ["components", 0, "typeCode"], kind: "string", required: true },
  { path: ["components", 0, "name"], kind: "string", required: true },
  { path: ["components", 0, "reused"], kind: "boolean", required: false },
  { path: ["fees"], kind: "array", required: false },
  { path: ["fees", 0], kind: "object", required: true },
  { path: ["fees", 0, "code"], kind: "string", required: true },
  { path: ["fees", 0, "amount"], kind: "number", required: true },
];
const SUBMISSION_ROOTS = new Set(["code", "procedureCode", "agencyCode", "receivingUnitCode", "channel", "onlineMode", "receivedAt", "applicant", "components", "fees", "Idempotency-Key"]);

const kindOf = (value: unknown): Kind | "null" => (value === null ? "null" : Array.isArray(value) ? "array" : (typeof value as Kind));
/** How a path is named in the answer's errors: ["components", 0, "name"] -> "components[0].name". */
const pathName = (path: Array<string | number>) => path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${key}` : key), "");

/** Sets (or deletes, when `value` is undefined) the value at `path`, creating containers on the way. */
function setAt(body: Record<string, unknown>, path: Array<string | number>, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: Record<string | number, unknown> = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    if (node[key] === undefined || node[key] === null || typeof node[key] !== "object") node[key] = typeof path[i + 1] === "number" ? [{ code: "LP_XAC_NHAN_TTHN", amount: 1500 }] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === "number") node.splice(last, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

interface Mutated {
  body: Record<string, unknown>;
  /** A type error or a missing required field: the answer must be a 400 naming it. */
  mustName?: string;
}

/** A valid body with one field deleted, or set to a value of another kind, or to anything at all. */
function mutated<B extends Record<string, unknown>>(valid: fc.Arbitrary<B>, fields: Array<{ path: Array<string | number>; kind: Kind; required: boolean }>): fc.Arbitrary<Mutated> {
  return fc.tuple(valid, fc.constantFrom(...fields), fc.constantFrom("delete", "set", "set"), anyJson()).map(([body, field, how, value]): Mutated => {
    const name = pathName(field.path);
    // Deleting an element of a list leaves a shorter list, which is allowed; deleting a required field is named.
    const element = typeof field.path.at(-1) === "number";
    if (how === "delete") return { body: setAt(body, field.path, undefined), ...(field.required && !element ? { mustName: name } : {}) };
    return { body: setAt(body, field.path, value), ...(kindOf(value) !== field.kind ? { mustName: name } : {}) };
  });
}

const submissionRequest = fc.oneof(
  { weight: 3, arbitrary: validSubmission.map((body): Mutated => ({ body })) },
  { weight: 6, arbitrary: mutated(validSubmission, SUBMISSION_FIELDS) },
  { weight: 1, arbitrary: fc.tuple(validSubmission, fc.dictionary(nastyText(), anyJson(), { maxKeys: 4 })).map(([body, extra]): Mutated => ({ body: { ...extra, ...body } })) },
);

/** A body as sent: the JSON of a (mutated) request, sometimes with polluting members spliced in, or junk. */
const bodyText = (requests: fc.Arbitrary<Mutated>) =>
  fc.oneof(
    { weight: 8, arbitrary: requests.map((r) => ({ ...r, text: JSON.stringify(r.body), junk: false })) },
    { weight: 1, arbitrary: fc.tuple(requests, pollutingMembers()).map(([r, members]) => ({ ...r, text: withMembers(JSON.stringify(r.body), members), junk: false })) },
    { weight: 1, arbitrary: junkBody().map((text) => ({ body: {}, text, junk: true, mustName: undefined as string | undefined })) },
  );

const idempotencyKey = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "k".repeat(201), "k".repeat(200), '{"$gt":""}', "__proto__") },
    { weight: 2, arbitrary: fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 8, maxLength: 250 }) },
  ),
  { nil: undefined, freq: 5 },
);

// ---- Lifecycle events ------------------------------------------------------------------------------

const EVENT_TYPES = [
  "SUPPLEMENT_REQUESTED",
  "SUPPLEMENT_RECEIVED",
  "PAUSED",
  "RESUMED",
  "DEADLINE_EXTENDED",
  "TRANSFERRED",
  "RESOLVED",
  "RESULT_RETURNED",
  "REFUSED",
  "WITHDRAWN",
  "CLOSED",
  "EVALUATED",
] as const;
const EVENT_ROOTS = new Set(["eventId", "type", "at", "reason", "newDueDate", "toAgencyCode", "outcome", "channel", "electronic", "rating"]);

const validEvent = fc
  .record({
    target: fc.integer({ min: 0, max: TARGETS - 1 }),
    type: fc.constantFrom(...EVENT_TYPES),
    eventId: fc.oneof(fc.uuid(), fc.constantFrom("e1", "e2", "dup")),
    afterMinutes: fc.integer({ min: 1, max: 60 * 24 * 40 }),
    reason: fc.option(fc.oneof(names, nastyText()), { nil: undefined }),
    pauseReason: fc.constantFrom("OPINION_REQUEST", "FINANCIAL_OBLIGATION"),
    newDueDate: fc.oneof(
      fc.constantFrom("2024-08-01", "2024-07-15", "2025-02-30", "2024-02-30", "9999-12-31", "0000-01-01"),
      fc.date({ min: new Date("2024-06-01"), max: new Date("2024-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    ),
    toAgencyCode: fc.constantFrom(AGENCY, "000.07.31.H04", "000.00.51.H06", "000.99.99.H99", '{"$gt":""}'),
    outcome: fc.constantFrom("APPROVED", "REFUSED"),
    channel: fc.constantFrom("IN_PERSON", "POSTAL", "ONLINE"),
    electronic: fc.boolean(),
    rating: fc.integer({ min: 0, max: 6 }),
  })
  .map((e) => {
    const target = targets[e.target]!;
    const at = vnInstant(new Date(Date.parse(target.receivedAt) + e.afterMinutes * 60_000));
    const specific: Record<string, Record<string, unknown>> = {
      SUPPLEMENT_REQUESTED: e.reason ? { reason: e.reason } : {},
      PAUSED: { reason: e.pauseReason },
      DEADLINE_EXTENDED: { newDueDate: e.newDueDate },
      TRANSFERRED: { toAgencyCode: e.toAgencyCode },
      RESOLVED: { outcome: e.outcome },
      RESULT_RETURNED: { channel: e.channel, electronic: e.electronic },
      REFUSED: e.reason ? { reason: e.reason } : {},
      EVALUATED: { rating: e.rating },
    };
    return { code: target.code, body: { eventId: e.eventId, type: e.type, at, ...specific[e.type] } as Record<string, unknown> };
  });

const EVENT_COMMON_FIELDS: Array<{ path: string[]; kind: Kind; required: boolean }> = [
  { path: ["eventId"], kind: "string", required: true },
  { path: ["type"], kind: "string", required: true },
  { path: ["at"], kind: "string", required: true },
];
const EVENT_OTHER_FIELDS = ["reason", "newDueDate", "toAgencyCode", "outcome", "channel", "electronic", "rating"].map((name) => ({ path: [name], kind: "string" as Kind, required: false }));

const eventRequest = fc.oneof(
  { weight: 4, arbitrary: validEvent.map((e) => ({ code: e.code, mutation: { body: e.body } as Mutated })) },
  {
    weight: 4,
    arbitrary: validEvent.chain((e) => mutated(fc.constant(e.body), EVENT_COMMON_FIELDS).map((mutation) => ({ code: e.code, mutation }))),
  },
  {
    weight: 2,
    // Other fields: whether a wrong kind there is an error depends on the type, so only "never a 5xx, named if 400".
    arbitrary: validEvent.chain((e) => mutated(fc.constant(e.body), EVENT_OTHER_FIELDS).map((mutation) => ({ code: e.code, mutation: { body: mutation.body } as Mutated }))),
  },
);

const targetCode = fc.integer({ min: 0, max: TARGETS - 1 }).map((i) => encodeURIComponent(targets[i]!.code));

/** Content types under which a body is read as JSON for sure. */
const JSON_TYPES = new Set(["application/json", "application/json; charset=utf-8"]);

// ---- Properties ---------------------------------------------------------------------------------

describe("every endpoint, fuzzed: never a 5xx, 4xx as problem+json, 400 naming fields", () => {
  it("POST /v1/dossiers", { timeout: 600_000 }, async () => {
    await fuzz("POST /v1/dossiers", fc.record({ body: bodyText(submissionRequest), type: contentType(), auth: authorization(bearer()), key: idempotencyKey }), async ({ body, type, auth, key }) => {
      const sent = request("POST", "/v1/dossiers", { auth, type, body: body.text, extra: key === undefined ? {} : { "idempotency-key": key } });
      const t0 = performance.now();
      const response = await api.send(sent);
      if (process.env.FUZZ_DEBUG) (latency[response.status] ??= []).push(performance.now() - t0);
      assertAnswer(response, SUBMISSION_ROOTS, sent);
      if (response.status === 201) {
        const code = (response.json as { code: string }).code;
        expect(code.startsWith(CODE_PREFIX), code).toBe(true);
        created.add(code);
      }
      const cleanRequest = auth === bearer() && JSON_TYPES.has(type) && !body.junk && key === undefined;
      if (body.mustName && cleanRequest) {
        expect(response.status, `${body.mustName}: ${response.text.slice(0, 500)}`).toBe(400);
        expectNamed(response, body.mustName);
      }
    });
  });

  it("POST /v1/dossiers/{code}/events", { timeout: 600_000 }, async () => {
    await fuzz(
      "POST /v1/dossiers/{code}/events",
      fc.record({
        event: eventRequest,
        path: fc.option(pathSegment(targetCode), { nil: undefined, freq: 4 }),
        type: contentType(),
        auth: authorization(bearer()),
        junk: fc.option(junkBody(), { nil: undefined, freq: 10 }),
      }),
      async ({ event, path, type, auth, junk }) => {
        const code = path ?? encodeURIComponent(event.code);
        const text = junk ?? JSON.stringify(event.mutation.body);
        const sent = request("POST", `/v1/dossiers/${code}/events`, { auth, type, body: text });
        const response = await api.send(sent);
        assertAnswer(response, EVENT_ROOTS, sent);
        if (response.status === 200) {
          const dossier = response.json as { code: string; timeline: Array<{ eventId: string }> };
          expect(dossier.code.startsWith(CODE_PREFIX)).toBe(true);
          acceptedEvents.add(`${dossier.code}|${(event.mutation.body as { eventId?: unknown }).eventId}`);
        }
        const cleanRequest = auth === bearer() && JSON_TYPES.has(type) && junk === undefined && path === undefined;
        if (event.mutation.mustName && cleanRequest) {
          expect(response.status, `${event.mutation.mustName}: ${response.text.slice(0, 500)}`).toBe(400);
          expectNamed(response, event.mutation.mustName);
        }
      },
    );
  });

  it("GET /v1/dossiers/{code}", { timeout: 600_000 }, async () => {
    await fuzz(
      "GET /v1/dossiers/{code}",
      fc.record({ code: pathSegment(targetCode), query: fc.option(queryString({ x: fc.string() }), { nil: undefined, freq: 5 }), auth: authorization(bearer()) }),
      async ({ code, query, auth }) => {
        const sent = request("GET", `/v1/dossiers/${code}${query === undefined ? "" : `?${query}`}`, { auth });
        const response = await api.send(sent);
        assertAnswer(response, new Set(["code"]), sent);
      },
    );
  });

  it("GET /v1/procedures", { timeout: 600_000 }, async () => {
    await fuzz(
      "GET /v1/procedures",
      fc.record({ query: queryString({ sector: fc.constantFrom("HO_TICH", "DAT_DAI"), level: fc.constantFrom("COMMUNE") }), auth: authorization(bearer()) }),
      async ({ query, auth }) => {
        const sent = request("GET", `/v1/procedures?${query}`, { auth });
        assertAnswer(await api.send(sent), new Set(), sent);
      },
    );
  });

  it("GET /v1/agencies", { timeout: 600_000 }, async () => {
    const day = fc.date({ min: new Date("1990-01-01"), max: new Date("2030-12-31"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    await fuzz("GET /v1/agencies", fc.record({ query: queryString({ at: day }), auth: authorization(bearer()) }), async ({ query, auth }) => {
      const sent = request("GET", `/v1/agencies?${query}`, { auth });
      assertAnswer(await api.send(sent), new Set(["at"]), sent);
    });
  });

  it("GET /v1/calendar/deadline", { timeout: 600_000 }, async () => {
    const params = {
      from: fc.date({ min: new Date("1900-01-01"), max: new Date("2199-01-01"), noInvalidDate: true }).map(vnInstant),
      amount: fc.oneof(fc.integer({ min: 0, max: 3650 }).map(String), nastyNumber().map(String)),
      unit: fc.constantFrom("WORKING_DAYS", "DAYS"),
      sameDay: fc.constantFrom("true", "false"),
    };
    await fuzz("GET /v1/calendar/deadline", fc.record({ query: queryString(params), auth: authorization(bearer()) }), async ({ query, auth }) => {
      const sent = request("GET", `/v1/calendar/deadline?${query}`, { auth });
      assertAnswer(await api.send(sent), new Set(Object.keys(params)), sent);
    });
  });

  it("GET /v1/calendar/non-working-days", { timeout: 600_000 }, async () => {
    const params = { year: fc.oneof(fc.integer({ min: 1900, max: 2199 }).map(String), nastyNumber().map(String)) };
    await fuzz("GET /v1/calendar/non-working-days", fc.record({ query: queryString(params), auth: authorization(bearer()) }), async ({ query, auth }) => {
      const sent = request("GET", `/v1/calendar/non-working-days?${query}`, { auth });
      assertAnswer(await api.send(sent), new Set(["year"]), sent);
    });
  });

  it("any method on any path under /v1", { timeout: 600_000 }, async () => {
    const runs = Math.max(100, Math.floor(RUNS / 10));
    const started = performance.now();
    await fuzzAssert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"),
          segments: fc.array(pathSegment(fc.constantFrom("v1", "dossiers", "events", "procedures", "agencies", "calendar", "deadline")), { maxLength: 4 }),
          auth: authorization(bearer()),
        }),
        async ({ method, segments, auth }) => {
          const sent = request(method, `/v1/${segments.join("/")}`, { auth });
          // A HEAD answer has no body to check; a header overflow answered with one would not parse.
          const response = await api.send(sent).catch((error: Error) => (method === "HEAD" && /Parse Error/.test(error.message) ? undefined : Promise.reject(error)));
          if (!response) return;
          if (method === "HEAD") expect(response.status, JSON.stringify(sent)).toBeLessThan(500);
          else assertAnswer(response, ANY_FIELD, sent);
        },
      ),
      runs,
    );
    timings["any /v1 path"] = { runs, ms: performance.now() - started };
  });
});

describe("no partial write", () => {
  it("the store holds exactly the dossiers answered 201 and the events answered 200; the stream one event for each", { timeout: 120_000 }, async () => {
    const mongo = await MongoClient.connect(env.mongoUrl);
    try {
      const docs = await mongo
        .db(env.dbName)
        .collection<{ _id: string; dossier: { timeline: Array<{ eventId: string; type: string }> } }>("dossiers")
        .find({}, { projection: { "dossier.timeline": 1 } })
        .toArray();
      expect(docs.map((d) => d._id).sort()).toEqual([...created].sort());
      const storedEvents = docs.flatMap((d) => d.dossier.timeline.filter((t) => t.type !== "RECEIVED").map((t) => `${d._id}|${t.eventId}`));
      for (const event of storedEvents) expect(acceptedEvents, `stored event ${event} was never answered 200`).toContain(event);
      const expected = docs.length + storedEvents.length;

      // The relay publishes after the write: wait for it, then make sure nothing more comes.
      let published: EventEnvelope[] = [];
      await waitFor(async () => (published = await ownEventsAfter(startSeq)).length >= expected, { timeoutMs: 60_000, description: `${expected} events on DOSSIER` });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      published = await ownEventsAfter(startSeq);
      expect(published.length).toBe(expected);
      const receivedCodes = published.filter((e) => e.type === "vn.onestop.dossier.received.v1").map((e) => e.subject);
      expect(receivedCodes.sort()).toEqual([...created].sort());
      console.log(`intake REST fuzz: ${created.size} dossiers created, ${storedEvents.length} lifecycle events applied, ${published.length} events published`);
    } finally {
      await mongo.close();
    }
  });
});

/** The events on DOSSIER after `seq` about this file's dossiers (codes of its own commune). */
async function ownEventsAfter(seq: number): Promise<EventEnvelope[]> {
  const last = (await jsm.streams.info("DOSSIER")).state.last_seq;
  const found: EventEnvelope[] = [];
  if (last <= seq) return found;
  const consumer = await jetstream(nc).consumers.get("DOSSIER", { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 });
  let seen = seq;
  while (seen < last) {
    const batch = await consumer.fetch({ max_messages: Math.min(1_000, last - seen), expires: 5_000 });
    let got = 0;
    for await (const message of batch) {
      got++;
      seen = message.seq;
      const event = message.json<EventEnvelope>();
      if (event.subject.startsWith(CODE_PREFIX)) found.push(event);
      if (seen >= last) break;
    }
    if (got === 0) break;
  }
  return found;
}
