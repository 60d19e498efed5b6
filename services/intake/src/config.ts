import { z } from "zod";
import { personalDataKeyFrom } from "@onestop/contracts";
import { baseConfigSchema, ConfigError, readConfig } from "@onestop/service-kit";

const intakeConfigSchema = baseConfigSchema.extend({
  /** A folder holding the province's own procedures.json / units.csv / agencies.csv; default: the shipped seed. */
  CATALOGUE_DIR: z.string().min(1).optional(),
  /** How long the outbox relay waits before trying again to publish events the bus did not take (an outage). */
  OUTBOX_RETRY_MS: z.coerce.number().int().min(50).default(1_000),
  /**
   * How often the outbox relay looks for outboxes no running instance will publish (left by one
   * that crashed). A scan of the dossiers on the local store, so the default is long, and a slow
   * sweep stretches the period further (see the relay).
   */
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
});

export const loadConfig = () => ({
  ...readConfig(intakeConfigSchema, process.env, { HTTP_PORT: "8081", GRPC_PORT: "50051" }),
  PERSONAL_DATA_KEY: personalDataKey(),
});

/**
 * The key of the applicant references in events (HMAC-SHA256, see `applicantRef`): PERSONAL_DATA_KEY,
 * required when NODE_ENV=production; elsewhere a public development key when it is absent.
 */
function personalDataKey(): string {
  try {
    return personalDataKeyFrom(process.env);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}
export type IntakeConfig = ReturnType<typeof loadConfig>;
