import { z } from "zod";
import { baseConfigSchema, readConfig } from "@onestop/service-kit";

const DEFAULT_SERVICES = [
  "intake=http://127.0.0.1:8081",
  "lienthong=http://127.0.0.1:8082",
  "digitisation=http://127.0.0.1:8083",
  "payment=http://127.0.0.1:8084",
  "reporting=http://127.0.0.1:8085",
].join(",");

const consoleConfigSchema = baseConfigSchema.extend({
  /**
   * `name=url` pairs of the services whose readiness the console shows; `/v1/*` is forwarded to
   * `intake` and `reporting` from this list.
   */
  CONSOLE_SERVICES: z
    .string()
    .default(DEFAULT_SERVICES)
    .transform((list, ctx) =>
      list.split(",").map((pair) => {
        const [name, url] = pair.split("=");
        if (!name || !url || !URL.canParse(url)) {
          ctx.addIssue({ code: "custom", message: `expected name=url, got "${pair}"` });
        }
        return { name: name ?? "", url: url ?? "" };
      }),
    ),
  /** The OpenID Connect client people sign in with at OIDC_ISSUER: public (no secret), code flow with PKCE S256. */
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).default("onestop-console"),
  /** The console's address as browsers reach it: the redirect URI is <this>/callback. */
  CONSOLE_PUBLIC_URL: z
    .url()
    .default("http://127.0.0.1:8080")
    .transform((url) => url.replace(/\/+$/, "")),
  /** intake's gRPC address (host:port): the timeline reads its GetDossier, which answers Vietnamese summaries. */
  CONSOLE_INTAKE_GRPC: z
    .string()
    .regex(/^[^\s/]+:\d+$/, "expected host:port")
    .default("127.0.0.1:50051"),
  /** The built web UI (packages/console-web/dist by default). */
  CONSOLE_WEB_DIR: z.string().min(1).optional(),
  /** A signed-in session ends after this long at most, even while the identity provider would renew it. */
  CONSOLE_SESSION_MAX_HOURS: z.coerce.number().min(0.1).max(24).default(10),
});

export const loadConfig = () => readConfig(consoleConfigSchema, process.env, { HTTP_PORT: "8080" });
export type ConsoleConfig = ReturnType<typeof loadConfig>;

/** The URL of service `name` in CONSOLE_SERVICES, if listed. */
export function optionalServiceUrl(config: ConsoleConfig, name: string): string | undefined {
  return config.CONSOLE_SERVICES.find((service) => service.name === name)?.url.replace(/\/+$/, "");
}

/** The URL of service `name` in CONSOLE_SERVICES; start-up fails without it. */
export function serviceUrl(config: ConsoleConfig, name: string): string {
  const url = config.CONSOLE_SERVICES.find((service) => service.name === name)?.url;
  if (!url) throw new Error(`CONSOLE_SERVICES names no ${name}=<url>`);
  return url.replace(/\/+$/, "");
}
