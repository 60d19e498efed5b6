// Keycloak from the installed distribution with the project's realm: every demo identity gets a
// token whose signature verifies against the realm's JWKS and whose claims the services read.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientCredentialsGrant, defaultRealmFile, ONESTOP_AUDIENCE, passwordGrant, startKeycloak, type KeycloakServer } from "../src/index.js";

const PASSWORD = "onestop-demo";
const STP = "000.00.03.H06";
const SXD = "000.00.09.H06";

let dir: string;
let keycloak: KeycloakServer;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "onestop-keycloak-"));
  const started = performance.now();
  keycloak = await startKeycloak({ dir });
  console.log(`Keycloak ready in ${Math.round(performance.now() - started)} ms at ${keycloak.url}`);
  jwks = createRemoteJWKSet(new URL(`${keycloak.issuer}/protocol/openid-connect/certs`));
}, 240_000);

afterAll(async () => {
  await keycloak?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function verified(token: string): Promise<JWTPayload & Record<string, unknown>> {
  const { payload } = await jwtVerify(token, jwks, { issuer: keycloak.issuer, audience: ONESTOP_AUDIENCE });
  return payload as JWTPayload & Record<string, unknown>;
}

describe("Keycloak with the onestop realm", () => {
  it("serves the realm's discovery document with the issuer it signs with", async () => {
    const discovery = (await (await fetch(`${keycloak.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.issuer).toBe(keycloak.issuer);
    expect(keycloak.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/onestop$/);
  });

  const users = [
    { username: "tiepnhan.stp", roles: ["desk_officer"], agency_code: STP, name: "Nguyễn Thị Hoa" },
    { username: "tiepnhan.sxd", roles: ["desk_officer"], agency_code: SXD, name: "Trần Văn Minh" },
    { username: "xuly.stp", roles: ["processing_officer"], agency_code: STP, name: "Lê Thị Thu Hà" },
    { username: "vanhanh.tinh", roles: ["province_operator"], unit_code: "24", name: "Phạm Quốc Tuấn" },
    { username: "baocao.stp", roles: ["reporting_viewer"], agency_code: STP, name: "Hoàng Thị Lan" },
    { username: "baocao.tinh", roles: ["reporting_viewer"], unit_code: "24", name: "Vũ Đức Thắng" },
  ];

  it.each(users)("gives $username a verified token with its roles and jurisdiction", async (user) => {
    const claims = await verified(await passwordGrant(keycloak.issuer, "onestop-console", user.username, PASSWORD));
    expect(claims.iss).toBe(keycloak.issuer);
    expect([claims.aud].flat()).toContain(ONESTOP_AUDIENCE);
    expect(claims.preferred_username).toBe(user.username);
    expect(claims.roles).toEqual(user.roles);
    expect((claims.realm_access as { roles: string[] }).roles).toEqual(user.roles);
    expect(claims.agency_code).toBe(user.agency_code);
    expect(claims.unit_code).toBe(user.unit_code);
    expect(claims.name).toBe(user.name.normalize("NFC"));
    expect(claims.exp! - claims.iat!).toBe(300);
  });

  it("gives a service its service-account token", async () => {
    const claims = await verified(await clientCredentialsGrant(keycloak.issuer, "svc-intake", "svc-intake-local-secret"));
    expect(claims.azp).toBe("svc-intake");
    expect(claims.roles).toEqual(["service"]);
    expect(claims.preferred_username).toBe("service-account-svc-intake");
    expect(claims.agency_code).toBeUndefined();
  });

  it("gives a sector system a token naming its agency", async () => {
    const claims = await verified(await clientCredentialsGrant(keycloak.issuer, "sector-hotich", "sector-hotich-local-secret"));
    expect(claims.azp).toBe("sector-hotich");
    expect(claims.roles).toEqual(["sector_system"]);
    expect(claims.agency_code).toBe(STP);
  });

  it("refuses a wrong password and a wrong client secret", async () => {
    await expect(passwordGrant(keycloak.issuer, "onestop-console", "tiepnhan.stp", "wrong")).rejects.toThrow(/invalid_grant/);
    await expect(clientCredentialsGrant(keycloak.issuer, "svc-intake", "wrong")).rejects.toThrow(/unauthorized_client|invalid_client/);
  });

  it("keeps the realm file's Vietnamese text in NFC", () => {
    const text = readFileSync(defaultRealmFile(), "utf8");
    expect(text).toBe(text.normalize("NFC"));
  });
});
