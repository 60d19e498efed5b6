import { z } from "zod";

/** Settings every service reads from its environment; a service extends it with its own. */
export const baseConfigSchema = z.object({
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222"),
  /** The service's own NATS user (see packages/contracts/src/nats-permissions.ts) and its password… */
  NATS_USER: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  /** …or a credentials file (JWT + nkey seed) where the server is run in operator mode. */
  NATS_CREDS: z.string().min(1).optional(),
  /** Where its replies come; default _INBOX_<NATS_USER or service name>, the only inbox its user may read. */
  NATS_INBOX_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  MONGO_URL: z.string().min(1).default("mongodb://127.0.0.1:27017/"),
  MONGO_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HTTP_HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** R3 in a production cluster, 1 on a single local server. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** The identity provider whose bearer tokens every REST and gRPC call must carry (Keycloak's realm locally). */
  OIDC_ISSUER: z.url().default("http://127.0.0.1:8180/realms/onestop"),
  OIDC_AUDIENCE: z.string().min(1).default("onestop-api"),
  /** Signing keys; by default the issuer's discovery document names them. */
  OIDC_JWKS_URL: z.url().optional(),
  /** How far the issuer's clock may be from ours. */
  OIDC_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  /**
   * Per-client rate limit of REST and gRPC calls (token bucket per token subject, see rate-limit.ts):
   * people's requests per minute and burst; also each address's budget of failed authentications.
   */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().min(1).default(600),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(120),
  /** The same for service accounts (one-stop systems, sector software): high, they batch for many desks. */
  RATE_LIMIT_SERVICE_PER_MINUTE: z.coerce.number().min(1).default(600_000),
  RATE_LIMIT_SERVICE_BURST: z.coerce.number().int().min(1).default(20_000),
  /** REST requests handled at once; beyond, 503 with Retry-After (see overload.ts). */
  MAX_IN_FLIGHT_REQUESTS: z.coerce.number().int().min(1).default(256),
});
export type BaseConfig = z.infer<typeof baseConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Reads and validates the environment once at start-up; every bad variable is named.
 * `defaults` lets each service set its own ports without hard-coding them in the schema.
 */
export function readConfig<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>, defaults: Record<string, string> = {}): z.infer<S> {
  const result = schema.safeParse({ ...defaults, ...dropEmpty(env) });
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  return result.data;
}

function dropEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]));
}

/** A connection string with any password replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/g, "//$1:***@");
}
