/** RFC 9457 problems of the payment service: 400 naming the fields, 404, 409 with the rule, never a stack. */
import type { ErrorRequestHandler, Response } from "express";
import { authProblemOf } from "@onestop/auth";
import { RateLimitedError, rateLimitProblem } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import type { z } from "zod";
import { NotConnectedError } from "../../app/guarded.js";
import { NotFoundError } from "../../app/payments.js";
import { PaymentError } from "../../domain/payment.js";

export interface FieldError {
  path: string;
  message: string;
}

export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(readonly errors: FieldError[]) {
    super(`Yêu cầu không hợp lệ: ${errors.map((e) => e.path).join(", ")}`);
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  rule?: string;
  retryAfterSeconds?: number;
}

/** Parses with a schema; the issues become field errors named by their path (`(body)` for the body itself). */
export function parse<S extends z.ZodType>(schema: S, value: unknown, root = "(body)"): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.map((issue) => ({ path: issue.path.length > 0 ? issue.path.join(".") : root, message: issue.message })));
}

export function problemOf(error: unknown): Problem {
  const auth = authProblemOf(error);
  if (auth) return auth;
  if (error instanceof RateLimitedError) return { ...rateLimitProblem(error), retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof ValidationError) return { type: "urn:onestop:problem:invalid-request", title: "Yêu cầu không hợp lệ", status: 400, detail: error.message, errors: error.errors };
  if (error instanceof NotConnectedError)
    return { type: "urn:onestop:problem:invalid-request", title: "Yêu cầu không hợp lệ", status: 400, detail: error.message, errors: [{ path: "channel", message: error.message }] };
  if (error instanceof NotFoundError) return { type: "urn:onestop:problem:not-found", title: "Không tìm thấy", status: 404, detail: error.message };
  if (error instanceof PaymentError)
    return { type: "urn:onestop:problem:conflict", title: "Không thực hiện được với trạng thái khoản thanh toán", status: 409, detail: error.message, rule: error.code };
  return { type: "urn:onestop:problem:internal", title: "Lỗi hệ thống", status: 500, detail: "Không hoàn thành được yêu cầu" };
}

export function sendProblem(res: Response, { retryAfterSeconds, ...problem }: Problem): void {
  if (retryAfterSeconds !== undefined) res.set("Retry-After", String(retryAfterSeconds));
  res.status(problem.status).type("application/problem+json").json(problem);
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; expose?: boolean; message?: string }, _req, res, _next) => {
    if (error.type === "entity.parse.failed") {
      return sendProblem(res, {
        type: "urn:onestop:problem:invalid-request",
        title: "Yêu cầu không hợp lệ",
        status: 400,
        detail: "Nội dung không phải JSON",
        errors: [{ path: "(body)", message: "not valid JSON" }],
      });
    }
    if (typeof error.status === "number" && error.status >= 400 && error.status < 500 && error.expose !== false) {
      return sendProblem(res, {
        type: "urn:onestop:problem:invalid-request",
        title: "Yêu cầu không hợp lệ",
        status: error.status,
        detail: "Không đọc được yêu cầu",
        errors: [{ path: "(body)", message: "unreadable" }],
      });
    }
    const problem = problemOf(error);
    if (problem.status === 500) log.error("request failed", { error });
    sendProblem(res, problem);
  };
}
