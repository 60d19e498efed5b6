/** No token, or one that does not verify. The message is for logs; callers get no detail. */
export class AuthenticationError extends Error {
  constructor(readonly reason: string) {
    super(`unauthenticated: ${reason}`);
    this.name = "AuthenticationError";
  }
}

/** A verified caller asking for something outside their role or jurisdiction. */
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}
