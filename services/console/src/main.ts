import "@onestop/telemetry/register";
import { hasRole } from "@onestop/auth";
import { loadSeedAgencyRegistry } from "@onestop/catalogue";
import { runMain, startService } from "@onestop/service-kit";
import { ConsoleAuth } from "./auth.js";
import { loadConfig, serviceUrl } from "./config.js";
import { Forwarder } from "./forward.js";
import { quarterOf, vietnamToday, viewerOf } from "./home.js";
import { OidcClient } from "./oidc.js";
import { renderHome } from "./page.js";
import { SessionStore, setCookie, SESSION_COOKIE } from "./sessions.js";
import { serviceStatus, streamStatus } from "./status.js";

runMain(() => {
  const config = loadConfig();
  const urls = { intake: serviceUrl(config, "intake"), reporting: serviceUrl(config, "reporting") };
  const registry = loadSeedAgencyRegistry();
  if (!registry.ok) throw new Error(`agency registry invalid: ${registry.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  return startService({
    name: "console",
    config,
    defaultDb: "onestop_console",
    wire: ({ app, nats, log, verifier }) => {
      const oidc = new OidcClient({
        issuer: config.OIDC_ISSUER,
        clientId: config.CONSOLE_OIDC_CLIENT_ID,
        redirectUri: `${config.CONSOLE_PUBLIC_URL}/callback`,
        accessTokens: verifier,
        clockToleranceSec: config.OIDC_CLOCK_TOLERANCE_S,
        ...(config.OIDC_JWKS_URL ? { jwksUrl: config.OIDC_JWKS_URL } : {}),
      });
      const sessions = new SessionStore(config.CONSOLE_SESSION_MAX_HOURS * 3_600_000);
      const auth = new ConsoleAuth({ oidc, sessions, publicUrl: config.CONSOLE_PUBLIC_URL, issuer: config.OIDC_ISSUER, log });
      const forwarder = new Forwarder(urls, auth, config.CONSOLE_PUBLIC_URL, log);
      app.use(auth.router());
      app.use(forwarder.router());

      app.get("/", async (req, res) => {
        const at = new Date();
        res.set("Cache-Control", "no-store").type("html");
        const session = auth.sessionOf(req);
        if (!session) return void res.send(renderHome({ at }).text);
        const report = await quarterOf(forwarder, session, registry.value, at);
        if (report === "signed-out") {
          setCookie(res, SESSION_COOKIE, "", { secure: config.CONSOLE_PUBLIC_URL.startsWith("https:"), maxAgeSec: 0 });
          return void res.send(renderHome({ at }).text);
        }
        // Services and streams are the province operators' view.
        const status = hasRole(session.principal, "province_operator")
          ? {
              services: await Promise.all(config.CONSOLE_SERVICES.map(({ name, url }) => serviceStatus(name, url))),
              streams: await streamStatus(nats),
            }
          : undefined;
        const viewer = viewerOf(auth.sessionOf(req) ?? session, registry.value, vietnamToday(at));
        res.send(renderHome({ viewer, report, ...(status ? { status } : {}), at }).text);
      });
    },
  });
});
