/** gRPC client-streaming upload over the real object store, store and NATS: the same checks as REST. */
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { DigitisationServiceClient, UploadHeader, type UploadDocumentResponse } from "@onestop/contracts";
import { freePort } from "@onestop/devservers";
import type { ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deskOfficer, dossierCode, pdf, startDigitisation } from "./helpers.js";

let service: ServiceProcess;
let client: DigitisationServiceClient;
let token: string;

beforeAll(async () => {
  const port = await freePort();
  service = await startDigitisation({ GRPC_PORT: String(port) });
  client = new DigitisationServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  token = await deskOfficer();
});
afterAll(async () => {
  client?.close();
  await service?.stop();
});

function send(header: unknown, file: Buffer): Promise<UploadDocumentResponse> {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    const call = client.uploadDocument(metadata, (error: ServiceError | null, response?: UploadDocumentResponse) => (error ? reject(error) : resolve(response!)));
    call.write({ header: UploadHeader.fromJSON({ ...(header as object), kind: "DOCUMENT_KIND_COMPONENT" }) });
    for (let offset = 0; offset < file.length; offset += 64 * 1024) call.write({ chunk: file.subarray(offset, offset + 64 * 1024) });
    call.end();
  });
}

const document = { documentTypeCode: "GKS", holder: { idNumber: "024090001234" }, name: "Giấy khai sinh", summary: "Bản sao", validFrom: "2020-01-01", scope: "Toàn quốc" };

describe("gRPC UploadDocument", () => {
  it("streams a file in chunks and registers it; the same file again is not registered twice", async () => {
    const file = pdf(700_000);
    const header = { kind: "DOCUMENT_KIND_COMPONENT", dossierCode: dossierCode(), agencyCode: "000.00.03.H06", componentTypeCode: "TK", document };
    const response = await send(header, file);
    expect(response.created).toBe(true);
    expect(response.document?.sizeBytes).toBe(file.length);
    expect(response.document?.holder?.idNumber).not.toBe("024090001234");
    expect((await send(header, file)).created).toBe(false);
  });

  it("refuses missing metadata (INVALID_ARGUMENT) and a disguised type", async () => {
    const base = { kind: "DOCUMENT_KIND_COMPONENT", dossierCode: dossierCode(), agencyCode: "000.00.03.H06", componentTypeCode: "TK" };
    await expect(send({ ...base, document: { ...document, name: "" } }, pdf())).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(send({ ...base, document }, Buffer.from("MZ not a pdf at all"))).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});
