import { Metadata, status, type StatusObject } from "@grpc/grpc-js";
import { FieldError } from "@onestop/contracts";
import { RETRY_AFTER_KEY } from "@onestop/service-kit";
import { problemOf } from "../http/problems.js";

/**
 * Trailing metadata of a failed call. Each bad input field is one value of FIELD_ERRORS_KEY, a binary
 * `onestop.common.v1.FieldError` (path as in the REST body, e.g. "applicant.idNumber"); the lifecycle
 * or conflict rule broken, when there is one, is the text value of RULE_KEY.
 */
export const FIELD_ERRORS_KEY = "onestop-field-errors-bin";
export const RULE_KEY = "onestop-rule";

/** The gRPC code of each REST problem status, so both adapters classify errors alike. */
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

/** Conflicts with a more precise gRPC code than FAILED_PRECONDITION. */
const CODE_OF_RULE: Record<string, status> = {
  DOSSIER_CODE_TAKEN: status.ALREADY_EXISTS,
  // Lost the optimistic-concurrency race five times: retrying the whole call may succeed.
  CONCURRENT_UPDATES: status.ABORTED,
};

/** The status a failed call answers: same classification and details as the REST problem, never a stack. */
export function statusOf(error: unknown): StatusObject {
  const problem = problemOf(error);
  const metadata = new Metadata();
  for (const fieldError of problem.errors ?? []) {
    metadata.add(FIELD_ERRORS_KEY, Buffer.from(FieldError.encode(fieldError).finish()));
  }
  if (problem.rule) metadata.set(RULE_KEY, problem.rule);
  if (problem.retryAfterSeconds !== undefined) metadata.set(RETRY_AFTER_KEY, String(problem.retryAfterSeconds));
  const code = (problem.rule ? CODE_OF_RULE[problem.rule] : undefined) ?? CODE_OF_HTTP_STATUS[problem.status] ?? status.INTERNAL;
  return { code, details: problem.detail, metadata };
}

/** For clients: the field errors carried by a failed call's trailing metadata. */
export function fieldErrorsOf(metadata: Metadata): FieldError[] {
  // grpc-js hands binary ("-bin") values over as Buffers, already base64-decoded.
  return metadata
    .get(FIELD_ERRORS_KEY)
    .filter(Buffer.isBuffer)
    .map((value) => FieldError.decode(value));
}

/** For clients: the rule a failed call names, if any. */
export function ruleOf(metadata: Metadata): string | undefined {
  const [rule] = metadata.get(RULE_KEY);
  return typeof rule === "string" ? rule : undefined;
}
