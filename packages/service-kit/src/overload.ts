import type { RequestHandler } from "express";

/** Vietnamese wording of the 503 a service answers when it is past its capacity. */
export function overloadedProblem(retryAfterSeconds: number) {
  return {
    type: "urn:onestop:problem:overloaded",
    title: "Hệ thống đang quá tải",
    status: 503 as const,
    detail: `Hệ thống đang xử lý quá nhiều yêu cầu cùng lúc; vui lòng thử lại sau ${retryAfterSeconds} giây. Yêu cầu này chưa được ghi nhận.`,
  };
}

/**
 * Load shedding: at most `maxInFlight` requests are being handled at once; one more is answered
 * 503 with Retry-After at once, before its body is read, so an overloaded service answers fast
 * instead of queueing until clients time out, and its memory stays bounded by the limit. Nothing
 * of a refused request has been written, so the client may simply send it again.
 */
export function loadShedding(maxInFlight: number, retryAfterSeconds = 1): RequestHandler & { inFlight(): number } {
  let inFlight = 0;
  const handler: RequestHandler = (_req, res, next) => {
    if (inFlight >= maxInFlight) {
      res.status(503).set("Retry-After", String(retryAfterSeconds)).set("Connection", "close").type("application/problem+json").json(overloadedProblem(retryAfterSeconds));
      return;
    }
    inFlight++;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight--;
      }
    };
    res.once("finish", release);
    res.once("close", release);
    next();
  };
  return Object.assign(handler, { inFlight: () => inFlight });
}
