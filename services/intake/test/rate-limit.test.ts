/**
 * Per-client rate limit, end to end on the intake process: a token bucket per token subject,
 * shared by REST and gRPC. Low limits here (RATE_LIMIT_*); the defaults are in service-kit's config.
 */
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { IntakeServiceClient } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { RETRY_AFTER_KEY } from "@onestop/service-kit";
import { startServiceProcess, testEnv, testToken, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMUNE } from "./helpers.js";

const env = testEnv();
const BURST = 5;
let intake: ServiceProcess;
let grpcPort: number;

beforeAll(async () => {
  grpcPort = await freePort();
  intake = await startServiceProcess("intake", {
    ...env.natsEnv("intake"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: env.dbName,
    GRPC_PORT: String(grpcPort),
    RATE_LIMIT_PER_MINUTE: "6", // one token every 10 s: none comes back during the test
    RATE_LIMIT_BURST: String(BURST),
    RATE_LIMIT_SERVICE_PER_MINUTE: "6",
    RATE_LIMIT_SERVICE_BURST: String(BURST * 2),
  });
});

afterAll(async () => {
  expect(await intake?.stop()).toBe(0);
});

const officer = (sub: string) => testToken({ sub, roles: ["desk_officer"], agency_code: COMMUNE });
const get = async (token: string | undefined, path = "/v1/procedures") => {
  const response = await fetch(`${intake.httpUrl}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, type: response.headers.get("content-type") ?? "", retryAfter: response.headers.get("retry-after"), body: (await response.json()) as { detail?: string } };
};

describe("rate limit per client", () => {
  it("answers a client over its limit 429 with Retry-After and a Vietnamese problem, while another client is unaffected", async () => {
    const [a, b] = await Promise.all([officer("rate-a"), officer("rate-b")]);
    for (let i = 0; i < BURST; i++) expect((await get(a)).status).toBe(200);
    const over = await get(a);
    expect(over.status).toBe(429);
    expect(over.type).toContain("application/problem+json");
    expect(Number(over.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(over.body).toMatchObject({ type: "urn:onestop:problem:rate-limited", title: "Quá nhiều yêu cầu", status: 429 });
    expect(over.body.detail).toMatch(/thử lại sau \d+ giây/);
    // Another caller from the same address keeps its own budget.
    expect((await get(b)).status).toBe(200);
    // The budget spans the protocols: the same caller over gRPC is RESOURCE_EXHAUSTED.
    const client = new IntakeServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    try {
      const metadata = new Metadata();
      metadata.set("authorization", `Bearer ${a}`);
      const error = await new Promise<ServiceError>((resolve, reject) =>
        client.listProcedures({ sectorCode: "", level: 0 }, metadata, (e) => (e ? resolve(e) : reject(new Error("the call succeeded")))),
      );
      expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(Number(error.metadata.get(RETRY_AFTER_KEY)[0])).toBeGreaterThanOrEqual(1);
      const other = new Metadata();
      other.set("authorization", `Bearer ${b}`);
      await new Promise<void>((resolve, reject) => client.listProcedures({ sectorCode: "", level: 0 }, other, (e) => (e ? reject(e) : resolve())));
    } finally {
      client.close();
    }
  });

  it("throttles an address that keeps failing authentication, before checking its tokens", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < BURST + 2; i++) statuses.push((await get("not-a-token")).status);
    expect(statuses.slice(0, BURST)).toEqual(Array(BURST).fill(401));
    expect(statuses.at(-1)).toBe(429);
  });
});
