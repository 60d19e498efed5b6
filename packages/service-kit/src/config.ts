import { z } from "zod";

/** Settings every service reads from its environment; a service extends it with its own. */
export const baseConfigSchema = z.object({
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222"),
  MONGO_URL: z.string().min(1).default("mongodb://127.0.0.1:27017/"),
  MONGO_DB: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  GRPC_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HTTP_HOST: z.string().default("127.0.0.1"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** R3 in a production cluster, 1 on a single local server. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
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
export function readConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  defaults: Record<string, string> = {},
): z.infer<S> {
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
