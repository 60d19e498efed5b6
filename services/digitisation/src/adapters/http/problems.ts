import type { ErrorRequestHandler, Response } from "express";
import { authProblemOf } from "@onestop/auth";
import { RateLimitedError, rateLimitProblem } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { ConflictError, NotFoundError, TooLargeError, UnavailableError, UnsupportedTypeError, ValidationError, type FieldError } from "../../app/errors.js";
import { DigitisationRuleError } from "../../domain/documents.js";

/** RFC 9457 problem details, in Vietnamese; `errors` names each bad or missing field. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  rule?: string;
  retryAfterSeconds?: number;
}

export function sendProblem(res: Response, { retryAfterSeconds, ...problem }: Problem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (retryAfterSeconds !== undefined) res.set("Retry-After", String(retryAfterSeconds));
  // The rest of a refused upload is not read: the connection closes after the answer.
  res.set("Connection", "close");
  res.status(problem.status).type("application/problem+json").json(problem);
}

/** Maps an error to its problem; unknown errors become a 500 without internals. */
export function problemOf(error: unknown): Problem {
  const auth = authProblemOf(error);
  if (auth) return auth;
  if (error instanceof RateLimitedError) return { ...rateLimitProblem(error), retryAfterSeconds: error.retryAfterSeconds };
  if (error instanceof ValidationError) {
    return { type: "urn:onestop:problem:invalid-request", title: "Yêu cầu không hợp lệ", status: 400, detail: "Thiếu hoặc sai thông tin bắt buộc; không có gì được lưu", errors: error.errors };
  }
  if (error instanceof UnsupportedTypeError) return { type: "urn:onestop:problem:unsupported-file-type", title: "Loại tệp không được phép", status: 415, detail: error.message };
  if (error instanceof TooLargeError) return { type: "urn:onestop:problem:too-large", title: "Tệp quá lớn", status: 413, detail: error.message };
  if (error instanceof NotFoundError) return { type: "urn:onestop:problem:not-found", title: "Không tìm thấy", status: 404, detail: error.message };
  if (error instanceof DigitisationRuleError || error instanceof ConflictError) {
    return { type: "urn:onestop:problem:conflict", title: "Không thực hiện được", status: 409, detail: error.message, rule: error.rule };
  }
  if (error instanceof UnavailableError) {
    return { type: "urn:onestop:problem:unavailable", title: "Tạm thời không phục vụ được", status: 503, detail: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
  return { type: "urn:onestop:problem:internal", title: "Lỗi hệ thống", status: 500, detail: "Không hoàn thành được yêu cầu" };
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number; expose?: boolean }, _req, res, _next) => {
    if (error.type === "entity.parse.failed") {
      sendProblem(res, {
        type: "urn:onestop:problem:invalid-request",
        title: "Yêu cầu không hợp lệ",
        status: 400,
        detail: "Nội dung không phải JSON hợp lệ",
        errors: [{ path: "(body)", message: "không phải JSON hợp lệ" }],
      });
      return;
    }
    if (error.type === "entity.too.large") {
      sendProblem(res, { type: "urn:onestop:problem:too-large", title: "Nội dung quá lớn", status: 413, detail: "Nội dung yêu cầu quá lớn" });
      return;
    }
    if (typeof error.status === "number" && error.status >= 400 && error.status < 500 && error.expose !== false && !(error instanceof Error && problemOf(error).status !== 500)) {
      sendProblem(res, { type: "urn:onestop:problem:invalid-request", title: "Yêu cầu không hợp lệ", status: error.status, detail: "Không đọc được yêu cầu" });
      return;
    }
    const problem = problemOf(error);
    if (problem.status === 500) log.error("request failed", { error });
    sendProblem(res, problem);
  };
}
