import { z } from "zod";
import { LIENTHONG_INBOUND_DURABLE, SECTOR_SYSTEMS } from "@onestop/contracts";
import { baseConfigSchema, readConfig } from "@onestop/service-kit";

const lienthongConfigSchema = baseConfigSchema.extend({
  /** A folder holding the province's own procedures.json / bundles.json / units.csv / agencies.csv / agency-kinds.json; default: the shipped seed. */
  CATALOGUE_DIR: z.string().min(1).optional(),
  /** Intake's gRPC address: a finished bundle's dossier is resolved there. */
  INTAKE_GRPC_URL: z.string().min(1).default("127.0.0.1:50051"),
  /** lienthong's durable on LIENTHONG (its NATS user may create only this one). */
  LIENTHONG_CONSUMER: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default(LIENTHONG_INBOUND_DURABLE),
  /** Put before the sector systems' durable names (tests only: each test file its own). */
  SECTOR_CONSUMER_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/)
    .default(""),
  /** How often the durable timers are looked at. */
  TIMER_POLL_MS: z.coerce.number().int().min(50).default(1_000),
  OUTBOX_RETRY_MS: z.coerce.number().int().min(50).default(1_000),
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
  /**
   * The sector systems reached by webhook instead of NATS, as JSON:
   * {"sector-cutru": {"url": "https://…/lienthong", "secret": "<at least 32 characters>"}}.
   */
  SECTOR_WEBHOOKS: z
    .string()
    .default("{}")
    .transform((value, context) => {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        context.addIssue({ code: "custom", message: "must be JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.partialRecord(z.enum(SECTOR_SYSTEMS), z.object({ url: z.url({ protocol: /^https?$/ }), secret: z.string().min(32) }).strict())),
  /** Webhook deliveries: how often pending ones are looked at, the first retry's delay (doubled each time, up to the cap) and the most attempts. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(50).default(1_000),
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).default(2_000),
  WEBHOOK_BACKOFF_CAP_MS: z.coerce.number().int().min(10).default(600_000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(20),
});

export const loadConfig = (env: Record<string, string | undefined> = process.env) => readConfig(lienthongConfigSchema, env, { HTTP_PORT: "8082", GRPC_PORT: "50052" });
export type LienthongConfig = ReturnType<typeof loadConfig>;
