/**
 * The console end to end, in a real browser (Debian's chromium driven by playwright-core) against
 * the running system: Keycloak with the demo realm, intake, reporting and the console as processes
 * on free ports. Dossiers come in through intake with the one-stop systems' token: one overdue,
 * one due tomorrow, one resolved today. Then the province operator finds the overdue dossier in the
 * delayed list, opens its timeline (intake's events in time order) and is told its apology letter
 * is too late; Sở Tư pháp's processing officer issues the letter for the one due tomorrow (page,
 * PDF; a second one refused); and the quarter shows its charts, tables, XLSX and period picker.
 * Each step saves a screenshot (.local/console-e2e/) and checks what it shows: the text in the
 * page at that moment and, for charts, pixels drawn in the series' colours on the canvases.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addDays, computeDueAt, defaultCalendar, localDateOf } from "@onestop/calendar";
import { clientCredentialsGrant, freePort, ONESTOP_AUDIENCE, repoRoot, startKeycloak, type KeycloakServer } from "@onestop/devservers";
import { startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { formatDate } from "@onestop/vn-format";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const WEB_DIST = join(repoRoot(), "packages", "console-web", "dist", "index.html");
const SHOTS = join(repoRoot(), ".local", "console-e2e");
const PASSWORD = "onestop-demo";
const STP = "000.00.03.H06"; // Sở Tư pháp tỉnh Bắc Ninh
const CRIMINAL_RECORD = { procedureCode: "3.000333", timeLimit: { amount: 10, unit: "DAYS" as const } }; // lý lịch tư pháp, 10 days
const SYSTEM = { clientId: "onestop-system", secret: "onestop-system-local-secret" };
const DAY_MS = 86_400_000;

const env = testEnv();
let dir: string;
let keycloak: KeycloakServer;
let intake: ServiceProcess;
let reporting: ServiceProcess;
let consoleService: ServiceProcess;
let consoleUrl: string;
let browser: Browser;

/** A Vietnam local time `msAgo` before now, "YYYY-MM-DDTHH:MM:00+07:00". */
const vietnamTime = (msAgo: number) => `${new Date(Date.now() - msAgo + 7 * 3_600_000).toISOString().slice(0, 16)}:00+07:00`;
const today = () => localDateOf(new Date());

async function intakeCall(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = await clientCredentialsGrant(keycloak.issuer, SYSTEM.clientId, SYSTEM.secret);
  const response = await fetch(`${intake.httpUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function submit(receivedAt: string, i: number): Promise<string> {
  const answer = await intakeCall("POST", "/v1/dossiers", {
    agencyCode: STP,
    procedureCode: CRIMINAL_RECORD.procedureCode,
    channel: "ONLINE",
    receivedAt,
    applicant: { idNumber: `02409100${String(1000 + i)}`, fullName: "Trần Thị Bình" },
  });
  expect(answer.status).toBe(201);
  return answer.body.code as string;
}

async function event(code: string, body: Record<string, unknown>): Promise<void> {
  const answer = await intakeCall("POST", `/v1/dossiers/${code}/events`, { eventId: `e2e-${env.prefix}-${code}-${body.type}`, ...body });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
}

/** The demo realm's redirect URIs name the demo's console (:8080); this one runs on a free port. */
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
  expect((await fetch(`${clients}/${client!.id}`, { method: "PUT", headers, body: JSON.stringify(client) })).status).toBe(204);
}

beforeAll(async () => {
  if (!existsSync(WEB_DIST)) throw new Error(`the web UI is not built (${WEB_DIST}): pnpm --filter @onestop/console-web build`);
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: bash infra/install.sh installs Debian's chromium`);
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "onestop-console-e2e-"));
  keycloak = await startKeycloak({ dir });
  const oidc = { OIDC_ISSUER: keycloak.issuer, OIDC_AUDIENCE: ONESTOP_AUDIENCE };
  const common = { ...oidc, MONGO_URL: env.mongoUrl };
  const intakeGrpc = await freePort();
  [intake, reporting] = await Promise.all([
    startServiceProcess("intake", { ...common, ...env.natsEnv("intake"), MONGO_DB: `${env.dbName}_intake`, GRPC_PORT: String(intakeGrpc) }),
    startServiceProcess("reporting", { ...common, ...env.natsEnv("reporting"), MONGO_DB: `${env.dbName}_reporting`, GRPC_PORT: "0", REPORTING_CONSUMER: `reporting_${env.prefix}` }),
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
    CONSOLE_INTAKE_GRPC: `127.0.0.1:${intakeGrpc}`,
  });
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

/** Errors thrown in the pages (a React page that failed to draw): none expected. */
const pageErrors: string[] = [];

async function signIn(username: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: "vi-VN" })).newPage();
  // A missing element fails the step with its selector within the test's time; Keycloak's pages may be slow on a busy machine.
  page.setDefaultTimeout(15_000);
  page.setDefaultNavigationTimeout(30_000);
  page.on("pageerror", (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  await page.goto(`${consoleUrl}/`);
  await page.click("#dang-nhap");
  await page.waitForURL((url) => url.href.startsWith(`${keycloak.issuer}/protocol/openid-connect/auth`));
  await page.fill("#username", username);
  await page.fill("#password", PASSWORD);
  await Promise.all([page.waitForURL(`${consoleUrl}/`), page.click("#kc-login")]);
  await page.waitForSelector("#ho-ten");
  return page;
}

/** Saves the page and answers the visible text at that moment, the text the screenshot shows. */
async function shot(page: Page, name: string): Promise<string> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  expect(pageErrors).toEqual([]);
  const text = await page.innerText("body");
  expect(text).toBe(text.normalize("NFC"));
  return text;
}

/** For each chart, its canvas's pixels close to `rgb` (the series' colour): bars drawn, not a blank box. */
async function pixelsOfColour(page: Page, selector: string, rgb: [number, number, number]): Promise<{ drawn: number; coloured: number }> {
  return page.$eval(
    `${selector} canvas`,
    (canvas, [r, g, b]) => {
      const element = canvas as unknown as { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      const { data } = element.getContext("2d").getImageData(0, 0, element.width, element.height);
      let drawn = 0;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! === 0) continue;
        drawn++;
        if (Math.abs(data[i]! - r!) < 12 && Math.abs(data[i + 1]! - g!) < 12 && Math.abs(data[i + 2]! - b!) < 12) coloured++;
      }
      return { drawn, coloured };
    },
    rgb,
  );
}

describe("the operator console in a browser", { timeout: 60_000 }, () => {
  let overdue: string;
  let dueTomorrow: string;
  let dueDate: string;

  it("takes dossiers through intake: one overdue, one due tomorrow, one resolved today", async () => {
    // Overdue: received 20 days ago with 10 days, paused for a day on the way.
    overdue = await submit(vietnamTime(20 * DAY_MS), 0);
    await event(overdue, { type: "PAUSED", at: vietnamTime(15 * DAY_MS), reason: "OPINION_REQUEST" });
    await event(overdue, { type: "RESUMED", at: vietnamTime(14 * DAY_MS) });
    // Due tomorrow (or the next working day): received 9 days ago.
    const receivedAt = vietnamTime(9 * DAY_MS);
    dueTomorrow = await submit(receivedAt, 1);
    dueDate = computeDueAt({ receivedAt, timeLimit: CRIMINAL_RECORD.timeLimit }).dueDate!;
    expect(dueDate > today()).toBe(true);
    const resolved = await submit(vietnamTime(60 * 60_000), 2);
    await event(resolved, { type: "RESOLVED", at: vietnamTime(5 * 60_000), outcome: "APPROVED" });
    const token = await clientCredentialsGrant(keycloak.issuer, SYSTEM.clientId, SYSTEM.secret);
    await waitFor(
      async () => {
        const response = await fetch(`${reporting.httpUrl}/v1/reports/delayed?agency=${STP}`, { headers: { authorization: `Bearer ${token}` } });
        const codes = ((await response.json()) as { dossiers: Array<{ dossierCode: string }> }).dossiers.map((d) => d.dossierCode);
        return codes.includes(overdue) && codes.includes(dueTomorrow);
      },
      { timeoutMs: 30_000, description: "reporting to list the delayed dossiers" },
    );
  });

  it("lets the province operator find the overdue dossier, with who holds it, and open its timeline", async () => {
    const page = await signIn("vanhanh.tinh");
    await page.click('a[href="/ho-so-cham-muon"]');
    // Filter by agency through the picker, as an operator would.
    await page.click("#loc-co-quan");
    await page.fill("#loc-co-quan", STP);
    await page.locator('[role="option"]', { hasText: `Sở Tư pháp tỉnh Bắc Ninh (${STP})` }).click();
    const row = page.locator(`tr[data-ho-so="${overdue}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-tinh-trang")).toBe("OVERDUE");
    expect(await page.locator(`tr[data-ho-so="${dueTomorrow}"]`).getAttribute("data-tinh-trang")).toBe("AT_RISK");
    const list = await shot(page, "1-ho-so-cham-muon");
    expect(list).toContain("Hồ sơ chậm muộn");
    expect(list).toContain("Cơ quan đang giữ");
    // Badges are drawn in capitals (CSS); their text is as written.
    expect(await page.textContent("#so-qua-han")).toMatch(/^Quá hạn: \d+$/);
    const rowText = (await row.textContent())!;
    expect(rowText).toContain("Cấp phiếu lý lịch tư pháp cho công dân");
    expect(rowText).toContain("Sở Tư pháp tỉnh Bắc Ninh"); // who holds it
    expect(rowText).toMatch(/Quá hạn \d+ ngày làm việc/);
    expect(rowText).toMatch(/từ \d{2}:\d{2} \d{2}\/\d{2}\/\d{4}/); // since when

    await row.locator("a").click();
    await page.waitForSelector("#dong-thoi-gian");
    const timeline = await shot(page, "2-dong-thoi-gian");
    expect(await page.textContent("#ma-ho-so")).toBe(overdue);
    expect(await page.textContent("#qua-han")).toBe("Quá hạn");
    const entries = await page.locator("#dong-thoi-gian .mantine-Timeline-itemTitle").allInnerTexts();
    expect(entries).toEqual(["Tiếp nhận hồ sơ", "Tạm dừng xử lý hồ sơ", "Tiếp tục xử lý hồ sơ"]);
    expect(timeline).toContain("Chưa có dữ liệu từ: Liên thông, Thanh toán, Số hóa.");

    // Its letter would come too late: the rules want it at least one day before the due date.
    await page.click("#lap-phieu-xin-loi");
    const refusal = await page.waitForSelector("#phieu-khong-lap-duoc");
    expect(await refusal.innerText()).toContain("chậm nhất một ngày trước ngày hẹn trả kết quả");
    await shot(page, "3-phieu-qua-muon");
    await page.context().close();
  });

  it("lets Sở Tư pháp's processing officer issue the apology letter once, as a page and a PDF", async () => {
    const page = await signIn("xuly.stp");
    await page.goto(`${consoleUrl}/ho-so/${dueTomorrow}/phieu-xin-loi`);
    expect(await (await page.waitForSelector("#dieu-kien-phieu")).innerText()).toContain(`Hạn trả kết quả hiện tại: ${formatDate(dueDate)}`);
    const newDueDate = defaultCalendar.addWorkingDays(dueDate, 5);
    await page.fill("#ly-do", "Chờ kết quả xác minh của cơ quan công an");
    await page.fill("#ngay-hen-moi", newDueDate);
    await page.click("#phat-hanh-phieu");
    const letter = await (await page.waitForSelector("#phieu-xin-loi")).innerText();
    await shot(page, "4-phieu-xin-loi");
    expect(letter).toContain("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ");
    expect(letter).toContain("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
    expect(letter).toContain(`mã hồ sơ ${dueTomorrow}`);
    expect(letter).toContain(`theo quy định là ngày ${formatDate(dueDate)}`);
    expect(letter).toContain("Lý do: Chờ kết quả xác minh của cơ quan công an");
    const [year, month, day] = newDueDate.split("-");
    expect(letter).toContain(`vào ngày ${day} tháng ${month} năm ${year}`);
    expect(letter).not.toContain("Trần Thị Bình"); // the applicant's name is written by hand

    // The PDF of the same letter, downloaded with the officer's session.
    const pdf = await page.evaluate(
      async (href) => {
        const response = await fetch(href);
        return { type: response.headers.get("content-type"), head: new TextDecoder().decode((await response.arrayBuffer()).slice(0, 5)) };
      },
      (await page.getAttribute("#tai-pdf", "href"))!,
    );
    expect(pdf).toEqual({ type: "application/pdf", head: "%PDF-" });

    // Intake holds the extension once; a second letter is refused.
    const again = await page.evaluate(
      async ([path, date]) => (await fetch(path!, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: "Lần nữa", newDueDate: date }) })).json(),
      [`/api/dossiers/${dueTomorrow}/apology`, addDays(newDueDate, 1)] as const,
    );
    expect(again).toMatchObject({ status: 409, rule: "ONE_EXTENSION" });
    const view = await intakeCall("GET", `/v1/dossiers/${dueTomorrow}`);
    expect((view.body.timeline as Array<{ type: string }>).filter((entry) => entry.type === "DEADLINE_EXTENDED")).toHaveLength(1);
    expect(view.body.dueAt).toMatch(new RegExp(`^${newDueDate}T`));
    await page.context().close();
  });

  it("shows the quarter with its charts drawn, the form's tables, XLSX downloads and a period picker", async () => {
    const page = await signIn("vanhanh.tinh");
    await page.click('a[href="/bao-cao-quy"]');
    await page.waitForSelector("#bieu-do-cap canvas");
    await page.waitForSelector("#bang-thong-ke");
    const quarter = await shot(page, "5-bao-cao-quy");
    const period = `${today().slice(0, 4)}-Q${Math.floor((Number(today().slice(5, 7)) - 1) / 3) + 1}`;
    const roman = ["I", "II", "III", "IV"][Number(period.slice(-1)) - 1];
    expect(quarter).toContain(`Báo cáo Quý ${roman}/${period.slice(0, 4)}`);
    expect(quarter).toContain("Tỷ lệ giải quyết đúng hạn theo cấp");
    expect(quarter).toContain("Lý lịch tư pháp");
    expect(quarter).toContain("Bộ chỉ số theo Quyết định 766/QĐ-TTg");
    expect(quarter).toMatch(/\d+(,\d+)?%/); // percentages written the Vietnamese way
    // The resolved dossier is on time at province level: a red bar on the level chart, a blue one on the sector chart.
    const level = await pixelsOfColour(page, "#bieu-do-cap", [0xc9, 0x2a, 0x2a]);
    expect(level.drawn).toBeGreaterThan(5_000);
    expect(level.coloured).toBeGreaterThan(500);
    expect((await pixelsOfColour(page, "#bieu-do-linh-vuc", [0x19, 0x71, 0xc2])).coloured).toBeGreaterThan(500);
    expect((await pixelsOfColour(page, "#bieu-do-766", [0xce, 0xd4, 0xda])).coloured).toBeGreaterThan(500); // the groups' maximum points

    // XLSX of the statistics form, through the console with the operator's session.
    const xlsx = await page.evaluate(
      async (href) => {
        const response = await fetch(href);
        return { status: response.status, type: response.headers.get("content-type"), head: new TextDecoder().decode((await response.arrayBuffer()).slice(0, 2)) };
      },
      (await page.getAttribute("#xlsx-thong-ke", "href"))!,
    );
    expect(xlsx).toMatchObject({ status: 200, head: "PK" });
    expect(xlsx.type).toContain("spreadsheetml");

    // Another quarter through the picker.
    const previous = Number(period.slice(-1)) === 1 ? `${Number(period.slice(0, 4)) - 1}-Q4` : `${period.slice(0, 5)}Q${Number(period.slice(-1)) - 1}`;
    const previousName = `Quý ${["I", "II", "III", "IV"][Number(previous.slice(-1)) - 1]}/${previous.slice(0, 4)}`;
    await page.click("#chon-ky");
    await page.getByRole("option", { name: previousName }).click();
    await page.getByRole("heading", { name: `Báo cáo ${previousName}` }).waitFor();
    await page.waitForSelector("#bieu-do-cap canvas");
    expect(await page.getAttribute("#xlsx-thong-ke", "href")).toBe(`/v1/reports/tthc?period=${previous}&format=xlsx`);
    expect(await shot(page, "6-bao-cao-quy-truoc")).toContain(`Báo cáo ${previousName}`);
    await page.context().close();
  });
});
