import { Router, type Request, type Response } from "express";
import type { Logger } from "@onestop/telemetry";
import { OidcError, type OidcClient } from "./oidc.js";
import { renderMessage } from "./page.js";
import { cookieOf, LOGIN_COOKIE, SESSION_COOKIE, setCookie, type Session, type SessionStore } from "./sessions.js";

/** Renew the access token when it has less than this left, so that it never expires on the way to a service. */
const REFRESH_BEFORE_MS = 30_000;

export interface ConsoleAuthOptions {
  oidc: OidcClient;
  sessions: SessionStore;
  /** CONSOLE_PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  issuer: string;
  log: Logger;
}

/**
 * Sign-in through the identity provider (authorization code flow with PKCE), the session cookie,
 * renewal of the access token, and sign-out at the console and at the provider.
 */
export class ConsoleAuth {
  private readonly secure: boolean;

  constructor(private readonly options: ConsoleAuthOptions) {
    this.secure = options.publicUrl.startsWith("https:");
  }

  /** The signed-in session of the request's cookie, if any. */
  sessionOf(req: Request): Session | undefined {
    return this.options.sessions.get(cookieOf(req, SESSION_COOKIE));
  }

  /**
   * The session's access token, renewed with the refresh token when about to expire; undefined
   * when it cannot be renewed any more (the session is then ended).
   */
  async accessToken(session: Session): Promise<{ token: string; session: Session } | undefined> {
    if (session.tokens.accessExpiresAt - Date.now() > REFRESH_BEFORE_MS) return { token: session.tokens.accessToken, session };
    session.refreshing ??= this.options.oidc.refresh(session).then(
      (renewed) => this.options.sessions.update(session, renewed),
      (error: unknown) => {
        this.options.log.info("session ended: tokens could not be renewed", { reason: error instanceof OidcError ? error.message : String(error) });
        this.options.sessions.delete(session.id);
        return undefined;
      },
    );
    const renewed = await session.refreshing;
    return renewed ? { token: renewed.tokens.accessToken, session: renewed } : undefined;
  }

  router(): Router {
    const router = Router();
    const { oidc, sessions, publicUrl, log } = this.options;

    const login = async (req: Request, res: Response) => {
      if (this.sessionOf(req)) return res.redirect(303, "/");
      let started;
      try {
        started = await oidc.beginLogin();
      } catch (error) {
        log.warn("identity provider unavailable", { reason: error instanceof Error ? error.message : String(error) });
        return page(res, 503, "Chưa đăng nhập được", "Không kết nối được máy chủ định danh (OpenID Connect). Vui lòng thử lại sau ít phút.");
      }
      setCookie(res, LOGIN_COOKIE, sessions.startLogin(started.pending), { secure: this.secure, path: "/callback", maxAgeSec: 600 });
      res.set("Cache-Control", "no-store").redirect(303, started.url);
    };
    router.get("/dang-nhap", login);
    router.get("/login", login);

    router.get("/callback", async (req, res) => {
      const query = (name: string) => (typeof req.query[name] === "string" ? (req.query[name] as string) : undefined);
      const pending = sessions.takeLogin(cookieOf(req, LOGIN_COOKIE), query("state"));
      setCookie(res, LOGIN_COOKIE, "", { secure: this.secure, path: "/callback", maxAgeSec: 0 });
      if (!pending) {
        return page(res, 400, "Phiên đăng nhập không hợp lệ", "Yêu cầu đăng nhập không khớp hoặc đã hết hạn. Vui lòng đăng nhập lại.");
      }
      const error = query("error");
      if (error) return page(res, 400, "Đăng nhập không thành công", `Máy chủ định danh trả lời: ${error}.`);
      const code = query("code");
      // RFC 9207: when the provider names itself, it must be the configured issuer.
      const iss = query("iss");
      if (!code || (iss !== undefined && iss !== this.options.issuer)) {
        return page(res, 400, "Đăng nhập không thành công", "Phản hồi của máy chủ định danh không hợp lệ.");
      }
      try {
        const session = sessions.create(await oidc.completeLogin(code, pending));
        setCookie(res, SESSION_COOKIE, session.id, { secure: this.secure });
        log.info("signed in", { subject: session.principal.subject, roles: session.principal.roles });
        res.set("Cache-Control", "no-store").redirect(303, "/");
      } catch (error) {
        log.warn("sign-in refused", { reason: error instanceof Error ? error.message : String(error) });
        page(res, 502, "Đăng nhập không thành công", "Không xác minh được mã truy cập do máy chủ định danh cấp. Vui lòng đăng nhập lại.");
      }
    });

    const logout = async (req: Request, res: Response) => {
      const session = this.sessionOf(req);
      sessions.delete(session?.id);
      setCookie(res, SESSION_COOKIE, "", { secure: this.secure, maxAgeSec: 0 });
      if (session) log.info("signed out", { subject: session.principal.subject });
      const atIssuer = session ? await oidc.logoutUrl(session.tokens.idToken, `${publicUrl}/`).catch(() => undefined) : undefined;
      res.set("Cache-Control", "no-store").redirect(303, atIssuer ?? "/");
    };
    router.get("/dang-xuat", logout);
    router.post("/dang-xuat", logout);
    router.get("/logout", logout);
    return router;
  }
}

function page(res: Response, status: number, title: string, text: string): void {
  res.status(status).set("Cache-Control", "no-store").type("html").send(renderMessage(title, text).text);
}
