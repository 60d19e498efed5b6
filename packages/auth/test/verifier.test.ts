import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { authEnv, testToken } from "@onestop/testkit";
import { describe, expect, it } from "vitest";
import { AuthenticationError, bearerToken, createTokenVerifier } from "../src/index.js";

// The test issuer is a real HTTP server (discovery + JWKS) started by the test kit's global set-up.
const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience } = authEnv();
const verifier = createTokenVerifier({ issuer, audience, clockToleranceSec: 30 });
const officer = { sub: "u-17", preferred_username: "tiepnhan.stp", roles: ["desk_officer", "offline_access"], agency_code: "000.00.03.H06" };

const refusedWith = async (token: string, reason: string) => {
  const error = await verifier.verify(token).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).reason).toBe(reason);
};

describe("a verified token", () => {
  it("names the caller, their known roles and their agency", async () => {
    expect(await verifier.verify(await testToken(officer))).toEqual({
      subject: "u-17",
      username: "tiepnhan.stp",
      kind: "user",
      roles: ["desk_officer"],
      agencyCode: "000.00.03.H06",
    });
  });

  it("reads Keycloak's realm_access.roles when there is no top-level roles claim, and marks service accounts", async () => {
    const token = await testToken({ sub: "s-1", preferred_username: "service-account-svc-reporting", realm_access: { roles: ["service", "uma_authorization"] } });
    expect(await verifier.verify(token)).toMatchObject({ kind: "service", roles: ["service"] });
  });

  it("allows the configured clock skew and no more", async () => {
    expect((await verifier.verify(await testToken(officer, { expiresInSec: -10 }))).subject).toBe("u-17");
    await refusedWith(await testToken(officer, { expiresInSec: -60 }), "token expired");
  });

  it("is judged at another time when asked: a command stored while its token was valid", async () => {
    const token = await testToken(officer, { expiresInSec: -3_600 });
    expect((await verifier.verify(token, new Date(Date.now() - 3_600_000))).subject).toBe("u-17");
  });
});

describe("a refused token", () => {
  it("has the wrong audience or issuer", async () => {
    await refusedWith(await testToken(officer, { audience: "another-api" }), "claim aud invalid");
    const otherIssuer = createTokenVerifier({ issuer: `${issuer}/realms/other`, audience, clockToleranceSec: 30, jwksUrl: `${issuer}/jwks` });
    const error = await otherIssuer.verify(await testToken(officer)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it("is signed by another key under the same key id", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT(officer).setProtectedHeader({ alg: "RS256", kid: "test-1" }).setIssuer(issuer).setAudience(audience).setExpirationTime("5m").sign(privateKey);
    await refusedWith(forged, "bad signature");
  });

  it("uses a shared secret or no signature at all", async () => {
    const hs = await new SignJWT(officer)
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("x".repeat(32)));
    await refusedWith(hs, "algorithm not allowed");
    const unsigned = new UnsecuredJWT(officer).setIssuer(issuer).setAudience(audience).setExpirationTime("5m").encode();
    const error = await verifier.verify(unsigned).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
  });

  it("lacks a subject", async () => {
    await refusedWith(await testToken({ roles: ["service"] }), "claim sub invalid");
  });
});

describe("the Authorization header", () => {
  it("must be a bearer token", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer  abc.def.ghi ")).toBe("abc.def.ghi");
    for (const bad of [undefined, "", "Basic dXNlcjpwdw==", "Bearer", "Bearer a b"]) expect(() => bearerToken(bad)).toThrow(AuthenticationError);
  });
});
