import "@onestop/telemetry/register";
import { loadSeedAgencyRegistry, loadSeedCatalogue } from "@onestop/catalogue";
import { runMain, startService } from "@onestop/service-kit";
import { apiRouter } from "./api.js";
import { ConsoleAuth } from "./auth.js";
import { loadConfig, optionalServiceUrl, serviceUrl } from "./config.js";
import { Forwarder } from "./forward.js";
import { OidcClient } from "./oidc.js";
import { SessionStore } from "./sessions.js";
import { defaultWebDir, webRouter } from "./web.js";

runMain(() => {
  const config = loadConfig();
  const optional = Object.fromEntries(
    (["lienthong", "payment", "digitisation"] as const).flatMap((name) => {
      const url = optionalServiceUrl(config, name);
      return url ? [[name, url]] : [];
    }),
  );
  const urls = { intake: serviceUrl(config, "intake"), reporting: serviceUrl(config, "reporting"), ...optional };
  const registry = loadSeedAgencyRegistry();
  if (!registry.ok) throw new Error(`agency registry invalid: ${registry.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  const catalogue = loadSeedCatalogue();
  if (!catalogue.ok) throw new Error(`catalogue invalid: ${catalogue.errors.map((e) => JSON.stringify(e)).join("; ")}`);
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
      app.use(
        apiRouter({
          auth,
          forwarder,
          registry: registry.value,
          catalogue: catalogue.value,
          intakeGrpc: config.CONSOLE_INTAKE_GRPC,
          publicUrl: config.CONSOLE_PUBLIC_URL,
          services: config.CONSOLE_SERVICES,
          nats,
          log,
        }),
      );
      // The web UI: every page is drawn in the browser from /api and the /v1 forward.
      app.use(webRouter(config.CONSOLE_WEB_DIR ?? defaultWebDir()));
    },
  });
});
