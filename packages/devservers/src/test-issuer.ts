import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";

/**
 * A minimal OpenID Connect issuer for tests and benchmarks: a real HTTP server answering the
 * discovery document and the JWKS, so services verify tokens exactly as against Keycloak, but
 * starting in milliseconds. The demo signs in through Keycloak (keycloak.ts).
 */
export interface TestIssuer {
  issuer: string;
  /** The private signing key, for test files that sign their own tokens (vitest provide/inject). */
  privateJwk: JWK;
  stop(): Promise<void>;
}

export const TEST_AUDIENCE = "onestop-api";

export async function startTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: "test-1", alg: "RS256", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid: "test-1", alg: "RS256" };
  let issuer = "";
  const server: Server = createServer((req, res) => {
    const body =
      req.url === "/.well-known/openid-configuration"
        ? { issuer, jwks_uri: `${issuer}/jwks`, id_token_signing_alg_values_supported: ["RS256"] }
        : req.url === "/jwks"
          ? { keys: [publicJwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(body ?? { error: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, privateJwk, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface TestTokenOptions {
  /** Claims besides iss, aud, iat, exp: sub, roles, agency_code, unit_code, preferred_username… */
  claims: Record<string, unknown>;
  audience?: string;
  /** Seconds until expiry; negative for an expired token. */
  expiresInSec?: number;
}

/** Signs an access token as the test issuer would issue it. */
export async function signTestToken(issuer: string, privateJwk: JWK, { claims, audience = TEST_AUDIENCE, expiresInSec = 600 }: TestTokenOptions): Promise<string> {
  const key = await importJWK(privateJwk, "RS256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: privateJwk.kid ?? "test-1", typ: "JWT" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now - 5)
    .setExpirationTime(now + expiresInSec)
    .sign(key);
}
