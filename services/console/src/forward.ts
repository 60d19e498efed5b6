import express, { Router, type Request, type Response } from "express";
import type { Logger } from "@onestop/telemetry";
import type { ConsoleAuth } from "./auth.js";
import type { Session } from "./sessions.js";

export type ServiceName = "intake" | "reporting" | "lienthong" | "payment" | "digitisation";

/** Which service owns each `/v1/<segment>`. */
const OWNERS: Record<string, ServiceName> = {
  dossiers: "intake",
  procedures: "intake",
  agencies: "intake",
  calendar: "intake",
  reports: "reporting",
  admin: "reporting",
};

/** Bodies the console passes on (intake takes less). */
const BODY_LIMIT = 256 * 1024;
const REQUEST_HEADERS = ["accept", "accept-language", "content-type", "idempotency-key"];
const RESPONSE_HEADERS = ["content-type", "content-disposition", "retry-after"];

const problem = (res: Response, status: number, title: string, detail: string) =>
  res
    .status(status)
    .set("Cache-Control", "no-store")
    .type("application/problem+json")
    .json({ type: `urn:onestop:problem:${status === 401 ? "unauthenticated" : status === 403 ? "forbidden" : status === 404 ? "not-found" : "bad-gateway"}`, title, status, detail });

export type ForwardResult = { kind: "answered"; response: globalThis.Response } | { kind: "signed-out" } | { kind: "unreachable"; service: ServiceName };

/**
 * Calls intake and reporting as the signed-in person: their own bearer token, so that each
 * service judges what they may see (the console adds no rights of its own).
 */
export class Forwarder {
  constructor(
    /** intake's and reporting's are required; the others are asked when configured. */
    private readonly urls: Record<"intake" | "reporting", string> & Partial<Record<ServiceName, string>>,
    private readonly auth: ConsoleAuth,
    private readonly publicUrl: string,
    private readonly log: Logger,
  ) {}

  /** The owning service of a `/v1/...` path, or undefined. */
  ownerOf(path: string): ServiceName | undefined {
    const segment = /^\/v1\/([a-z0-9-]+)(?:\/|$)/.exec(path)?.[1];
    return segment !== undefined && Object.hasOwn(OWNERS, segment) ? OWNERS[segment] : undefined;
  }

  /** `pathAndQuery` (starting /v1/) on its owning service with the session's access token, renewed if need be. */
  async call(session: Session, service: ServiceName, pathAndQuery: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<ForwardResult> {
    const access = await this.auth.accessToken(session);
    if (!access) return { kind: "signed-out" };
    const url = this.urls[service];
    if (!url) return { kind: "unreachable", service };
    const base = new URL(url);
    const target = new URL(pathAndQuery, base);
    try {
      const response = await fetch(target, {
        method: init.method ?? "GET",
        headers: { ...init.headers, authorization: `Bearer ${access.token}` },
        ...(init.body && init.body.length > 0 ? { body: init.body } : {}),
        redirect: "manual",
        signal: AbortSignal.timeout(30_000),
      });
      return { kind: "answered", response };
    } catch (error) {
      this.log.warn("forwarded call failed", { service, reason: error instanceof Error ? error.message : String(error) });
      return { kind: "unreachable", service };
    }
  }

  /** `/v1/*` for the browser: forwarded with the signed-in person's token, the answer passed back as it is. */
  router(): Router {
    const router = Router();
    const publicOrigin = new URL(this.publicUrl).origin;
    router.use("/v1", express.raw({ type: () => true, limit: BODY_LIMIT }), async (req: Request, res: Response) => {
      // URL normalised first (no "/v1/reports/../x"), then matched.
      const pathAndQuery = new URL(req.originalUrl, "http://console.invalid").pathname + (req.originalUrl.includes("?") ? req.originalUrl.slice(req.originalUrl.indexOf("?")) : "");
      const service = this.ownerOf(pathAndQuery);
      if (!service) return problem(res, 404, "Không tìm thấy", `Không có ${req.method} ${req.path.slice(0, 200)}`);
      const session = this.auth.sessionOf(req);
      if (!session) return problem(res, 401, "Chưa đăng nhập", "Vui lòng đăng nhập tại /dang-nhap");
      // The session cookie is SameSite=Lax; writes must also come from the console's own pages.
      if (!["GET", "HEAD"].includes(req.method) && req.get("origin") !== publicOrigin) {
        return problem(res, 403, "Không có quyền", "Yêu cầu ghi phải xuất phát từ bảng điều hành");
      }
      const headers: Record<string, string> = {};
      for (const name of REQUEST_HEADERS) {
        const value = req.get(name);
        if (value) headers[name] = value;
      }
      const result = await this.call(session, service, pathAndQuery, { method: req.method, headers, ...(Buffer.isBuffer(req.body) ? { body: req.body } : {}) });
      if (result.kind === "signed-out") return problem(res, 401, "Phiên đăng nhập đã hết hạn", "Vui lòng đăng nhập lại tại /dang-nhap");
      if (result.kind === "unreachable") return problem(res, 502, "Dịch vụ không trả lời", `Dịch vụ ${service} không trả lời`);
      const { response } = result;
      res.status(response.status).set("Cache-Control", "no-store");
      for (const name of RESPONSE_HEADERS) {
        const value = response.headers.get(name);
        if (value) res.set(name, value);
      }
      res.send(Buffer.from(await response.arrayBuffer()));
    });
    return router;
  }
}
