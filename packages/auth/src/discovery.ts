import { AuthenticationError } from "./errors.js";

/** One endpoint of the issuer's discovery document (`jwks_uri`, `token_endpoint`…), or AuthenticationError. */
export async function issuerEndpoint(issuer: string, field: "jwks_uri" | "token_endpoint"): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new AuthenticationError(`issuer discovery answered ${response.status}`);
  const endpoint = ((await response.json()) as Record<string, unknown>)[field];
  if (typeof endpoint !== "string") throw new AuthenticationError(`issuer discovery names no ${field}`);
  return endpoint;
}
