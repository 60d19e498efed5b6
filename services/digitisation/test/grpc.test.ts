/**
 * Every DigitisationService method over the real object store, store and NATS (intake's dossiers
 * from the fake intake): the same checks and the same authorisation as REST, INVALID_ARGUMENT
 * naming each bad field (trailing metadata onestop-field-errors-bin), and files larger than one
 * multipart part, streamed through gRPC and through REST.
 */
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  DigitisationServiceClient,
  FieldError,
  FindReusableDocumentsRequest,
  GetDocumentRequest,
  IssueElectronicResultRequest,
  RecordReuseRequest,
  RegisterComponentRequest,
  ReuseSource,
  UploadHeader,
  type DocumentMetadata,
  type UploadDocumentResponse,
} from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import type { ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AGENCY, deskOfficer, dossierCode, env, eventsOf, metadata, OTHER_AGENCY, pdf, startDigitisation, upload } from "./helpers.js";

let service: ServiceProcess;
let client: DigitisationServiceClient;
let nc: NatsConnection;
let token: string;
let stranger: string;

beforeAll(async () => {
  const port = await freePort();
  service = await startDigitisation({ GRPC_PORT: String(port) });
  client = new DigitisationServiceClient(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  nc = await connect(env.nats);
  token = await deskOfficer();
  stranger = await deskOfficer(OTHER_AGENCY);
});
afterAll(async () => {
  client?.close();
  await nc?.close();
  await service?.stop();
});

const ID_NUMBER = "024090001234";
const document = { documentTypeCode: "GKS", holder: { idNumber: ID_NUMBER }, name: "Giấy khai sinh", summary: "Bản sao", validFrom: "2020-01-01", scope: "Toàn quốc" };

function auth(bearer: string | undefined = token): Metadata {
  const metadata = new Metadata();
  if (bearer) metadata.set("authorization", `Bearer ${bearer}`);
  return metadata;
}

// biome-ignore lint/suspicious/noExplicitAny: each request type's fromPartial, by method
const REQUESTS: Record<string, { fromPartial(object: any): unknown }> = {
  registerComponent: RegisterComponentRequest,
  issueElectronicResult: IssueElectronicResultRequest,
  findReusableDocuments: FindReusableDocumentsRequest,
  recordReuse: RecordReuseRequest,
  getDocument: GetDocumentRequest,
};

/** A unary method of the client, as a promise; the request's absent fields are proto3's defaults. */
function unary<Res>(method: string, request: unknown, bearer?: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    // biome-ignore lint/suspicious/noExplicitAny: the generated client's methods, called by name
    (client as any)[method](REQUESTS[method]!.fromPartial(request), auth(bearer), (error: ServiceError | null, response: Res) => (error ? reject(error) : resolve(response)));
  });
}

function send(header: unknown, file: Buffer, bearer = token): Promise<UploadDocumentResponse> {
  return new Promise((resolve, reject) => {
    const call = client.uploadDocument(auth(bearer), (error: ServiceError | null, response?: UploadDocumentResponse) => (error ? reject(error) : resolve(response!)));
    call.write({ header: UploadHeader.fromJSON({ kind: "DOCUMENT_KIND_COMPONENT", ...(header as object) }) });
    for (let offset = 0; offset < file.length; offset += 64 * 1024) call.write({ chunk: file.subarray(offset, offset + 64 * 1024) });
    call.end();
  });
}

/** The fields an error names. */
function fieldsOf(error: unknown): string[] {
  return (error as ServiceError).metadata.get("onestop-field-errors-bin").map((value) => FieldError.decode(value as Buffer).path);
}

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to be refused");
}

describe("UploadDocument (client streaming)", () => {
  it("streams a file in chunks and registers it; the same file again is not registered twice", async () => {
    const file = pdf(700_000);
    const header = { dossierCode: dossierCode(), componentTypeCode: "TK", document };
    const response = await send(header, file);
    expect(response.created).toBe(true);
    expect(response.document?.sizeBytes).toBe(file.length);
    expect(response.document?.holder?.idNumber).not.toBe(ID_NUMBER);
    expect((await send(header, file)).created).toBe(false);
  });

  it("refuses missing metadata (INVALID_ARGUMENT naming the field), a disguised type, another agency's officer and an unknown dossier", async () => {
    const base = { dossierCode: dossierCode(), componentTypeCode: "TK" };
    const missing = await refusal(send({ ...base, document: { ...document, name: "" } }, pdf()));
    expect(missing.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldsOf(missing)).toEqual(["document.name"]);
    expect((await refusal(send({ ...base, document }, Buffer.from("MZ not a pdf at all")))).code).toBe(status.INVALID_ARGUMENT);
    expect((await refusal(send({ ...base, document }, pdf(), stranger))).code).toBe(status.PERMISSION_DENIED);
    expect((await refusal(send({ ...base, dossierCode: "000.00.03.H06-261202-NONE", document }, pdf()))).code).toBe(status.NOT_FOUND);
    const wrongAgency = await refusal(send({ ...base, agencyCode: OTHER_AGENCY, document }, pdf()));
    expect(wrongAgency.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldsOf(wrongAgency)).toEqual(["agencyCode"]);
  });

  it("a file larger than one multipart part (12 MB), through gRPC and through REST, is stored whole", async () => {
    const file = pdf(12 * 1024 * 1024);
    const streamed = await send({ dossierCode: dossierCode(), componentTypeCode: "TK", document }, file);
    expect(streamed.document?.sizeBytes).toBe(file.length);
    // GetDocument does not carry a file over 4 MiB: its metadata, and an empty content.
    const got = await unary<{ document: DocumentMetadata; content: Buffer }>("getDocument", { documentId: streamed.document!.documentId });
    expect(got.document.sizeBytes).toBe(file.length);
    expect(got.content.length).toBe(0);

    const other = pdf(12 * 1024 * 1024);
    const posted = await upload(service.httpUrl, token, metadata({ dossierCode: dossierCode() }), other);
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const downloaded = await fetch(`${service.httpUrl}/v1/documents/${posted.body.id}/content`, { headers: { authorization: `Bearer ${token}` } });
    expect(Buffer.compare(Buffer.from(await downloaded.arrayBuffer()), other)).toBe(0);
  }, 60_000);
});

describe("RegisterComponent and GetDocument", () => {
  it("registers a component from one message, announces it, and GetDocument returns the file to those who may see it", async () => {
    const code = dossierCode();
    const file = pdf(300_000);
    const request = { dossierCode: code, componentTypeCode: "TK", document, content: file, mediaType: "application/pdf" };
    const registered = await unary<{ document: DocumentMetadata }>("registerComponent", request);
    expect(registered.document).toMatchObject({ documentTypeCode: "GKS", sizeBytes: file.length, mediaType: "application/pdf", signatureAlgorithm: "Ed25519", digitisedBy: `desk-${AGENCY}` });
    expect(registered.document.holder?.idNumber).not.toBe(ID_NUMBER);
    const again = await unary<{ document: DocumentMetadata }>("registerComponent", request);
    expect(again.document.documentId).toBe(registered.document.documentId);
    expect((await eventsOf(nc, code)).map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.component_digitised.v1"]);

    const got = await unary<{ document: DocumentMetadata; content: Buffer; mediaType: string }>("getDocument", { documentId: registered.document.documentId });
    expect(Buffer.compare(got.content, file)).toBe(0);
    expect(got.mediaType).toBe("application/pdf");
    expect((await refusal(unary("getDocument", { documentId: registered.document.documentId }, stranger))).code).toBe(status.PERMISSION_DENIED);
    expect((await refusal(unary("getDocument", { documentId: registered.document.documentId }, ""))).code).toBe(status.UNAUTHENTICATED);
    expect((await refusal(unary("getDocument", { documentId: "0190f0a0-0000-7000-8000-00000000dead" }))).code).toBe(status.NOT_FOUND);
  });

  it("names every bad field: missing metadata and no file; a media type the bytes contradict; a disguised type", async () => {
    const code = dossierCode();
    const empty = await refusal(unary("registerComponent", { dossierCode: code, componentTypeCode: "", document: { ...document, scope: "" }, content: Buffer.alloc(0) }));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldsOf(empty).sort()).toEqual(["componentTypeCode", "content", "document.scope"]);
    const contradicted = await refusal(unary("registerComponent", { dossierCode: code, componentTypeCode: "TK", document, content: pdf(), mediaType: "image/png" }));
    expect(fieldsOf(contradicted)).toEqual(["mediaType"]);
    const disguised = await refusal(unary("registerComponent", { dossierCode: code, componentTypeCode: "TK", document, content: Buffer.from("MZ\x90\x00 not a scan", "latin1"), mediaType: "" }));
    expect(disguised.code).toBe(status.INVALID_ARGUMENT);
    expect((await refusal(unary("registerComponent", { dossierCode: code, componentTypeCode: "TK", document, content: pdf() }, stranger))).code).toBe(status.PERMISSION_DENIED);
    expect(await eventsOf(nc, code)).toEqual([]);
  });
});

describe("IssueElectronicResult, FindReusableDocuments and RecordReuse", () => {
  it("a result issued electronically is found by a later dossier of the holder at another agency, reused once, announced", async () => {
    const first = dossierCode();
    const issued = await unary<{ resultNumber: string; document: DocumentMetadata }>("issueElectronicResult", { dossierCode: first, resultTypeCode: "KQ.GKS", document, content: pdf() });
    expect(issued.resultNumber).not.toContain(ID_NUMBER);
    expect(issued.resultNumber).not.toBe("");
    expect((await eventsOf(nc, first)).map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.result_issued.v1"]);

    const later = dossierCode(OTHER_AGENCY);
    const found = await unary<{ documents: DocumentMetadata[] }>("findReusableDocuments", { dossierCode: later, holderIdNumber: ID_NUMBER, documentTypeCodes: ["GKS"] }, stranger);
    expect(found.documents.map((d) => d.documentId)).toContain(issued.document.documentId);
    // Not for a dossier the caller may not act on.
    expect((await refusal(unary("findReusableDocuments", { dossierCode: later, holderIdNumber: ID_NUMBER }))).code).toBe(status.PERMISSION_DENIED);

    const reuse = { dossierCode: later, componentTypeCode: "GKS", documentId: issued.document.documentId, holderIdNumber: ID_NUMBER, source: ReuseSource.REUSE_SOURCE_DIGITISED_DOCUMENT };
    expect(await unary("recordReuse", reuse, stranger)).toEqual({ created: true });
    expect(await unary("recordReuse", reuse, stranger)).toEqual({ created: false });
    const reused = await eventsOf(nc, later, OTHER_AGENCY);
    expect(reused.map((e) => e.envelope.type)).toEqual(["vn.onestop.digitisation.document_reused.v1"]);
    // The reusing agency may now read it.
    expect((await unary<{ content: Buffer }>("getDocument", { documentId: issued.document.documentId }, stranger)).content.length).toBeGreaterThan(0);
  });

  it("names the bad fields: a result without the holder's ID number, a search without dossier or holder, a reuse from another source or of no document", async () => {
    const noId = await refusal(
      unary("issueElectronicResult", {
        dossierCode: dossierCode(),
        resultTypeCode: "KQ.GKS",
        document: { ...document, holder: { fullName: "Nguyễn Văn An", birthYear: 1990 }, issuedOn: "2020-01-01", issuer: "UBND" },
        content: pdf(),
      }),
    );
    expect(fieldsOf(noId)).toEqual(["document.holder.idNumber"]);
    const search = await refusal(unary("findReusableDocuments", { documentTypeCodes: ["not a code!"] }));
    expect(search.code).toBe(status.INVALID_ARGUMENT);
    expect(fieldsOf(search).sort()).toEqual(["documentTypeCodes", "dossierCode", "holderIdNumber"]);
    const source = await refusal(
      unary("recordReuse", {
        dossierCode: dossierCode(),
        componentTypeCode: "GKS",
        documentId: "0190f0a0-0000-7000-8000-000000000001",
        holderIdNumber: ID_NUMBER,
        source: ReuseSource.REUSE_SOURCE_POPULATION_DATABASE,
      }),
    );
    expect(fieldsOf(source)).toEqual(["source"]);
    const none = await refusal(unary("recordReuse", { dossierCode: dossierCode(), componentTypeCode: "", documentId: "x", holderIdNumber: "" }));
    expect(fieldsOf(none).sort()).toEqual(["componentTypeCode", "documentId", "holderIdNumber"]);
  });
});
