import { issuerEndpoint } from "./discovery.js";
import { AuthenticationError } from "./errors.js";

/** Where a command-line tool or a service gets the bearer token it sends; renewed before it expires. */
export interface TokenSource {
  token(): Promise<string>;
}

/** Renew this long before the issuer's expiry, so a token never expires in flight. */
const RENEW_BEFORE_MS = 30_000;

/** The client-credentials grant of a service account (e.g. Keycloak's `svc-reporting`). */
export function clientCredentials({ issuer, clientId, clientSecret }: { issuer: string; clientId: string; clientSecret: string }): TokenSource {
  let current: { token: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const endpoint = await issuerEndpoint(issuer, "token_endpoint");
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret }),
      signal: AbortSignal.timeout(10_000),
    });
    // The answer may name why (invalid_client…), never the secret: safe to pass on.
    if (!response.ok) throw new AuthenticationError(`token endpoint answered ${response.status} for client ${clientId}`);
    const { access_token, expires_in } = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof access_token !== "string") throw new AuthenticationError("token endpoint gave no access_token");
    const lifetimeMs = (typeof expires_in === "number" ? expires_in : 60) * 1000;
    current = { token: access_token, renewAt: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2) };
    return access_token;
  };
  return {
    token() {
      if (current && Date.now() < current.renewAt) return Promise.resolve(current.token);
      return (pending ??= fetchToken().finally(() => (pending = undefined)));
    },
  };
}

/**
 * The token source an operator's tool is configured with: `ONESTOP_TOKEN` (a token obtained
 * elsewhere), or a service account's `OIDC_CLIENT_ID` / `OIDC_CLIENT_SECRET` at `OIDC_ISSUER`.
 */
export function tokenSourceFromEnv(env: Record<string, string | undefined>): TokenSource {
  const fixed = env.ONESTOP_TOKEN;
  if (fixed) return { token: () => Promise.resolve(fixed) };
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = env;
  if (issuer && clientId && clientSecret) return clientCredentials({ issuer, clientId, clientSecret });
  throw new Error("no credentials: set ONESTOP_TOKEN, or OIDC_ISSUER with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET");
}
