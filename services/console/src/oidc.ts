import { createHash, randomBytes } from "node:crypto";
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Principal, TokenVerifier } from "@onestop/auth";

/** The parts of the issuer's discovery document the console uses. */
export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
}

/** What the console keeps of a login between the redirect to the issuer and the callback. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The tokens of a signed-in person, kept server-side only. */
export interface TokenSet {
  accessToken: string;
  /** When the access token expires (ms since the epoch). */
  accessExpiresAt: number;
  refreshToken?: string;
  /** When the refresh token expires (ms), if the issuer says. */
  refreshExpiresAt?: number;
  idToken?: string;
}

export interface SignedIn {
  tokens: TokenSet;
  /** From the verified access token: roles and jurisdiction, as the services will see them. */
  principal: Principal;
  /** The person's display name (the ID token's `name`), if any. */
  name?: string;
}

/** The issuer refused or failed; `code` is the OAuth error (invalid_grant…) when it gave one. */
export class OidcError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "OidcError";
  }
}

/** Asymmetric algorithms only, as for access tokens (packages/auth). */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

const base64url = (bytes: Buffer) => bytes.toString("base64url");
/** 32 random bytes, base64url: state, nonce, PKCE verifier, session ids. */
export const randomToken = () => base64url(randomBytes(32));

export interface OidcClientOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  /** Verifies access tokens (createTokenVerifier: issuer, audience, JWKS). */
  accessTokens: TokenVerifier;
  clockToleranceSec: number;
  /** Signing keys of ID tokens; the discovery document's jwks_uri by default. */
  jwksUrl?: string;
}

/**
 * The console as an OpenID Connect relying party: a public client using the authorization code
 * flow with PKCE (S256), state and nonce; tokens are exchanged and refreshed server-side.
 */
export class OidcClient {
  private discovered: Promise<Discovery> | undefined;
  private idTokenKeys: JWTVerifyGetKey | undefined;

  constructor(private readonly options: OidcClientOptions) {}

  /** The issuer's discovery document, read once (again after a failure: the issuer may be starting). */
  discovery(): Promise<Discovery> {
    return (this.discovered ??= this.discover().catch((error: unknown) => {
      this.discovered = undefined;
      throw error;
    }));
  }

  /** A new login: its secrets to keep server-side, and the authorization URL to send the browser to. */
  async beginLogin(): Promise<{ pending: PendingLogin; url: string }> {
    const { authorization_endpoint } = await this.discovery();
    const pending: PendingLogin = { state: randomToken(), nonce: randomToken(), codeVerifier: randomToken() };
    const url = new URL(authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: this.options.clientId,
      redirect_uri: this.options.redirectUri,
      scope: "openid",
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: base64url(createHash("sha256").update(pending.codeVerifier).digest()),
      code_challenge_method: "S256",
    }).toString();
    return { pending, url: url.href };
  }

  /** Exchanges the callback's code (state already checked) and verifies the ID token (nonce) and the access token. */
  async completeLogin(code: string, pending: PendingLogin): Promise<SignedIn> {
    const answer = await this.tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: this.options.redirectUri,
      client_id: this.options.clientId,
      code_verifier: pending.codeVerifier,
    });
    if (!answer.idToken) throw new OidcError("the token endpoint gave no id_token");
    return this.verified(answer, pending.nonce);
  }

  /** New tokens from the refresh token; the ID token, when renewed, must name the same person. */
  async refresh(current: SignedIn): Promise<SignedIn> {
    if (!current.tokens.refreshToken) throw new OidcError("no refresh token", "invalid_grant");
    const answer = await this.tokenRequest({ grant_type: "refresh_token", refresh_token: current.tokens.refreshToken, client_id: this.options.clientId });
    // A renewed ID token is verified as at login (Keycloak renews it; the nonce is not checked again); without one the first is kept.
    const renewed = await this.verified(answer, undefined);
    if (renewed.principal.subject !== current.principal.subject) throw new OidcError("refreshed tokens name another subject");
    const name = renewed.name ?? current.name;
    const idToken = renewed.tokens.idToken ?? current.tokens.idToken;
    const refreshToken = renewed.tokens.refreshToken ?? current.tokens.refreshToken;
    return { ...renewed, ...(name ? { name } : {}), tokens: { ...renewed.tokens, ...(idToken ? { idToken } : {}), ...(refreshToken ? { refreshToken } : {}) } };
  }

  /** Where to send the browser to end the session at the issuer too; undefined when it has no end_session_endpoint. */
  async logoutUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<string | undefined> {
    const { end_session_endpoint } = await this.discovery();
    if (!end_session_endpoint) return undefined;
    const url = new URL(end_session_endpoint);
    url.search = new URLSearchParams({
      client_id: this.options.clientId,
      post_logout_redirect_uri: postLogoutRedirectUri,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).toString();
    return url.href;
  }

  private async discover(): Promise<Discovery> {
    const issuer = this.options.issuer.replace(/\/$/, "");
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new OidcError(`issuer discovery answered ${response.status}`);
    const document = (await response.json()) as Partial<Discovery>;
    // Mix-up protection: the document must be the configured issuer's own.
    if (document.issuer !== this.options.issuer) throw new OidcError(`discovery names issuer ${String(document.issuer)}, not ${this.options.issuer}`);
    for (const field of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
      if (typeof document[field] !== "string") throw new OidcError(`issuer discovery names no ${field}`);
    }
    return document as Discovery;
  }

  private async tokenRequest(form: Record<string, string>): Promise<{ accessToken: string; expiresIn: number; refreshToken?: string; refreshExpiresIn?: number; idToken?: string }> {
    const { token_endpoint } = await this.discovery();
    const response = await fetch(token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(form),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof body.access_token !== "string") {
      // The OAuth error code only: the description may echo what was sent.
      const code = typeof body.error === "string" ? body.error : undefined;
      throw new OidcError(`token endpoint answered ${response.status}${code ? ` ${code}` : ""}`, code);
    }
    return {
      accessToken: body.access_token,
      expiresIn: typeof body.expires_in === "number" ? body.expires_in : 60,
      ...(typeof body.refresh_token === "string" ? { refreshToken: body.refresh_token } : {}),
      ...(typeof body.refresh_expires_in === "number" && body.refresh_expires_in > 0 ? { refreshExpiresIn: body.refresh_expires_in } : {}),
      ...(typeof body.id_token === "string" ? { idToken: body.id_token } : {}),
    };
  }

  /** Verifies the ID token (signature, issuer, audience = this client, nonce when given) and the access token. */
  private async verified(answer: { accessToken: string; expiresIn: number; refreshToken?: string; refreshExpiresIn?: number; idToken?: string }, nonce: string | undefined): Promise<SignedIn> {
    let name: string | undefined;
    let idSubject: string | undefined;
    if (answer.idToken) {
      let claims;
      try {
        ({ payload: claims } = await jwtVerify(answer.idToken, await this.idKeys(), {
          issuer: this.options.issuer,
          audience: this.options.clientId,
          algorithms: ALGORITHMS,
          clockTolerance: this.options.clockToleranceSec,
          requiredClaims: ["sub", "exp", "iat"],
        }));
      } catch (error) {
        throw new OidcError(`ID token refused: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (nonce !== undefined && claims.nonce !== nonce) throw new OidcError("ID token nonce does not match");
      if (claims.azp !== undefined && claims.azp !== this.options.clientId) throw new OidcError("ID token issued to another client");
      idSubject = claims.sub;
      if (typeof claims.name === "string" && claims.name !== "") name = claims.name.normalize("NFC");
    }
    let principal: Principal;
    try {
      principal = await this.options.accessTokens.verify(answer.accessToken);
    } catch (error) {
      throw new OidcError(`access token refused: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (idSubject !== undefined && idSubject !== principal.subject) throw new OidcError("ID and access tokens name different subjects");
    const now = Date.now();
    return {
      principal,
      ...(name ? { name } : {}),
      tokens: {
        accessToken: answer.accessToken,
        accessExpiresAt: now + answer.expiresIn * 1000,
        ...(answer.refreshToken ? { refreshToken: answer.refreshToken } : {}),
        ...(answer.refreshExpiresIn ? { refreshExpiresAt: now + answer.refreshExpiresIn * 1000 } : {}),
        ...(answer.idToken ? { idToken: answer.idToken } : {}),
      },
    };
  }

  private async idKeys(): Promise<JWTVerifyGetKey> {
    if (!this.idTokenKeys) {
      const url = this.options.jwksUrl ?? (await this.discovery()).jwks_uri;
      this.idTokenKeys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
    }
    return this.idTokenKeys;
  }
}
