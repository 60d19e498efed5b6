import { randomBytes } from "node:crypto";
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { readStream } from "@onestop/bus";
import { agencyToken, Dossier, IntakeServiceService, type GetDossierRequest, type GetDossierResponse } from "@onestop/contracts";
import { objectStoreEnv, serviceToken, startServiceProcess, testEnv, testToken, type ServiceProcess } from "@onestop/testkit";
import { MongoClient } from "mongodb";
import { afterAll } from "vitest";

export const env = testEnv();
export const objects = objectStoreEnv();

/** Sở Tư pháp tỉnh Bắc Ninh and Sở Xây dựng tỉnh Bắc Ninh (the demo realm's agencies). */
export const AGENCY = "000.00.03.H06";
export const OTHER_AGENCY = "000.00.09.H06";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
export type Body = any;

/**
 * Intake as digitisation sees it: a gRPC IntakeService answering GetDossier from the dossiers the
 * tests filed with `dossierCode()` (NOT_FOUND for any other), and recording who asked. The
 * end-to-end file (agency.test.ts) runs the real intake instead.
 */
export interface FakeIntake {
  address: string;
  dossiers: Map<string, { agencyCode: string; receivingUnitCode: string; components: string[] }>;
  /** The authorization metadata of each GetDossier, in order. */
  asked: Array<{ code: string; authorization: string }>;
}

const filed: FakeIntake["dossiers"] = new Map();
let intake: Promise<{ fake: FakeIntake; server: Server }> | undefined;
export function fakeIntake(): Promise<FakeIntake> {
  intake ??= (async () => {
    const fake: FakeIntake = { address: "", dossiers: filed, asked: [] };
    const server = new Server();
    const unimplemented = (_call: unknown, callback: sendUnaryData<never>) => callback({ code: status.UNIMPLEMENTED });
    server.addService(IntakeServiceService, {
      getDossier: (call: ServerUnaryCall<GetDossierRequest, GetDossierResponse>, callback: sendUnaryData<GetDossierResponse>) => {
        fake.asked.push({ code: call.request.code, authorization: String(call.metadata.get("authorization")[0] ?? "") });
        const found = fake.dossiers.get(call.request.code);
        if (!found) return callback({ code: status.NOT_FOUND, details: `no dossier ${call.request.code}` });
        callback(null, {
          dossier: Dossier.fromPartial({
            code: call.request.code,
            agencyCode: found.agencyCode,
            receivingUnitCode: found.receivingUnitCode,
            components: found.components.map((typeCode) => ({ typeCode, name: typeCode })),
          }),
        });
      },
      submitDossier: unimplemented,
      recordDossierEvent: unimplemented,
      listProcedures: unimplemented,
      listAgencies: unimplemented,
      computeDeadline: unimplemented,
      listNonWorkingDays: unimplemented,
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    fake.address = `127.0.0.1:${port}`;
    return { fake, server };
  })();
  return intake.then(({ fake }) => fake);
}
afterAll(async () => {
  const running = await intake;
  running?.server.forceShutdown();
});

/** The service as a process, asking the fake intake (unless `extra` names another) with a service token. */
export async function startDigitisation(extra: Record<string, string> = {}, options: { logFile?: string } = {}): Promise<ServiceProcess> {
  const { address } = await fakeIntake();
  return startServiceProcess(
    "digitisation",
    {
      ...env.natsEnv("digitisation"),
      MONGO_URL: env.mongoUrl,
      MONGO_DB: env.dbName,
      ...objects,
      LOG_LEVEL: "debug",
      INTAKE_GRPC_URL: address,
      ONESTOP_TOKEN: await serviceToken(),
      ...extra,
    },
    options,
  );
}

export function deskOfficer(agencyCode = AGENCY, sub = `desk-${agencyCode}`): Promise<string> {
  return testToken({ sub, preferred_username: sub, roles: ["desk_officer"], agency_code: agencyCode });
}

/** A PDF-looking file of `size` bytes (random after the magic bytes, so each is unique). */
export function pdf(size = 64 * 1024): Buffer {
  const head = Buffer.from("%PDF-1.7\n");
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);
}

export function metadata(overrides: Record<string, unknown> = {}, document: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "COMPONENT",
    agencyCode: AGENCY,
    componentTypeCode: "TK",
    ...overrides,
    document: {
      documentTypeCode: "GKS",
      holder: { idNumber: "024090001234" },
      name: "Giấy khai sinh",
      summary: "Bản sao giấy khai sinh của người nộp hồ sơ",
      validFrom: "2020-01-01",
      scope: "Toàn quốc",
      ...document,
    },
  };
}

export async function upload(
  base: string,
  token: string,
  meta: unknown,
  file: Buffer | undefined,
  options: { fileName?: string; contentType?: string; metadataLast?: boolean } = {},
): Promise<{ status: number; body: Body }> {
  const form = new FormData();
  const blob = file ? new Blob([file], { type: options.contentType ?? "application/pdf" }) : undefined;
  if (!options.metadataLast && meta !== undefined) form.append("metadata", JSON.stringify(meta));
  if (blob) form.append("file", blob, options.fileName ?? "scan.pdf");
  if (options.metadataLast && meta !== undefined) form.append("metadata", JSON.stringify(meta));
  const response = await fetch(`${base}/v1/documents`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: response.status, body: await response.json() };
}

export async function call(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, body: type.includes("json") ? await response.json() : Buffer.from(await response.arrayBuffer()) };
}

export function s3(): S3Client {
  return new S3Client({
    endpoint: objects.S3_ENDPOINT,
    region: objects.S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: objects.S3_ACCESS_KEY_ID, secretAccessKey: objects.S3_SECRET_ACCESS_KEY },
  });
}

/** Every key in the test file's bucket. */
export async function objectKeys(client: S3Client): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: objects.S3_BUCKET, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function documentCount(mongo: MongoClient, filter: Record<string, unknown> = {}): Promise<number> {
  return mongo.db(env.dbName).collection("documents").countDocuments(filter);
}

export interface PublishedEvent {
  subject: string;
  msgId: string | undefined;
  envelope: Body;
  raw: string;
}

/** The digitisation events about `dossierCode` (the envelope's subject) on the DIGITISATION stream. */
export async function eventsOf(nc: NatsConnection, dossierCode: string, agencyCode = AGENCY): Promise<PublishedEvent[]> {
  const found: PublishedEvent[] = [];
  for await (const message of readStream(jetstream(nc), "DIGITISATION", { filterSubjects: [`digitisation.${agencyToken(agencyCode)}.>`] })) {
    const raw = message.string();
    const envelope = JSON.parse(raw) as Body;
    if (envelope.subject === dossierCode) found.push({ subject: message.subject, msgId: message.headers?.get("Nats-Msg-Id"), envelope, raw });
  }
  return found;
}

export function newMongo(): MongoClient {
  return new MongoClient(env.mongoUrl);
}

let serial = 0;
/**
 * A dossier code no other test (or test file) uses, filed at the fake intake: decided by
 * `agencyCode`, received at `receivingUnitCode` (the same by default), with `components`.
 */
export function dossierCode(agencyCode = AGENCY, options: { receivingUnitCode?: string; components?: string[] } = {}): string {
  serial += 1;
  const code = `${options.receivingUnitCode ?? agencyCode}-261202-${env.prefix.slice(1, 5)}${String(serial).padStart(2, "0")}`;
  filed.set(code, { agencyCode, receivingUnitCode: options.receivingUnitCode ?? agencyCode, components: options.components ?? [] });
  return code;
}
