// The console's pieces without servers: HTML escaping, the session store (logins used once, state
// checked, expiry), and renewal of the access token shortly before it expires.
import { describe, expect, it, vi } from "vitest";
import type { Logger } from "@onestop/telemetry";
import { ConsoleAuth } from "../src/auth.js";
import { html } from "../src/html.js";
import type { OidcClient, SignedIn } from "../src/oidc.js";
import { SessionStore } from "../src/sessions.js";

const principal = { subject: "u-1", username: "baocao.stp", kind: "user" as const, roles: ["reporting_viewer" as const], agencyCode: "000.00.03.H06" };
const signedIn = (accessToken: string, expiresInMs: number, refreshToken = "refresh-1"): SignedIn => ({
  principal,
  name: "Hoàng Thị Lan",
  tokens: { accessToken, accessExpiresAt: Date.now() + expiresInMs, refreshToken, refreshExpiresAt: Date.now() + 1_800_000, idToken: "id-1" },
});
const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn() } as unknown as Logger;

describe("html", () => {
  it("escapes every interpolated value, but not nested html", () => {
    const name = `<script>alert("x")</script> & 'Lan'`;
    expect(html`<p title="${name}">${name}</p>`.text).toBe(
      '<p title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;Lan&#39;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;Lan&#39;</p>',
    );
    expect(html`<ul>${["a<b", "c"].map((item) => html`<li>${item}</li>`)}</ul>`.text).toBe("<ul><li>a&#60;b</li><li>c</li></ul>");
    expect(html`${undefined}${null}${false}${0}`.text).toBe("0");
  });
});

describe("SessionStore", () => {
  it("gives a login back once, and only with its own state", () => {
    const store = new SessionStore(3_600_000);
    const id = store.startLogin({ state: "s-1", nonce: "n-1", codeVerifier: "v-1" });
    expect(store.takeLogin(id, "s-2")).toBeUndefined();
    expect(store.takeLogin(id, "s-1")).toBeUndefined(); // the failed attempt used it up
    const again = store.startLogin({ state: "s-1", nonce: "n-1", codeVerifier: "v-1" });
    expect(store.takeLogin(again, "s-1")).toEqual({ state: "s-1", nonce: "n-1", codeVerifier: "v-1" });
    expect(store.takeLogin(again, "s-1")).toBeUndefined();
    expect(store.takeLogin(undefined, "s-1")).toBeUndefined();
  });

  it("forgets a login after ten minutes, and a session when its refresh token or the maximum age runs out", () => {
    let now = Date.now();
    const store = new SessionStore(3_600_000, () => now);
    const login = store.startLogin({ state: "s", nonce: "n", codeVerifier: "v" });
    const session = store.create(signedIn("a-1", 300_000));
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(store.get(session.id)).toBe(session);
    now += 11 * 60_000;
    expect(store.takeLogin(login, "s")).toBeUndefined();
    expect(store.get(session.id)).toBe(session); // the refresh token lives 30 minutes
    now += 20 * 60_000;
    expect(store.get(session.id)).toBeUndefined();
  });
});

describe("ConsoleAuth.accessToken", () => {
  const authWith = (refresh: OidcClient["refresh"]) => {
    const sessions = new SessionStore(3_600_000);
    const oidc = { refresh } as unknown as OidcClient;
    return { sessions, auth: new ConsoleAuth({ oidc, sessions, publicUrl: "http://127.0.0.1:8080", issuer: "http://idp", log }) };
  };

  it("uses the access token while it has more than 30 s left", async () => {
    const refresh = vi.fn<OidcClient["refresh"]>();
    const { sessions, auth } = authWith(refresh);
    const session = sessions.create(signedIn("a-1", 120_000));
    expect((await auth.accessToken(session))?.token).toBe("a-1");
    expect(refresh).not.toHaveBeenCalled();
  });

  it("renews it with the refresh token shortly before expiry, once for concurrent requests", async () => {
    const refresh = vi.fn<OidcClient["refresh"]>(async () => signedIn("a-2", 300_000, "refresh-2"));
    const { sessions, auth } = authWith(refresh);
    const session = sessions.create(signedIn("a-1", 10_000));
    const [first, second] = await Promise.all([auth.accessToken(session), auth.accessToken(session)]);
    expect(first?.token).toBe("a-2");
    expect(second?.token).toBe("a-2");
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(sessions.get(session.id)?.tokens).toMatchObject({ accessToken: "a-2", refreshToken: "refresh-2" });
    expect((await auth.accessToken(sessions.get(session.id)!))?.token).toBe("a-2");
  });

  it("ends the session when the provider refuses to renew it", async () => {
    const { sessions, auth } = authWith(async () => {
      throw new Error("invalid_grant");
    });
    const session = sessions.create(signedIn("a-1", 5_000));
    expect(await auth.accessToken(session)).toBeUndefined();
    expect(sessions.get(session.id)).toBeUndefined();
  });
});
