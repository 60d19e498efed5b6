/** One problem with a request, named by its path in the body (`applicant.idNumber`, `fees[1].amount`). */
export interface FieldError {
  path: string;
  message: string;
}

/** The request is malformed: 400, nothing stored, nothing published. */
export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.path}: ${e.message}`).join("; "));
  }
}

export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
}

/** The request conflicts with what is stored (idempotency key reused with another body): 409. */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}
