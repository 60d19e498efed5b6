import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose";
import { issuerEndpoint } from "./discovery.js";
import { AuthenticationError } from "./errors.js";
import { principalFromClaims, type Principal } from "./principal.js";

export interface TokenVerifierOptions {
  /** The `iss` every token must carry, e.g. https://sso.bacninh.gov.vn/realms/onestop. */
  issuer: string;
  /** The `aud` every token must carry, e.g. onestop-api. */
  audience: string;
  /** Where the signing keys are; by default the issuer's discovery document says. */
  jwksUrl?: string;
  /** How far the issuer's clock may be from ours, in seconds. */
  clockToleranceSec: number;
}

/** Asymmetric algorithms only: a shared-secret (HS*) or unsigned token is never accepted. */
const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

export interface TokenVerifier {
  /**
   * The caller of a bearer token, or AuthenticationError. `at` checks expiry at another time than
   * now: a NATS command is judged at the time the stream stored it.
   */
  verify(token: string, at?: Date): Promise<Principal>;
}

/** Verifies JWTs against the issuer's JWKS (fetched on first use, refreshed when an unknown key id appears). */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const keySet = () =>
    (keys ??= jwksUrlOf(options).then(
      (url) => createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 }),
      (error: unknown) => {
        keys = undefined; // the issuer may be starting: try discovery again on the next call
        throw error;
      },
    ));
  return {
    async verify(token, at) {
      let verified;
      try {
        verified = await jwtVerify(token, await keySet(), {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ALGORITHMS,
          clockTolerance: options.clockToleranceSec,
          requiredClaims: ["exp", "sub"],
          ...(at ? { currentDate: at } : {}),
        });
      } catch (error) {
        throw new AuthenticationError(reasonOf(error));
      }
      return principalFromClaims(verified.payload as Record<string, unknown>);
    },
  };
}

/** The token of an `Authorization: Bearer …` value, or AuthenticationError. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(authorization?.trim() ?? "");
  if (!match) throw new AuthenticationError(authorization ? "malformed Authorization header" : "no bearer token");
  return match[1]!;
}

function jwksUrlOf({ issuer, jwksUrl }: TokenVerifierOptions): Promise<string> {
  return jwksUrl ? Promise.resolve(jwksUrl) : issuerEndpoint(issuer, "jwks_uri");
}

/** A short reason for logs, never the token or its claims. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "token expired";
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} invalid`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "bad signature";
  if (error instanceof errors.JWKSNoMatchingKey) return "unknown signing key";
  if (error instanceof errors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof errors.JOSEError) return error.code;
  return error instanceof Error ? error.message : "verification failed";
}
