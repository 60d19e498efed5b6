/**
 * The demo's people sign in to the console through Keycloak's real login form, in a real browser
 * (Debian's chromium driven by playwright-core), and each sees only their scope: intake, reporting
 * and the console run as processes trusting the test's Keycloak; dossiers of two agencies come in
 * through intake with the one-stop systems' service-account token; then Sở Tư pháp's reporting
 * viewer sees that agency's quarter only, the province operator the province, a desk officer the
 * 403 message, and a wrong password stays on Keycloak's page with its error.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { clientCredentialsGrant, freePort, ONESTOP_AUDIENCE, startKeycloak, type KeycloakServer } from "@onestop/devservers";
import { startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PASSWORD = "onestop-demo";
const STP = "000.00.03.H06"; // Sở Tư pháp tỉnh Bắc Ninh
const SXD = "000.00.09.H06"; // Sở Xây dựng tỉnh Bắc Ninh
const SYSTEM = { clientId: "onestop-system", secret: "onestop-system-local-secret" };

const env = testEnv();
let dir: string;
let keycloak: KeycloakServer;
let intake: ServiceProcess;
let reporting: ServiceProcess;
let consoleService: ServiceProcess;
let consoleUrl: string;
let browser: Browser;

/** A Vietnam local time `minutesAgo` before now, "YYYY-MM-DDTHH:MM:00+07:00". */
const vietnamTime = (minutesAgo: number) => `${new Date(Date.now() - minutesAgo * 60_000 + 7 * 3_600_000).toISOString().slice(0, 16)}:00+07:00`;
const today = () => vietnamTime(0).slice(0, 10);
const currentQuarter = () => `${today().slice(0, 4)}-Q${Math.floor((Number(today().slice(5, 7)) - 1) / 3) + 1}`;

async function systemToken(): Promise<string> {
  return clientCredentialsGrant(keycloak.issuer, SYSTEM.clientId, SYSTEM.secret);
}

async function callIntake(method: string, path: string, body: unknown): Promise<{ status: number; body: { code?: string } }> {
  const response = await fetch(`${intake.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await systemToken()}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { code?: string } };
}

/** The quarter's received total as reporting answers a service directly, for one agency or all. */
async function receivedTotal(agency?: string): Promise<number> {
  const response = await fetch(`${reporting.httpUrl}/v1/reports/tthc?period=${currentQuarter()}${agency ? `&agency=${agency}` : ""}`, {
    headers: { authorization: `Bearer ${await systemToken()}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { totals: { received: { total: number } } }).totals.received.total;
}

/**
 * The redirect URIs of the realm file name the demo's console (:8080); this test's console runs on a
 * free port, so its address is added to the client through Keycloak's admin API.
 */
async function allowConsoleAt(url: string): Promise<void> {
  const tokenResponse = await fetch(`${keycloak.url}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username: "admin", password: "onestop-admin" }),
  });
  const { access_token: admin } = (await tokenResponse.json()) as { access_token: string };
  const headers = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
  const clients = `${keycloak.url}/admin/realms/onestop/clients`;
  const [client] = (await (await fetch(`${clients}?clientId=onestop-console`, { headers })).json()) as Array<
    Record<string, unknown> & { id: string; redirectUris: string[]; attributes: Record<string, string> }
  >;
  client!.redirectUris = [...client!.redirectUris, `${url}/*`];
  client!.attributes["post.logout.redirect.uris"] = `${client!.attributes["post.logout.redirect.uris"]}##${url}/*`;
  const updated = await fetch(`${clients}/${client!.id}`, { method: "PUT", headers, body: JSON.stringify(client) });
  expect(updated.status).toBe(204);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "onestop-console-signin-"));
  keycloak = await startKeycloak({ dir });
  const oidc = { OIDC_ISSUER: keycloak.issuer, OIDC_AUDIENCE: ONESTOP_AUDIENCE };
  const common = { ...oidc, MONGO_URL: env.mongoUrl, GRPC_PORT: "0" };
  [intake, reporting] = await Promise.all([
    startServiceProcess("intake", { ...common, ...env.natsEnv("intake"), MONGO_DB: `${env.dbName}_intake` }),
    startServiceProcess("reporting", { ...common, ...env.natsEnv("reporting"), MONGO_DB: `${env.dbName}_reporting`, REPORTING_CONSUMER: `reporting_${env.prefix}` }),
  ]);
  const port = await freePort();
  consoleUrl = `http://127.0.0.1:${port}`;
  await allowConsoleAt(consoleUrl);
  consoleService = await startServiceProcess("console", {
    ...oidc,
    ...env.natsEnv("console"),
    MONGO_URL: env.mongoUrl,
    MONGO_DB: `${env.dbName}_console`,
    HTTP_PORT: String(port),
    CONSOLE_PUBLIC_URL: consoleUrl,
    CONSOLE_SERVICES: `intake=${intake.httpUrl},reporting=${reporting.httpUrl}`,
  });
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: bash infra/install.sh installs Debian's chromium`);
  // --no-sandbox: the suite runs as root on our machines, where chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  const codes = await Promise.all([consoleService?.stop(), reporting?.stop(), intake?.stop()]);
  await keycloak?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  expect(codes.filter((code) => code !== undefined)).toEqual(codes.filter((code) => code !== undefined).map(() => 0));
}, 60_000);

/** Opens the console, follows "Đăng nhập" to Keycloak's form and submits it. */
async function signIn(context: BrowserContext, username: string, password = PASSWORD): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${consoleUrl}/`);
  await page.click("#dang-nhap");
  await page.waitForURL((url) => url.href.startsWith(`${keycloak.issuer}/protocol/openid-connect/auth`));
  await page.fill("#username", username);
  await page.fill("#password", password);
  // Back at the console (Keycloak → /callback → /), or Keycloak's form again after a refusal.
  await Promise.all([page.waitForURL((url) => url.href.startsWith(consoleUrl) || url.pathname.includes("/login-actions/")), page.click("#kc-login")]);
  await page.waitForLoadState("load");
  return page;
}

/** A count as the page writes it, in Vietnamese format (2.828): its value. */
const figure = async (page: Page, id: string) => Number((await page.textContent(`[data-chi-tieu="${id}"]`))?.replaceAll(".", ""));

describe("signing in to the console through Keycloak", () => {
  let stpReceived: number;
  let provinceReceived: number;

  it("takes dossiers of two agencies through intake with the one-stop systems' service-account token", async () => {
    const dossiers = [
      { agencyCode: STP, procedureCode: "3.000333" }, // lý lịch tư pháp
      { agencyCode: STP, procedureCode: "3.000333" },
      { agencyCode: SXD, procedureCode: "1.011441" },
      { agencyCode: SXD, procedureCode: "1.011441" },
      { agencyCode: SXD, procedureCode: "1.011441" },
    ];
    const before = { stp: await receivedTotal(STP), all: await receivedTotal() };
    for (const [i, dossier] of dossiers.entries()) {
      const submitted = await callIntake("POST", "/v1/dossiers", {
        ...dossier,
        channel: "ONLINE",
        receivedAt: vietnamTime(30 - i),
        applicant: { idNumber: `02409000${String(1000 + i)}`, fullName: "Nguyễn Văn An" },
      });
      expect(submitted.status).toBe(201);
      if (i === 0) {
        const resolved = await callIntake("POST", `/v1/dossiers/${submitted.body.code}/events`, {
          eventId: `signin-${env.prefix}-resolved`,
          type: "RESOLVED",
          at: vietnamTime(5),
          outcome: "APPROVED",
        });
        expect(resolved.status).toBe(200);
      }
    }
    await waitFor(async () => (await receivedTotal(STP)) >= before.stp + 2 && (await receivedTotal()) >= before.all + 5, { timeoutMs: 30_000, description: "reporting to fold the dossiers" });
    stpReceived = await receivedTotal(STP);
    provinceReceived = await receivedTotal();
    expect(provinceReceived - stpReceived).toBeGreaterThanOrEqual(3);
  });

  it("keeps a wrong password on Keycloak's page, with its error", async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, "baocao.stp", "not-the-password");
      expect(page.url().startsWith(keycloak.url)).toBe(true);
      expect(await page.textContent("body")).toContain("Invalid username or password.");
      expect(await page.$("#password")).not.toBeNull();
    } finally {
      await context.close();
    }
  });

  it("shows Sở Tư pháp's reporting viewer that agency's quarter only, with the tokens kept server-side", async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, "baocao.stp");
      expect(page.url()).toBe(`${consoleUrl}/`);
      expect(await page.textContent("#ho-ten")).toBe("Hoàng Thị Lan");
      expect(await page.textContent("#vai-tro")).toBe("Người xem báo cáo");
      expect(await page.textContent("#pham-vi-nguoi-dung")).toBe(`Sở Tư pháp tỉnh Bắc Ninh (${STP})`);
      expect(await page.textContent("#pham-vi-bao-cao")).toBe(`Sở Tư pháp tỉnh Bắc Ninh (${STP})`);
      // Other test files publish receipts on the shared stream meanwhile: the page shows what
      // reporting answered for Sở Tư pháp between the reads before and after it, below the province's.
      const shown = await figure(page, "received.total");
      expect(shown).toBeGreaterThanOrEqual(stpReceived);
      expect(shown).toBeLessThanOrEqual(await receivedTotal(STP));
      expect(shown).toBeLessThan(await receivedTotal());
      const text = (await page.textContent("body"))!;
      expect(text).toBe(text.normalize("NFC"));
      expect(text).not.toContain(SXD);
      expect(text).not.toContain("Sở Xây dựng");
      expect(await page.$("#van-hanh")).toBeNull(); // services and streams: the operators' view

      // The browser holds one opaque, HttpOnly, SameSite=Lax cookie, and no token anywhere.
      const cookies = await context.cookies(consoleUrl);
      expect(cookies.map((c) => c.name)).toEqual(["onestop_console_session"]);
      expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: "Lax" });
      expect(cookies[0]!.value).not.toContain(".");
      expect(await page.evaluate("document.cookie")).toBe("");
      expect(await page.content()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);

      // The forward carries her token: reporting narrows to her agency and refuses another.
      const own = (await page.evaluate(async (period) => (await fetch(`/v1/reports/tthc?period=${period}`)).json(), currentQuarter())) as { scope: unknown; totals: { received: { total: number } } };
      expect(own).toMatchObject({ scope: { agencyCode: STP } });
      expect(own.totals.received.total).toBeGreaterThanOrEqual(stpReceived);
      expect(own.totals.received.total).toBeLessThanOrEqual(await receivedTotal(STP));
      const other = await page.evaluate(async ([period, agency]) => (await fetch(`/v1/reports/tthc?period=${period}&agency=${agency}`)).status, [currentQuarter(), SXD] as const);
      expect(other).toBe(403);

      // Signing out ends the session here and at Keycloak, and comes back signed out.
      await Promise.all([page.waitForURL(`${consoleUrl}/`), page.click("#dang-xuat")]);
      await page.waitForSelector("#dang-nhap"); // the page asks /api/home first, then draws the button
      expect(await page.evaluate(async () => (await fetch("/v1/reports/quarterly?year=2026&quarter=1")).status)).toBe(401);
      await page.click("#dang-nhap");
      await page.waitForURL((url) => url.href.startsWith(keycloak.url));
      expect(await page.$("#password")).not.toBeNull(); // Keycloak asks again: its session ended too
    } finally {
      await context.close();
    }
  });

  it("shows the province operator the whole province, with the services and streams", async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, "vanhanh.tinh");
      expect(page.url()).toBe(`${consoleUrl}/`);
      expect(await page.textContent("#ho-ten")).toBe("Phạm Quốc Tuấn");
      expect(await page.textContent("#vai-tro")).toBe("Cán bộ vận hành hệ thống cấp tỉnh");
      expect(await page.textContent("#pham-vi-nguoi-dung")).toBe("Tỉnh Bắc Ninh, toàn tỉnh (mã 24)");
      expect(await page.textContent("#pham-vi-bao-cao")).toBe("Toàn tỉnh: Tỉnh Bắc Ninh (mọi cơ quan)");
      const received = await figure(page, "received.total");
      expect(received).toBeGreaterThanOrEqual(provinceReceived);
      expect(received).toBeGreaterThan(stpReceived);
      expect(await page.textContent("#van-hanh")).toContain("reporting");
    } finally {
      await context.close();
    }
  });

  it("tells a desk officer, in Vietnamese, that their role may not read reports", async () => {
    const context = await browser.newContext();
    try {
      const page = await signIn(context, "tiepnhan.stp");
      expect(await page.textContent("#ho-ten")).toBe("Nguyễn Thị Hoa");
      expect(await page.textContent("#vai-tro")).toBe("Cán bộ tiếp nhận hồ sơ");
      expect(await page.textContent("#bao-cao-loi")).toContain("Tài khoản của bạn không có quyền xem báo cáo thống kê (403).");
      expect(await page.$('[data-chi-tieu="received.total"]')).toBeNull();
    } finally {
      await context.close();
    }
  });

  it("answers /v1 without a session 401, and refuses a callback whose state is not the browser's own", async () => {
    const anonymous = await fetch(`${consoleUrl}/v1/reports/tthc?period=${currentQuarter()}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ title: "Chưa đăng nhập" });
    const forged = await fetch(`${consoleUrl}/callback?state=forged&code=forged`, { headers: { cookie: "onestop_console_login=forged" } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain("Phiên đăng nhập không hợp lệ");
    // The login redirect: PKCE S256, state and nonce, to the issuer's authorization endpoint.
    const login = await fetch(`${consoleUrl}/dang-nhap`, { redirect: "manual" });
    const location = new URL(login.headers.get("location")!);
    expect(location.href.startsWith(`${keycloak.issuer}/protocol/openid-connect/auth`)).toBe(true);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ response_type: "code", client_id: "onestop-console", code_challenge_method: "S256", redirect_uri: `${consoleUrl}/callback` });
    expect(location.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.headers.get("set-cookie")).toMatch(/^onestop_console_login=[A-Za-z0-9_-]{43}; Path=\/callback; HttpOnly; SameSite=Lax; Max-Age=600$/);
  });
});
