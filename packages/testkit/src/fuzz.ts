/**
 * Support for the property-based fuzzing of the public APIs (fast-check): a raw HTTP client over
 * keep-alive sockets (paths, headers and bodies sent as given, unlike fetch which normalises `..`
 * and re-encodes), arbitraries of hostile values, and the properties every answer must have.
 */
import http from "node:http";
import fc from "fast-check";

export interface RawRequest {
  method: string;
  /** Sent as is: must be ASCII without spaces (percent-encode the rest, as a client would). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The content type, "" when absent. */
  type: string;
  text: string;
  /** The parsed body when it is JSON. */
  json?: unknown;
}

/** Sends raw requests to `baseUrl` over at most `sockets` kept-alive connections. */
export function rawHttp(baseUrl: string, { sockets = 8 } = {}) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const once = (request: RawRequest): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const outgoing = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers: request.headers ?? {}, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const type = String(response.headers["content-type"] ?? "");
          let json: unknown;
          if (/json/.test(type)) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, type, text, json });
        });
      });
      outgoing.on("error", reject);
      outgoing.end(request.body);
    });
  return {
    /**
     * One request. A connection the server closed after answering (e.g. a 413 whose body was not
     * read) may be reused by the agent before it notices: such a reset (or a write into it, EPIPE)
     * is retried once on a new one.
     */
    async send(request: RawRequest): Promise<RawResponse> {
      try {
        return await once(request);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== "ECONNRESET" && code !== "EPIPE" && (error as Error).message !== "socket hang up") throw error;
        return once({ ...request, headers: { ...request.headers, connection: "close" } });
      }
    },
    close: () => agent.destroy(),
  };
}

/** Field errors as answered in a 400 problem (`errors[].path`). */
export interface ProblemFieldError {
  path: string;
  message: string;
}

/**
 * What is wrong with an answer, or undefined: never a 5xx; every 4xx is `application/problem+json`
 * with a numeric status equal to the HTTP one; a 400 names each bad field in `errors[].path`
 * (`knownPath` says which names the endpoint may use).
 */
export function answerViolation(response: RawResponse, knownPath: (path: string, message: string) => boolean = () => true): string | undefined {
  if (response.status >= 500 || response.status < 100) return `status ${response.status}: ${response.text.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  if (!response.type.startsWith("application/problem+json")) return `${response.status} answered as "${response.type}": ${response.text.slice(0, 200)}`;
  const problem = response.json as { status?: unknown; title?: unknown; errors?: ProblemFieldError[] } | undefined;
  if (!problem || typeof problem !== "object") return `${response.status} without a problem body: ${response.text.slice(0, 200)}`;
  if (problem.status !== response.status) return `problem status ${String(problem.status)} on a ${response.status}`;
  if (typeof problem.title !== "string" || problem.title === "") return `${response.status} problem without a title`;
  if (response.status === 400) {
    if (!Array.isArray(problem.errors) || problem.errors.length === 0) return `400 naming no field: ${response.text.slice(0, 300)}`;
    for (const error of problem.errors) {
      if (typeof error?.path !== "string" || error.path === "" || typeof error.message !== "string") return `400 with a malformed field error: ${JSON.stringify(error)}`;
      if (!knownPath(error.path, error.message)) return `400 naming an unknown field "${error.path}": ${response.text.slice(0, 300)}`;
    }
  }
  if (response.status === 429 && response.headers["retry-after"] === undefined) return "429 without Retry-After";
  return undefined;
}

/** The root field of a path as named in errors: "applicant.idNumber" -> "applicant", "components[0].name" -> "components". */
export const rootOf = (path: string) => /^[^.[]*/.exec(path)![0];

// ---- Arbitraries of hostile input ------------------------------------------------------------

/** Texts that have broken services before: injection-looking, prototype keys, odd Unicode, dates that are not. */
export const NASTY_TEXTS = [
  "",
  " ",
  "\t\r\n",
  "\u0000",
  "a\u0000b",
  "\u001b[31m",
  "\u007f\u0085\u2028\u2029",
  "\ufeff",
  "\u202eevil",
  "\ud800",
  "x\udfffy",
  "💥🇻🇳",
  "Nguyễn Thị Hoa".normalize("NFD"),
  `a${"\u0301\u0302\u0303\u0323".repeat(40)}`,
  "Ｎｇｕｙｅｎ",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  '{"$gt":""}',
  "$gt",
  "$where",
  "{$ne: null}",
  "'; DROP TABLE dossiers; --",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "..",
  "%00",
  "%",
  "%zz",
  "%E0%A4%A",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection probe, sent as written
  "${jndi:ldap://x}",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-0",
  "1e309",
  "0x10",
  "true",
  "2025-02-30",
  "2025-02-29",
  "2024-02-30",
  "2025-13-01",
  "2025-00-10",
  "0000-01-01",
  "9999-12-31",
  "+275760-09-13",
  "2025-02-30T10:00:00+07:00",
  "2025-04-31T10:00:00+07:00",
  "2025-09-29T24:00:00+07:00",
  "2025-09-29T23:60:00+07:00",
  "2025-09-29T10:00:60+07:00",
  "2025-09-29T10:00:00+99:99",
  "2025-09-29T10:00:00+23:59",
  "2025-09-29T10:00:00-23:59",
  "2025-09-29T10:00:00.1234567891+07:00",
  "0001-01-01T00:00:00Z",
  "1899-12-31T23:00:00+07:00",
  "2199-12-31T00:00:00+07:00",
  "9999-12-31T23:59:59+07:00",
  "2025-09-29 10:00:00+07:00",
  "2025-09-29T10:00:00",
  "2024-Q5",
  "2024-Q0",
  "9999-Q4",
  "0000-Q1",
];

/** Huge text, in several shapes: one letter, combining marks, astral characters. */
export const hugeText = () => fc.tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom("x", "\u0301", "ệ", "𝔘", "%", "\u0000")).map(([n, unit]) => unit.repeat(n));

/** Any text at all, biased towards the nasty. */
export const nastyText = () =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_TEXTS) },
    { weight: 2, arbitrary: fc.string() },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme" }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary" }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)) }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }) },
    { weight: 1, arbitrary: hugeText() },
  );

/** Numbers that are not what anyone meant. */
export const nastyNumber = () =>
  fc.oneof(
    fc.constantFrom(0, -1, 1e308, -1e308, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 0.5, 1e-300, 3650, 3651, 1899, 2200, 9999, 10_000),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );

/** Nested arrays or objects `depth` deep. */
export const deeplyNested = () =>
  fc.tuple(fc.integer({ min: 50, max: 3_000 }), fc.boolean()).map(([depth, arrays]) => {
    let value: unknown = "bottom";
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
    return value;
  });

/** A JSON value of any kind, with nasty leaves. */
export const anyJson = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 2, arbitrary: nastyText() },
    { weight: 2, arbitrary: nastyNumber() },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
    { weight: 1, arbitrary: deeplyNested() },
    { weight: 1, arbitrary: fc.array(nastyText(), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom("__proto__", "constructor", "$gt", "$where", "a.b", ""), fc.jsonValue({ maxDepth: 2 })) },
  );

/** Keys that pollute prototypes or look like operators, spliced raw into a JSON object text. */
export const pollutingMembers = () =>
  fc.subarray(['"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}', '"$where":"1"', '"$set":{"x":1}', '"prototype":null'], { minLength: 1 });

/** `{...}` text with the members added at the front. */
export function withMembers(json: string, members: string[]): string {
  return json.startsWith("{") && json !== "{}" ? `{${members.join(",")},${json.slice(1)}` : json.startsWith("{}") ? `{${members.join(",")}}` : json;
}

/** Bodies that are not what the endpoint takes: broken JSON, other formats, binary. */
export const junkBody = () =>
  fc.oneof(
    fc.constantFrom("", "{", "}", "[", "{not json", "null", "0", '"text"', "[]", "{}", "\u0000", "\ufeff{}", '{"a":1,}', "{'a':1}", "NaN", '{"a":"\\ud800"}', '{"a":1e99999}'),
    fc.string(),
    fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    fc.integer({ min: 100, max: 5_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
    fc.integer({ min: 100, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
    fc.jsonValue().map((v) => JSON.stringify(v) ?? "null"),
  );

/** Content types a client may send, right or wrong. */
export const contentType = () =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant("application/json") },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "",
        "application/json; charset=utf-8",
        "application/json; charset=utf-16",
        "application/json; charset=latin1",
        "application/json; charset=x-klingon",
        "application/merge-patch+json",
        "text/plain",
        "text/html",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/xml",
        "*/*",
        "application/json;;;",
        "garbage",
      ),
    },
  );

const percentEncodeAll = (text: string) => [...Buffer.from(text, "utf8")].map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");

/** A text as it may travel in a URL: encoded properly, fully, or left with raw and broken escapes. */
export const urlText = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(text, fc.constantFrom("component", "all", "raw"))
    .map(([value, how]) =>
      how === "component"
        ? encodeURIComponent(value.isWellFormed() ? value : value.toWellFormed())
        : how === "all"
          ? percentEncodeAll(value)
          : value.replace(/[^\x21-\x7e]/g, (c) => percentEncodeAll(c)).replace(/[?#]/g, (c) => encodeURIComponent(c)),
    );

/** Values for a query parameter: the good ones given, mixed with anything. */
export const queryValue = (good: fc.Arbitrary<string>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 2, arbitrary: nastyText() });

/**
 * A query string over the endpoint's `params` (each good value generator) and junk parameters:
 * missing, repeated, bracketed (`a[b]=`), encoded in odd ways, very many, very long.
 */
export function queryString(params: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const names = Object.keys(params);
  const pair = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...names).chain((name) => fc.tuple(fc.constant(name), queryValue(params[name]!))) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(nastyText(), fc.constantFrom(...names.map((n) => `${n}[]`), ...names.map((n) => `${n}[$gt]`), "__proto__", "constructor[prototype]")), nastyText()) },
  );
  const encodedPair = fc
    .tuple(pair, fc.constantFrom("component", "raw"))
    .map(([[name, value], how]) =>
      how === "component"
        ? `${encodeURIComponent(name.toWellFormed())}=${encodeURIComponent(value.toWellFormed())}`
        : `${name.replace(/[^\x21-\x7e]|[&=#]/g, (c) => percentEncodeAll(c))}=${value.replace(/[^\x21-\x7e]|[&#]/g, (c) => percentEncodeAll(c))}`,
    );
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(encodedPair, { maxLength: 8 }).map((pairs) => pairs.join("&")) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: 2_000 }).map((n) => Array.from({ length: n }, (_, i) => `p${i}=${i}`).join("&")) },
    { weight: 1, arbitrary: fc.constantFrom("", "&", "&&&", "=", "==", "a", "%", "%zz=1", "a=%E0%A4%A", "a=1&a=2&a=3", "?", "#x") },
  );
}

/** A path segment standing for an identifier: the good ones given, dot segments, encoded slashes, broken escapes, very long. */
export const pathSegment = (good: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 4, arbitrary: good },
    { weight: 3, arbitrary: urlText(nastyText()) },
    { weight: 1, arbitrary: fc.constantFrom("..", ".", "%2e%2e", "..%2F..%2F", "%2F", "%5C", "%00", "%", "%zz", "%E0%A4%A", "a%2Fb", "~", "*", "%20", "%C0%AF") },
    { weight: 1, arbitrary: fc.integer({ min: 2_000, max: 20_000 }).map((n) => "A".repeat(n)) },
  );

/** The Authorization header: usually the given one, sometimes missing, malformed, or another scheme. */
export const authorization = (good: string) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.constant(good) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        "",
        "Bearer",
        "Bearer ",
        "Basic YTpi",
        `bearer ${good.slice(7)}`,
        `${good}x`,
        good.slice(0, -5),
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        `Bearer ${"A".repeat(5_000)}`,
      ),
    },
  );

/**
 * fc.assert for fuzzing: `runs` runs, shrinking kept short (each run is a request), and a failure
 * reported with its counterexample cut to a readable length (generated texts can be megabytes).
 */
export async function fuzzAssert<T>(property: fc.IAsyncPropertyWithHooks<T>, runs: number, { seed, examples }: { seed?: number; examples?: T[] } = {}): Promise<void> {
  const details = await fc.check(property, {
    numRuns: runs,
    endOnFailure: false,
    interruptAfterTimeLimit: 300_000,
    ...(seed === undefined ? {} : { seed }),
    ...(examples ? { examples } : {}),
  });
  if (!details.failed) return;
  const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text);
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}", shrunk ${details.numShrinks} times)\n` +
      `${cut(error, 3_000)}\ncounterexample: ${cut(printable(details.counterexample), 3_000)}`,
  );
}

/** fc.stringify, or JSON, of a value that may be too deep for either. */
function printable(value: unknown): string {
  try {
    return fc.stringify(value);
  } catch {
    try {
      return JSON.stringify(value);
    } catch {
      return "(too deep to print)";
    }
  }
}

/**
 * `runs` generated values checked `concurrency` at a time (fast-check runs an async property one
 * value after the other: over loopback the process would mostly wait). Values are drawn in chunks
 * from `seed`, so a run can be replayed; the first failing value is then handed to fast-check as
 * an example, which shrinks it and reports it with `fuzzAssert`.
 */
export async function fuzzConcurrently<T>(
  arbitrary: fc.Arbitrary<T>,
  check: (value: T) => Promise<void>,
  runs: number,
  { concurrency = 16, seed = Date.now() ^ (Math.random() * 0x7fffffff), chunk = 256 }: { concurrency?: number; seed?: number; chunk?: number } = {},
): Promise<void> {
  let failed: { value: T; error: unknown } | undefined;
  for (let start = 0; start < runs && !failed; start += chunk) {
    const values = fc.sample(arbitrary, { numRuns: Math.min(chunk, runs - start), seed: seed + start });
    let next = 0;
    const worker = async () => {
      while (!failed && next < values.length) {
        const value = values[next++]!;
        try {
          await check(value);
        } catch (error) {
          failed ??= { value, error };
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  if (!failed) return;
  // Shrunk by fast-check from the failing value; should it pass alone (it depended on what ran beside it), the original failure is reported.
  await fuzzAssert(fc.asyncProperty(arbitrary, check), 1, { examples: [[failed.value]] });
  const message = failed.error instanceof Error ? failed.error.message : String(failed.error);
  throw new Error(`failed (seed ${seed}), not reproduced alone:\n${message.slice(0, 3_000)}\nvalue: ${printable(failed.value).slice(0, 3_000)}`);
}
