import { z } from "zod";
import { LIENTHONG_INBOUND_DURABLE } from "@onestop/contracts";
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
  /** Webhook deliveries: how often pending ones are looked at, and the most attempts per delivery. */
  WEBHOOK_POLL_MS: z.coerce.number().int().min(50).default(1_000),
});

export const loadConfig = () => readConfig(lienthongConfigSchema, process.env, { HTTP_PORT: "8082", GRPC_PORT: "50052" });
export type LienthongConfig = ReturnType<typeof loadConfig>;
