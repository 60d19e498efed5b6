import type { FieldError } from "../domain/metadata.js";

export type { FieldError } from "../domain/metadata.js";

/** The request is malformed or incomplete: 400 naming each field, nothing stored, nothing published. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join("; "));
  }
}

/** The file is not one of the allowed types (judged by its first bytes): 415, nothing stored. */
export class UnsupportedTypeError extends Error {
  override readonly name = "UnsupportedTypeError";
}

/** The file is larger than MAX_UPLOAD_BYTES: 413, nothing stored. */
export class TooLargeError extends Error {
  override readonly name = "TooLargeError";
  constructor(readonly limitBytes: number) {
    super(`Tệp vượt quá giới hạn ${limitBytes.toLocaleString("vi-VN")} byte`);
  }
}

export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/** Concurrent writers kept winning: 409, retry. */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/** A service this one depends on (intake) did not answer: 503, retry. */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
  readonly retryAfterSeconds = 5;
}
