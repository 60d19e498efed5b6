import type { ErrorRequestHandler, Response } from "express";
import { authProblemOf } from "@onestop/auth";
import { RateLimitedError, sendRateLimited } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { ConflictError, NotFoundError, ValidationError, type FieldError } from "../../app/errors.js";

/** RFC 9457 problem details; `errors` names each bad field, `rule` the bundle rule broken. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  rule?: string;
}

export function problemOf(error: unknown): Problem {
  const auth = authProblemOf(error);
  if (auth) return auth;
  if (error instanceof ValidationError) return { type: "urn:onestop:problem:invalid-request", title: "Yêu cầu không hợp lệ", status: 400, detail: error.message, errors: error.errors };
  if (error instanceof NotFoundError) return { type: "urn:onestop:problem:not-found", title: "Không tìm thấy", status: 404, detail: error.message };
  if (error instanceof ConflictError) {
    return {
      type: "urn:onestop:problem:conflict",
      title: "Không phù hợp với trạng thái của nhóm thủ tục",
      status: 409,
      detail: error.message,
      rule: error.rule,
      ...(error.path ? { errors: [{ path: error.path, message: error.message }] } : {}),
    };
  }
  // What express and its body parser raise for a client's mistake (bad JSON, too large, broken escapes): its 4xx.
  const { status, type, expose } = error as { status?: unknown; type?: unknown; expose?: unknown };
  if (typeof status === "number" && status >= 400 && status < 500 && expose !== false) {
    const where = type === "entity.parse.failed" || typeof type === "string" ? "(body)" : "(path)";
    return {
      type: "urn:onestop:problem:invalid-request",
      title: "Yêu cầu không hợp lệ",
      status,
      detail: "the request could not be read",
      ...(status === 400 ? { errors: [{ path: where, message: where === "(body)" ? "not valid JSON" : "malformed percent-encoding" }] } : {}),
    };
  }
  return { type: "urn:onestop:problem:internal", title: "Lỗi hệ thống", status: 500, detail: "the request could not be completed" };
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type("application/problem+json").json(problem);
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (error instanceof RateLimitedError) return sendRateLimited(res, error);
    const problem = problemOf(error);
    if (problem.status === 500) log.error("request failed", { error });
    sendProblem(res, problem);
  };
}
