import type { ErrorRequestHandler, Response } from "express";
import { authProblemOf } from "@onestop/auth";
import { DeadlineError } from "@onestop/calendar";
import { RateLimitedError, rateLimitProblem } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { ConflictError, NotFoundError, ValidationError, type FieldError } from "../../app/errors.js";
import { LifecycleRuleError } from "../../domain/lifecycle.js";

/** RFC 9457 problem details; `errors` names each bad field, `rule` the lifecycle rule broken. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  rule?: string;
  /** 429: the seconds to wait (Retry-After), not part of the body. */
  retryAfterSeconds?: number;
}

export function sendProblem(res: Response, { retryAfterSeconds, ...problem }: Problem): void {
  if (retryAfterSeconds !== undefined) res.set("Retry-After", String(retryAfterSeconds));
  res.status(problem.status).type("application/problem+json").json(problem);
}

/** Maps an error to its problem; unknown errors become a 500 without internals. */
export function problemOf(error: unknown): Problem {
  const authProblem = authProblemOf(error);
  if (authProblem) return authProblem;
  if (error instanceof RateLimitedError) return { ...rateLimitProblem(error), retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof ValidationError) {
    return { type: "urn:onestop:problem:invalid-request", title: "Invalid request", status: 400, detail: error.message, errors: error.errors };
  }
  if (error instanceof NotFoundError) return { type: "urn:onestop:problem:not-found", title: "Not found", status: 404, detail: error.message };
  if (error instanceof LifecycleRuleError || error instanceof ConflictError) {
    return { type: "urn:onestop:problem:conflict", title: "Conflict with the dossier's state", status: 409, detail: error.message, rule: error.rule };
  }
  if (error instanceof DeadlineError) {
    return { type: "urn:onestop:problem:conflict", title: "Conflict with the deadline rules", status: 409, detail: error.message, rule: error.code };
  }
  return { type: "urn:onestop:problem:internal", title: "Internal error", status: 500, detail: "the request could not be completed" };
}

/** Express error handler: body-parser failures (bad JSON, too large) and everything thrown by routes. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    if (error.type === "entity.too.large") {
      sendProblem(res, { type: "urn:onestop:problem:too-large", title: "Payload too large", status: 413, detail: error.message ?? "" });
      return;
    }
    if (error.type === "entity.parse.failed") {
      sendProblem(res, {
        type: "urn:onestop:problem:invalid-request",
        title: "Invalid request",
        status: 400,
        detail: "the body is not valid JSON",
        errors: [{ path: "(body)", message: "not valid JSON" }],
      });
      return;
    }
    const clientError = clientErrorOf(error);
    if (clientError) {
      sendProblem(res, clientError);
      return;
    }
    const problem = problemOf(error);
    if (problem.status === 500) log.error("request failed", { error });
    sendProblem(res, problem);
  };
}

/**
 * The other errors express and its body parser raise for a client's mistake (they carry a 4xx
 * `status` and `expose`): a charset or Content-Encoding it cannot read (415), a body cut short or
 * not matching its Content-Length, a path parameter whose percent-encoding is broken (400).
 */
function clientErrorOf(error: { type?: string; status?: number; expose?: boolean; message?: string }): Problem | undefined {
  const status = error.status;
  if (typeof status !== "number" || status < 400 || status > 499 || error.expose === false) return undefined;
  if (status === 415) {
    return { type: "urn:onestop:problem:unsupported-media-type", title: "Unsupported media type", status, detail: "the body's charset or encoding is not supported: send UTF-8 JSON" };
  }
  if (status === 400) {
    const where = error.type === undefined && /decode param/i.test(error.message ?? "") ? "(path)" : "(body)";
    return {
      type: "urn:onestop:problem:invalid-request",
      title: "Invalid request",
      status,
      detail: where === "(path)" ? "a path parameter is not valid percent-encoded UTF-8" : "the body could not be read",
      errors: [{ path: where, message: where === "(path)" ? "malformed percent-encoding" : "unreadable body" }],
    };
  }
  return { type: "urn:onestop:problem:invalid-request", title: "Client error", status, detail: "the request could not be read" };
}
