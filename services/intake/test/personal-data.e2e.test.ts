/**
 * Personal data never reaches logs or traces unmasked (Decree 13/2023), end to end: intake and
 * reporting run as real processes at LOG_LEVEL=debug, exporting spans over OTLP/HTTP to a receiver
 * in this test that keeps every request body. Dossiers with seeded, distinctive ID numbers, names
 * with diacritics and phones go in through REST, gRPC and a NATS command, valid ones and ones that
 * fail validation on those very fields (errors are where data leaks), plus an old-style received
 * event still carrying the applicant, as the DOSSIER stream may hold from before applicant_ref.
 * Then every captured log line and span payload is searched for each seeded value, raw, NFD,
 * without diacritics, percent-encoded and JSON-escaped, after checking that logs and spans were
 * captured at all and name the dossiers, so the test cannot pass on empty output.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { jetstream } from "@nats-io/jetstream";
import { connect, createInbox, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { newEnvelope, publishEvent } from "@onestop/bus";
import { applicantRef, Channel, COMMAND_REPLY_HEADER, IntakeServiceClient, subjectFor, SubmitDossierRequest, type GetDossierResponse, type SubmitDossierResponse } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import { natsConnectOptions, serviceAuthorization, serviceToken, startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const env = testEnv();
const AGENCY = "000.00.54.H06"; // Ủy ban nhân dân phường Yên Dũng (commune, from 1/7/2025): no other test uses it
const PERSONAL_DATA_KEY = "e2e-personal-data-key-0123456789abcdef";

/** Seeded people: distinctive values, searched for everywhere afterwards. */
const PEOPLE = [
  { idNumber: "086195271834", fullName: "Hoàng Thị Thuỳ Dương", phone: "0386421957", email: "thuyduong.hoang@example.vn" },
  { idNumber: "031287460952", fullName: "Trịnh Đức Mạnh", phone: "+84913572468", email: "manh.trinh@example.vn" },
  { idNumber: "045302918476", fullName: "Lê Nguyễn Khánh Huyền", phone: "0779135802", email: "khanhhuyen@example.vn" },
  { idNumber: "052196384027", fullName: "Phùng Văn Quý", phone: "0862493175", email: "quy.phung@example.vn" },
] as const;
const [A, B, C, D] = PEOPLE;

const withoutDiacritics = (text: string) => text.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");
const jsonEscaped = (text: string) =>
  JSON.stringify(text)
    .slice(1, -1)
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** Every spelling under which a seeded value could show. */
function spellings(): Array<{ label: string; text: string }> {
  const out: Array<{ label: string; text: string }> = [];
  for (const person of PEOPLE) {
    out.push({ label: "id", text: person.idNumber }, { label: "email", text: person.email });
    const digits = person.phone.replace(/^\+84/, "0");
    out.push({ label: "phone", text: person.phone }, { label: "phone digits", text: digits.slice(1) });
    const name = person.fullName.normalize("NFC");
    for (const [label, text] of [
      ["name NFC", name],
      ["name NFD", name.normalize("NFD")],
      ["name without diacritics", withoutDiacritics(name)],
      ["name percent-encoded", encodeURIComponent(name)],
      ["name JSON-escaped", jsonEscaped(name)],
      ["given names", name.split(" ").slice(1).join(" ")],
    ] as const)
      out.push({ label, text });
  }
  return out;
}

function leaksIn(captured: string): string[] {
  const haystacks = [captured, captured.normalize("NFC"), captured.toLowerCase()];
  return spellings()
    .filter(({ text }) => haystacks.some((haystack) => haystack.includes(text) || haystack.includes(text.toLowerCase())))
    .map(({ label, text }) => `${label}: ${text}`);
}

// --- the OTLP receiver ---------------------------------------------------------------------------

interface Export {
  path: string;
  text: string;
}
const exports: Export[] = [];
let receiver: Server;

function bodyOf(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      resolve((request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8"));
    });
  });
}

// --- callers, with a bearer token of the test issuer (a `service` caller) -----------------------

const authorization = serviceAuthorization;

let intake: ServiceProcess;
let reporting: ServiceProcess;
let grpcPort: number;
let nc: NatsConnection;

// biome-ignore lint/suspicious/noExplicitAny: bodies are checked field by field
async function rest(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; body: any }> {
  const response = await fetch(`${intake.httpUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(await authorization()) },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, text, body: parsed };
}

function submission(person: (typeof PEOPLE)[number], receivedAt: string, applicant: Record<string, unknown> = {}) {
  return {
    procedureCode: "1.004873",
    agencyCode: AGENCY,
    channel: "IN_PERSON",
    receivedAt,
    applicant: { idNumber: person.idNumber, fullName: person.fullName, phone: person.phone, email: person.email, ...applicant },
    components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
  };
}

async function grpcCall<T>(call: (client: IntakeServiceClient, metadata: Metadata, cb: (error: ServiceError | null, value?: T) => void) => void): Promise<{ error?: ServiceError; value?: T }> {
  const client = new IntakeServiceClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(await authorization())) metadata.set(key, value);
  try {
    return await new Promise((resolve) => call(client, metadata, (error, value) => resolve(error ? { error } : { value: value as T })));
  } finally {
    client.close();
  }
}

/** A submit command on NATS (intake.cmd.submit), sent as the one-stop systems' user and answered on its inbox. */
async function command(data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const system = natsConnectOptions("onestop-system");
  const systemNc = await connect(system);
  try {
    const inbox = createInbox(system.inboxPrefix);
    const answers = systemNc.subscribe(inbox, { max: 1, timeout: 20_000 });
    const headers = natsHeaders();
    headers.set(COMMAND_REPLY_HEADER, inbox);
    headers.set("Authorization", `Bearer ${await serviceToken()}`);
    const envelope = newEnvelope({ type: "vn.onestop.intake.submit_dossier.v1", source: "urn:onestop:system:e2e", subject: "x", time: "2025-08-20T09:00:00+07:00", data });
    await jetstream(systemNc).publish("intake.cmd.submit", JSON.stringify(envelope), { msgID: envelope.id, headers });
    for await (const message of answers) return message.json<Record<string, unknown>>();
    throw new Error("no answer to the command");
  } finally {
    await systemNc.drain();
  }
}

beforeAll(async () => {
  receiver = createServer(async (request, response) => {
    exports.push({ path: request.url ?? "", text: await bodyOf(request) });
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const otlp = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "200",
  };
  const common = { MONGO_URL: env.mongoUrl, LOG_LEVEL: "debug", PERSONAL_DATA_KEY, ...otlp };
  grpcPort = await freePort();
  intake = await startServiceProcess("intake", { ...common, ...env.natsEnv("intake"), MONGO_DB: `${env.dbName}_intake`, GRPC_PORT: String(grpcPort), OTEL_SERVICE_NAME: "intake-pd" });
  reporting = await startServiceProcess("reporting", {
    ...common,
    ...env.natsEnv("reporting"),
    MONGO_DB: `${env.dbName}_reporting`,
    GRPC_PORT: "0",
    REPORTING_CONSUMER: `reporting_pd_${env.prefix}`,
    OTEL_SERVICE_NAME: "reporting-pd",
  });
  nc = await connect(env.nats);
});

afterAll(async () => {
  await nc?.drain();
  await reporting?.stop();
  await intake?.stop();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
});

describe("personal data in logs and traces", () => {
  it("never shows a seeded ID number, name, phone or e-mail, whatever the requests did", async () => {
    const codes: string[] = [];

    // REST: two valid dossiers, one followed through its decision, each read back.
    for (const [person, at] of [
      [A, "2025-08-19T09:00:00+07:00"],
      [B, "2025-08-19T10:00:00+07:00"],
    ] as const) {
      const created = await rest("POST", "/v1/dossiers", submission(person, at));
      expect(created.status, created.text).toBe(201);
      codes.push(created.body.code);
      const view = await rest("GET", `/v1/dossiers/${created.body.code}`);
      expect(view.status).toBe(200);
      // The API answers the applicant masked, never as given.
      expect(leaksIn(view.text)).toEqual([]);
    }
    const decided = await rest("POST", `/v1/dossiers/${codes[0]}/events`, { eventId: "pd-1", type: "RESOLVED", at: "2025-08-20T10:00:00+07:00", outcome: "APPROVED" });
    expect(decided.status, decided.text).toBe(200);
    expect(leaksIn(decided.text)).toEqual([]);

    // REST: requests failing validation on the personal fields themselves.
    const bad = [
      submission(A, "2025-08-19T11:00:00+07:00", { idNumber: `${A.idNumber}5` }), // 13 digits
      submission(A, "2025-08-19T11:00:00+07:00", { idNumber: A.idNumber.slice(0, 11) }),
      submission(B, "2025-08-19T11:00:00+07:00", { phone: `${B.phone}99` }),
      submission(C, "2025-08-19T11:00:00+07:00", { email: `${C.fullName}@` }),
      submission(C, "2025-08-19T11:00:00+07:00", { fullName: `${C.fullName} `.repeat(12) }), // too long
      submission(D, "2025-08-19T11:00:00+07:00", { fullName: `${D.fullName}\uD800` }), // not valid Unicode
      submission(D, "2025-08-19T11:00:00+07:00", { idNumber: 86195271834 }), // a number, not a string
      { ...submission(A, "2025-08-19T11:00:00+07:00"), agencyCode: A.idNumber, procedureCode: A.fullName },
    ];
    for (const body of bad) {
      const response = await rest("POST", "/v1/dossiers", body);
      expect(response.status, response.text).toBe(400);
    }
    // Not JSON: JSON.parse quotes part of the body in its error.
    const notJson = await rest("POST", "/v1/dossiers", `{"applicant": {"fullName": ${A.fullName}, "idNumber": "${A.idNumber}", "phone": ${A.phone}}}`);
    expect(notJson.status).toBe(400);
    const notJsonToo = await rest("POST", "/v1/dossiers", `x{"fullName": "${B.fullName}"}`);
    expect(notJsonToo.status).toBe(400);
    // A citizen ID where a dossier code belongs, in the path and the query.
    expect((await rest("GET", `/v1/dossiers/${C.idNumber}`)).status).toBe(404);
    await rest("GET", `/v1/agencies?at=${encodeURIComponent(C.fullName)}&phone=${C.phone}`);

    // gRPC: one valid dossier, one refused on the ID number.
    const grpcRequest = SubmitDossierRequest.fromPartial({
      procedureCode: "1.004873",
      agencyCode: AGENCY,
      channel: Channel.CHANNEL_IN_PERSON,
      receivedAt: "2025-08-19T14:00:00+07:00",
      applicant: { idNumber: C.idNumber, fullName: C.fullName, phone: C.phone, email: C.email },
      components: [{ typeCode: "TK_TTHN", name: "Tờ khai", reused: false, documentId: "" }],
    });
    const submitted = await grpcCall<SubmitDossierResponse>((client, metadata, cb) => client.submitDossier(grpcRequest, metadata, cb));
    expect(submitted.error).toBeUndefined();
    codes.push(submitted.value!.code);
    const shown = await grpcCall<GetDossierResponse>((client, metadata, cb) => client.getDossier({ code: submitted.value!.code }, metadata, cb));
    expect(shown.error).toBeUndefined();
    expect(leaksIn(JSON.stringify(shown.value))).toEqual([]);
    const refused = await grpcCall<SubmitDossierResponse>((client, metadata, cb) =>
      client.submitDossier({ ...grpcRequest, applicant: { ...grpcRequest.applicant!, idNumber: `${C.idNumber}0`, fullName: `${C.fullName}\uD800` } }, metadata, cb),
    );
    expect(refused.error?.details).toContain("applicant.idNumber");

    // NATS command: one refused on the phone (the rejection is logged and published). Every intake
    // running on this NATS shares the command consumer, so another test file's may be the one that
    // answers: its answer is checked, not this process's log line.
    const rejection = await command({
      procedureCode: "1.004873",
      agencyCode: AGENCY,
      channel: "CHANNEL_IN_PERSON",
      receivedAt: "2025-08-20T09:00:00+07:00",
      applicant: { idNumber: D.idNumber, fullName: D.fullName, phone: `${D.phone}123` },
    });
    expect(rejection).toMatchObject({ code: "invalid-request" });

    // An old received event, published before applicant_ref, still carrying the applicant.
    const legacyCode = `${AGENCY}-250819-9001`;
    const legacy = newEnvelope({
      type: "vn.onestop.dossier.received.v1",
      source: `urn:onestop:agency:${AGENCY}`,
      subject: legacyCode,
      time: "2025-08-19T15:00:00+07:00",
      data: {
        dossierCode: legacyCode,
        procedureCode: "1.004873",
        sectorCode: "HO_TICH",
        agencyCode: AGENCY,
        receivingUnitCode: AGENCY,
        level: "LEVEL_COMMUNE",
        channel: "CHANNEL_IN_PERSON",
        onlineMode: "ONLINE_MODE_NONE",
        receivedAt: "2025-08-19T15:00:00+07:00",
        dueAt: "2025-08-22T23:59:59.999+07:00",
        timeLimit: { amount: 3, unit: "TIME_UNIT_WORKING_DAYS" },
        applicant: { idNumber: D.idNumber, fullName: D.fullName, phone: D.phone, email: D.email },
      },
    });
    await publishEvent(jetstream(nc), subjectFor("vn.onestop.dossier.received.v1", { agencyCode: AGENCY }), legacy);
    codes.push(legacyCode);

    // Reporting folds every receipt, the old one included, without a poison message.
    const report = await waitFor(
      async () => {
        const response = await fetch(`${reporting.httpUrl}/v1/reports/tthc?period=2025-Q3&agency=${AGENCY}`, { headers: await authorization() });
        const body = (await response.json()) as { totals?: { received?: { total?: number } } };
        return body.totals?.received?.total === 4 && body;
      },
      { timeoutMs: 30_000, description: "reporting's count of the four receipts" },
    );
    expect(report.totals!.received!.total).toBe(4);
    // Intake published the new receipts with the applicant's keyed hash, as reporting was told.
    await waitFor(() => reporting.output().includes(codes[2]!), { timeoutMs: 10_000, description: "reporting's debug line of the gRPC dossier" });

    // Stopping flushes the last spans.
    expect(await reporting.stop()).toBe(0);
    expect(await intake.stop()).toBe(0);
    await waitFor(() => exports.some((e) => e.path === "/v1/traces" && e.text.includes("reporting-pd")) && exports.some((e) => e.path === "/v1/traces" && e.text.includes("intake-pd")), {
      timeoutMs: 15_000,
      description: "OTLP trace exports of both services",
    });

    const logs = `${intake.output()}\n${reporting.output()}`;
    const traces = exports
      .filter((e) => e.path === "/v1/traces")
      .map((e) => e.text)
      .join("\n");
    const everything = `${logs}\n${exports.map((e) => e.text).join("\n")}`;

    // Not vacuous: debug logs and spans of both services were captured and name the dossiers.
    expect(logs).toContain('"level":"debug"');
    expect(logs).toContain('"service":"intake"');
    expect(logs).toContain('"service":"reporting"');
    for (const code of codes.slice(0, 3)) expect(logs, `intake's log of ${code}`).toContain(`"dossier":"${code}"`);
    expect(logs).toContain(legacyCode);
    expect(traces).toContain(`/v1/dossiers/${codes[0]}`);
    expect(traces).toContain(`"/v1/dossiers/${C.idNumber.slice(0, 3)}*******${C.idNumber.slice(-2)}"`); // the ID in the path, masked
    expect(traces).toContain('"http.response.status_code","value":{"intValue":400}');
    expect(traces).toContain("publish dossier.000_00_54_H06.received");
    expect(traces).toContain("process intake.cmd.submit");
    expect(traces).toContain("process DOSSIER");
    expect(traces).toContain("insert dossiers");
    expect(traces).toContain("/v1/agencies");
    expect(traces).toContain('"stringValue":"127.0.0.1"'); // network addresses are not personal
    expect(traces.length).toBeGreaterThan(10_000);
    // The keyed hash is all that travelled: the refs are fine anywhere.
    expect(applicantRef(A.idNumber, PERSONAL_DATA_KEY)).toMatch(/^[0-9a-f]{64}$/);

    expect(leaksIn(logs), "personal data in the logs").toEqual([]);
    expect(leaksIn(traces), "personal data in the spans").toEqual([]);
    expect(leaksIn(everything), "personal data in anything exported").toEqual([]);
  }, 180_000);
});
