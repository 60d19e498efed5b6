import { PassThrough } from "node:stream";
import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type StatusObject } from "@grpc/grpc-js";
import type { TokenVerifier } from "@onestop/auth";
import {
  DigitisationServiceService,
  DocumentKind,
  FieldError,
  type DocumentMetadata as ProtoMetadata,
  type GetDocumentRequest,
  type GetDocumentResponse,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
  type UploadHeader,
} from "@onestop/contracts";
import { authenticateCallLimited, GRPC_SERVER_OPTIONS, RETRY_AFTER_KEY, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { documentView, type Digitisation } from "../../app/digitisation.js";
import { ValidationError } from "../../app/errors.js";
import type { StoredDocument } from "../../app/ports.js";
import { problemOf } from "../http/problems.js";

export interface DigitisationGrpcDeps {
  digitisation: Digitisation;
  log: Logger;
  verifier: TokenVerifier;
  limiter: RateLimiter;
}

export interface RunningGrpcServer {
  port: number;
  stop(): Promise<void>;
}

/** Trailing metadata of a failed call: each bad field one binary onestop.common.v1.FieldError. */
export const FIELD_ERRORS_KEY = "onestop-field-errors-bin";

const CODE_OF_HTTP_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  413: status.RESOURCE_EXHAUSTED,
  415: status.INVALID_ARGUMENT,
  429: status.RESOURCE_EXHAUSTED,
  500: status.INTERNAL,
};

function statusOf(error: unknown): StatusObject {
  const problem = problemOf(error);
  const metadata = new Metadata();
  for (const fieldError of problem.errors ?? []) metadata.add(FIELD_ERRORS_KEY, Buffer.from(FieldError.encode(fieldError).finish()));
  if (problem.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_KEY, String(problem.retryAfterSeconds));
  return { code: CODE_OF_HTTP_STATUS[problem.status] ?? status.INTERNAL, details: problem.detail, metadata };
}

/** The REST body an upload header stands for (proto3 leaves absent strings empty and numbers zero). */
function registrationOf(header: UploadHeader): Record<string, unknown> {
  const text = (value: string | undefined) => (value ? value : undefined);
  const document = header.document;
  return {
    kind: header.kind === DocumentKind.DOCUMENT_KIND_RESULT ? "RESULT" : header.kind === DocumentKind.DOCUMENT_KIND_COMPONENT ? "COMPONENT" : "UNSPECIFIED",
    dossierCode: text(header.dossierCode),
    agencyCode: text(header.agencyCode),
    componentTypeCode: text(header.componentTypeCode),
    resultTypeCode: text(header.resultTypeCode),
    document: document && {
      documentTypeCode: text(document.documentTypeCode),
      holder: document.holder && {
        idNumber: text(document.holder.idNumber),
        fullName: text(document.holder.fullName),
        birthYear: document.holder.birthYear || undefined,
      },
      name: text(document.name),
      summary: text(document.summary),
      issuedOn: text(document.issuedOn),
      issuer: text(document.issuer),
      validFrom: text(document.validFrom),
      validTo: text(document.validTo),
      scope: text(document.scope),
    },
  };
}

/** A stored document as the contract's metadata, the holder masked. */
export function protoMetadataOf(stored: StoredDocument): ProtoMetadata {
  const view = documentView(stored);
  const { metadata } = view;
  return {
    documentId: view.id,
    documentTypeCode: metadata.documentTypeCode,
    holder: { idNumber: metadata.holder.idNumber ?? "", fullName: metadata.holder.fullName ?? "", birthYear: 0, holderRef: view.holderRef },
    name: metadata.name,
    summary: "",
    issuedOn: metadata.issuedOn ?? "",
    issuer: metadata.issuer ?? "",
    validFrom: metadata.validFrom,
    validTo: metadata.validTo ?? "",
    scope: metadata.scope,
    signedBy: view.signature.keyId,
    signedAt: view.signature.signedAt,
    sha256: view.content.sha256,
    signature: view.signature.value,
    signatureAlgorithm: view.signature.algorithm,
    signatureKeyId: view.signature.keyId,
    digitisedBy: view.digitisedBy,
    digitisedAt: view.digitisedAt,
    mediaType: view.content.mediaType,
    sizeBytes: view.content.size,
  };
}

function uploadDocument({ digitisation, verifier, limiter }: DigitisationGrpcDeps) {
  return (call: ServerReadableStream<UploadDocumentRequest, UploadDocumentResponse>, callback: sendUnaryData<UploadDocumentResponse>): void => {
    const file = new PassThrough();
    let started = false;
    let answered = false;
    const answer = (error: unknown, response?: UploadDocumentResponse) => {
      if (answered) return;
      answered = true;
      if (error !== undefined) {
        file.destroy();
        callback(statusOf(error));
      } else callback(null, response!);
    };
    const caller = authenticateCallLimited(verifier, limiter, call);
    caller.catch((error: unknown) => answer(error));
    call.on("data", (message: UploadDocumentRequest) => {
      if (answered) return;
      if (!started) {
        started = true;
        if (!message.header) return answer(new ValidationError([{ path: "header", message: "thông điệp đầu tiên phải là header (thông tin kèm theo)" }]));
        const raw = registrationOf(message.header);
        caller
          .then((verified) => digitisation.accept(verified, raw))
          .then((accepted) => digitisation.upload(accepted, file))
          .then(
            ({ created, stored }) => answer(undefined, { created, document: protoMetadataOf(stored) }),
            (error: unknown) => answer(error),
          );
        return;
      }
      if (message.chunk === undefined) return answer(new ValidationError([{ path: "chunk", message: "sau header chỉ gửi các phần của tệp" }]));
      // Back-pressure: stop reading the call while the object store catches up.
      if (!file.write(message.chunk)) {
        call.pause();
        file.once("drain", () => call.resume());
      }
    });
    call.on("end", () => {
      if (!started)
        return answer(
          new ValidationError([
            { path: "header", message: "thiếu header" },
            { path: "chunk", message: "thiếu tệp" },
          ]),
        );
      file.end();
    });
    call.on("error", (error) => answer(error));
  };
}

function getDocument({ digitisation, verifier, limiter }: DigitisationGrpcDeps) {
  return (call: ServerUnaryCall<GetDocumentRequest, GetDocumentResponse>, callback: sendUnaryData<GetDocumentResponse>): void => {
    authenticateCallLimited(verifier, limiter, call)
      .then((caller) => digitisation.get(caller, call.request.documentId))
      // The file itself is downloaded through REST (streamed or presigned), not in one message.
      .then((stored) => callback(null, { document: protoMetadataOf(stored), content: Buffer.alloc(0), mediaType: stored.document.content.mediaType }))
      .catch((error: unknown) => callback(statusOf(error)));
  };
}

const unimplemented = (_call: unknown, callback: sendUnaryData<never>) => callback({ code: status.UNIMPLEMENTED, details: "Dùng UploadDocument (gRPC) hoặc REST /v1 cho thao tác này" });

/** Serves DigitisationService on `host:port`, without TLS. */
export async function startDigitisationGrpc(deps: DigitisationGrpcDeps, port: number, host = "127.0.0.1"): Promise<RunningGrpcServer> {
  const server = new Server(GRPC_SERVER_OPTIONS);
  server.addService(DigitisationServiceService, {
    uploadDocument: uploadDocument(deps),
    getDocument: getDocument(deps),
    registerComponent: unimplemented,
    issueElectronicResult: unimplemented,
    findReusableDocuments: unimplemented,
    recordReuse: unimplemented,
  });
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (error, chosen) => (error ? reject(error) : resolve(chosen))));
  return {
    port: bound,
    stop: () =>
      new Promise((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
