import { PassThrough, Readable } from "node:stream";
import { Metadata, Server, ServerCredentials, status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type StatusObject } from "@grpc/grpc-js";
import type { TokenVerifier } from "@onestop/auth";
import {
  DigitisationServiceService,
  DocumentKind,
  FieldError,
  ReuseSource,
  type DocumentMetadata as ProtoMetadata,
  type FindReusableDocumentsRequest,
  type FindReusableDocumentsResponse,
  type GetDocumentRequest,
  type GetDocumentResponse,
  type IssueElectronicResultRequest,
  type IssueElectronicResultResponse,
  type RecordReuseRequest,
  type RecordReuseResponse,
  type RegisterComponentRequest,
  type RegisterComponentResponse,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
  type UploadHeader,
} from "@onestop/contracts";
import type { Caller } from "@onestop/auth";
import { authenticateCallLimited, GRPC_SERVER_OPTIONS, RETRY_AFTER_KEY, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { documentView, type Digitisation } from "../../app/digitisation.js";
import { TooLargeError, ValidationError, type FieldError as DomainFieldError } from "../../app/errors.js";
import { sniffType } from "../../domain/file-type.js";
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
  503: status.UNAVAILABLE,
};

function statusOf(error: unknown): StatusObject {
  const problem = problemOf(error);
  const metadata = new Metadata();
  for (const fieldError of problem.errors ?? []) metadata.add(FIELD_ERRORS_KEY, Buffer.from(FieldError.encode(fieldError).finish()));
  if (problem.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_KEY, String(problem.retryAfterSeconds));
  return { code: CODE_OF_HTTP_STATUS[problem.status] ?? status.INTERNAL, details: problem.detail, metadata };
}

/** Files carried inside one message (RegisterComponent, IssueElectronicResult, GetDocument) are at most this large. */
export const INLINE_FILE_BYTES = 4 * 1024 * 1024;

const text = (value: string | undefined) => (value ? value : undefined);

/** The REST body an upload header stands for (proto3 leaves absent strings empty and numbers zero). */
function registrationOf(header: UploadHeader): Record<string, unknown> {
  return {
    kind: header.kind === DocumentKind.DOCUMENT_KIND_RESULT ? "RESULT" : header.kind === DocumentKind.DOCUMENT_KIND_COMPONENT ? "COMPONENT" : "UNSPECIFIED",
    dossierCode: text(header.dossierCode),
    agencyCode: text(header.agencyCode),
    componentTypeCode: text(header.componentTypeCode),
    resultTypeCode: text(header.resultTypeCode),
    document: documentOf(header.document),
  };
}

/** The REST metadata a contract's document stands for; the fields the service fills are not read. */
function documentOf(document: ProtoMetadata | undefined): Record<string, unknown> | undefined {
  return (
    document && {
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
    }
  );
}

/** A stored document as the contract's metadata, the holder masked. */
export function protoMetadataOf(stored: StoredDocument): ProtoMetadata {
  const view = documentView(stored);
  const { metadata } = view;
  return {
    documentId: view.id,
    documentTypeCode: metadata.documentTypeCode,
    holder: {
      idNumber: metadata.holder.idNumber ?? "",
      fullName: metadata.holder.fullName ?? "",
      birthYear: typeof metadata.holder.birthYear === "number" ? metadata.holder.birthYear : 0,
      holderRef: view.holderRef,
    },
    name: metadata.name,
    summary: metadata.summary,
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

/** A unary call: the caller authenticated (and within its rate), then the handler's answer or the status of what it threw. */
function unary<Req, Res>({ verifier, limiter, log }: DigitisationGrpcDeps, handle: (request: Req, caller: Caller) => Promise<Res>) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    authenticateCallLimited(verifier, limiter, call)
      .then((caller) => handle(call.request, caller))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          if (problemOf(error).status === 500) log.error("gRPC call failed", { error });
          callback(statusOf(error));
        },
      );
  };
}

/**
 * A file carried in one message, registered as the REST and streamed uploads do: the metadata
 * and the caller first, then the same checks on the bytes (type by its first bytes, size, SHA-256).
 */
async function registerInline(
  digitisation: Digitisation,
  caller: Caller,
  raw: Record<string, unknown>,
  file: { content: Buffer | Uint8Array; mediaType: string },
): Promise<{ created: boolean; stored: StoredDocument }> {
  const content = Buffer.from(file.content.buffer, file.content.byteOffset, file.content.byteLength);
  if (content.length > INLINE_FILE_BYTES) throw new TooLargeError(INLINE_FILE_BYTES);
  const fileErrors: DomainFieldError[] = content.length === 0 ? [{ path: "content", message: "thiếu tệp" }] : [];
  const accepted = await digitisation.accept(caller, raw).catch((error: unknown) => {
    if (error instanceof ValidationError && fileErrors.length > 0) throw new ValidationError([...error.errors, ...fileErrors]);
    throw error;
  });
  if (fileErrors.length > 0) throw new ValidationError(fileErrors);
  const sniffed = sniffType(content.subarray(0, 16));
  if (file.mediaType && sniffed && file.mediaType !== sniffed.mediaType) {
    throw new ValidationError([{ path: "mediaType", message: `nội dung tệp là ${sniffed.mediaType}, không phải ${file.mediaType}` }]);
  }
  return digitisation.upload(accepted, Readable.from([content]));
}

async function readAll(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.destroy();
      throw new TooLargeError(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function handlers(deps: DigitisationGrpcDeps) {
  const { digitisation } = deps;
  return {
    uploadDocument: uploadDocument(deps),

    registerComponent: unary<RegisterComponentRequest, RegisterComponentResponse>(deps, async (request, caller) => {
      const raw = { kind: "COMPONENT", dossierCode: text(request.dossierCode), componentTypeCode: text(request.componentTypeCode), document: documentOf(request.document) };
      const { stored } = await registerInline(digitisation, caller, raw, { content: request.content, mediaType: request.mediaType });
      return { document: protoMetadataOf(stored) };
    }),

    issueElectronicResult: unary<IssueElectronicResultRequest, IssueElectronicResultResponse>(deps, async (request, caller) => {
      const raw = { kind: "RESULT", dossierCode: text(request.dossierCode), resultTypeCode: text(request.resultTypeCode), document: documentOf(request.document) };
      const { stored } = await registerInline(digitisation, caller, raw, { content: request.content, mediaType: request.mediaType });
      return { resultNumber: documentView(stored).resultNumber ?? "", document: protoMetadataOf(stored) };
    }),

    findReusableDocuments: unary<FindReusableDocumentsRequest, FindReusableDocumentsResponse>(deps, async (request, caller) => {
      const found = await digitisation.findReusable(caller, {
        dossierCode: text(request.dossierCode),
        holderIdNumber: text(request.holderIdNumber),
        documentTypeCodes: request.documentTypeCodes,
        validOn: text(request.validOn),
      });
      return { documents: found.map(protoMetadataOf) };
    }),

    recordReuse: unary<RecordReuseRequest, RecordReuseResponse>(deps, async (request, caller) => {
      if (request.source !== ReuseSource.REUSE_SOURCE_UNSPECIFIED && request.source !== ReuseSource.REUSE_SOURCE_DIGITISED_DOCUMENT) {
        throw new ValidationError([{ path: "source", message: "chỉ tái sử dụng được giấy tờ đã số hóa của hệ thống này (REUSE_SOURCE_DIGITISED_DOCUMENT)" }]);
      }
      const { created } = await digitisation.recordReuse(caller, request.dossierCode, {
        componentTypeCode: text(request.componentTypeCode),
        documentId: text(request.documentId),
        holderIdNumber: text(request.holderIdNumber),
      });
      return { created };
    }),

    getDocument: unary<GetDocumentRequest, GetDocumentResponse>(deps, async (request, caller) => {
      const stored = await digitisation.get(caller, request.documentId);
      const { mediaType, size } = stored.document.content;
      // Up to 4 MiB the file comes along (a download, recorded as one); a larger one through REST.
      if (size > INLINE_FILE_BYTES) return { document: protoMetadataOf(stored), content: Buffer.alloc(0), mediaType };
      const { body } = await digitisation.content(caller, request.documentId);
      return { document: protoMetadataOf(stored), content: await readAll(body, INLINE_FILE_BYTES), mediaType };
    }),
  };
}

/** Serves DigitisationService on `host:port`, without TLS. */
export async function startDigitisationGrpc(deps: DigitisationGrpcDeps, port: number, host = "127.0.0.1"): Promise<RunningGrpcServer> {
  // A message may carry a whole file of up to 4 MiB (RegisterComponent, IssueElectronicResult).
  const server = new Server({ ...GRPC_SERVER_OPTIONS, "grpc.max_receive_message_length": INLINE_FILE_BYTES + 64 * 1024 });
  server.addService(DigitisationServiceService, handlers(deps));
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
