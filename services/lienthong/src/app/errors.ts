export interface FieldError {
  path: string;
  message: string;
}

/** Bad input: 400 / INVALID_ARGUMENT naming each field; nothing is written. */
export class ValidationError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.path}: ${error.message}`).join("; "));
    this.name = "ValidationError";
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** A rule of the bundle forbids the action now: 409 / FAILED_PRECONDITION with the rule's code. */
export class ConflictError extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = "ConflictError";
  }
}
