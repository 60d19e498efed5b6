import type { Request, RequestHandler, Response } from "express";
import { AuthenticationError, ForbiddenError } from "./errors.js";
import type { Caller, Principal } from "./principal.js";
import { bearerToken, type TokenVerifier } from "./verifier.js";

/** The RFC 9457 problem of an authentication or authorisation failure; undefined for any other error. */
export function authProblemOf(error: unknown): { type: string; title: string; status: 401 | 403; detail: string } | undefined {
  // No reason is given for a 401: it would tell a guesser which part of a forged token failed.
  if (error instanceof AuthenticationError) {
    return { type: "urn:onestop:problem:unauthenticated", title: "Chưa xác thực", status: 401, detail: "Cần mã truy cập (bearer token) hợp lệ" };
  }
  if (error instanceof ForbiddenError) return { type: "urn:onestop:problem:forbidden", title: "Không có quyền", status: 403, detail: error.message };
  return undefined;
}

/**
 * Express middleware: every request after it carries a verified principal (`principalOf(res)`),
 * or is answered 401 with `WWW-Authenticate: Bearer`.
 */
export function authenticate(verifier: TokenVerifier): RequestHandler {
  return (req, res, next) => {
    Promise.resolve()
      .then(() => verifier.verify(bearerToken(req.get("authorization"))))
      .then(
        (principal) => {
          res.locals.principal = principal;
          next();
        },
        (error: unknown) => {
          const problem = authProblemOf(error);
          if (!problem) return next(error);
          res.status(problem.status).set("WWW-Authenticate", 'Bearer realm="onestop"').type("application/problem+json").json(problem);
        },
      );
  };
}

/** The principal `authenticate` attached; a route mounted without it is a programming error. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error("route mounted without authenticate()");
  return principal;
}

/** The caller of a request: its principal, from the client's address. */
export function callerOf(req: Request, res: Response): Caller {
  return { principal: principalOf(res), from: { transport: "rest", ...(req.ip ? { address: req.ip } : {}) } };
}
