import { timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";
import { randomToken, type PendingLogin, type SignedIn } from "./oidc.js";

/** The browser holds only a random id in each cookie; tokens never leave this process. */
export const SESSION_COOKIE = "onestop_console_session";
/** The login under way, between /dang-nhap and /callback. */
export const LOGIN_COOKIE = "onestop_console_login";

const LOGIN_TTL_MS = 10 * 60_000;
/** Logins under way are bounded apart from sessions, so that a flood of /dang-nhap evicts no signed-in person. */
const MAX_LOGINS = 2_000;
const MAX_SESSIONS = 20_000;

export interface Session extends SignedIn {
  id: string;
  /** The session ends then, whatever the tokens say (CONSOLE_SESSION_MAX_HOURS after sign-in). */
  endsAt: number;
  /** A refresh in flight, shared by concurrent requests of the session. */
  refreshing?: Promise<Session | undefined>;
}

interface Login extends PendingLogin {
  expiresAt: number;
}

/**
 * In-memory sessions of one console process (a restart signs everyone out; several consoles
 * behind a balancer would need sticky sessions or a shared store).
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly logins = new Map<string, Login>();

  constructor(
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps a login's secrets under a new random id (the login cookie's value). */
  startLogin(pending: PendingLogin): string {
    this.sweep(this.logins, (login) => login.expiresAt);
    while (this.logins.size >= MAX_LOGINS) this.logins.delete(this.logins.keys().next().value!);
    const id = randomToken();
    this.logins.set(id, { ...pending, expiresAt: this.now() + LOGIN_TTL_MS });
    return id;
  }

  /** The login of `id` if `state` is its own; used once either way. */
  takeLogin(id: string | undefined, state: string | undefined): PendingLogin | undefined {
    if (!id) return undefined;
    const login = this.logins.get(id);
    this.logins.delete(id);
    if (!login || login.expiresAt < this.now() || !state || !sameText(login.state, state)) return undefined;
    return { state: login.state, nonce: login.nonce, codeVerifier: login.codeVerifier };
  }

  /** A new session (a new id: nothing chosen before sign-in survives it). */
  create(signedIn: SignedIn): Session {
    this.sweep(this.sessions, (session) => this.expiryOf(session));
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = { ...signedIn, id: randomToken(), endsAt: this.now() + this.maxAgeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): Session | undefined {
    const session = id ? this.sessions.get(id) : undefined;
    if (session && this.expiryOf(session) <= this.now()) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  /** Replaces the session's tokens after a refresh (same id). */
  update(session: Session, signedIn: SignedIn): Session {
    const updated: Session = { ...signedIn, id: session.id, endsAt: session.endsAt };
    if (this.sessions.has(session.id)) this.sessions.set(session.id, updated);
    return updated;
  }

  delete(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** The session lasts while it may still get an access token: until the refresh token (or, without one, the access token) expires. */
  private expiryOf(session: Session): number {
    const tokens = session.tokens;
    const renewable = tokens.refreshToken ? (tokens.refreshExpiresAt ?? session.endsAt) : tokens.accessExpiresAt;
    return Math.min(session.endsAt, renewable);
  }

  private sweep<T>(map: Map<string, T>, expiry: (value: T) => number): void {
    const now = this.now();
    for (const [id, value] of map) if (expiry(value) <= now) map.delete(id);
  }
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The value of cookie `name` in the request, if any. */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=") || undefined;
  }
  return undefined;
}

/** Sets an HttpOnly, SameSite=Lax cookie (Secure when the console is served over https); maxAge 0 clears it. */
export function setCookie(res: Response, name: string, value: string, options: { secure: boolean; path?: string; maxAgeSec?: number }): void {
  const attributes = [`${name}=${value}`, `Path=${options.path ?? "/"}`, "HttpOnly", "SameSite=Lax"];
  if (options.secure) attributes.push("Secure");
  if (options.maxAgeSec !== undefined) attributes.push(`Max-Age=${options.maxAgeSec}`);
  res.append("Set-Cookie", attributes.join("; "));
}
