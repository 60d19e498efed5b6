import { Metadata, status, type StatusObject } from "@grpc/grpc-js";
import { authStatusOf } from "@onestop/auth";
import { FieldError } from "@onestop/contracts";
import { RateLimitedError, rateLimitProblem, RETRY_AFTER_KEY } from "@onestop/service-kit";

/**
 * Trailing metadata of an INVALID_ARGUMENT answer: each bad request field is one value of
 * FIELD_ERRORS_KEY, a binary `onestop.common.v1.FieldError` whose path is the request field's
 * name as in its JSON form (e.g. "agencyCode"). The same key as intake's gRPC API.
 */
const FIELD_ERRORS_KEY = "onestop-field-errors-bin";

/** Bad request fields, named as in the request message. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  constructor(readonly errors: FieldError[]) {
    super(`bad request field(s): ${[...new Set(errors.map((e) => e.path))].join(", ")}`);
  }
}

/** The status a failed call answers: its field errors for bad input, the auth failure, otherwise INTERNAL without internals. */
export function statusOf(error: unknown): StatusObject {
  const metadata = new Metadata();
  const auth = authStatusOf(error);
  if (auth) return { ...auth, metadata };
  if (error instanceof RateLimitedError) {
    metadata.set(RETRY_AFTER_KEY, String(error.retryAfterSeconds));
    return { code: status.RESOURCE_EXHAUSTED, details: rateLimitProblem(error).detail, metadata };
  }
  if (!(error instanceof InvalidArgumentError)) return { code: status.INTERNAL, details: "the report could not be computed", metadata };
  for (const fieldError of error.errors) metadata.add(FIELD_ERRORS_KEY, Buffer.from(FieldError.encode(fieldError).finish()));
  return { code: status.INVALID_ARGUMENT, details: error.message, metadata };
}

/** For clients: the field errors carried by a failed call's trailing metadata. */
export function fieldErrorsOf(metadata: Metadata): FieldError[] {
  // grpc-js hands binary ("-bin") values over as Buffers, already base64-decoded.
  return metadata
    .get(FIELD_ERRORS_KEY)
    .filter(Buffer.isBuffer)
    .map((value) => FieldError.decode(value));
}
