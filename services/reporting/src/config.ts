import { z } from "zod";
import { baseConfigSchema, readConfig } from "@onestop/service-kit";
import { DEFAULT_CHUNK_DOSSIERS, DEFAULT_LEASE_MS } from "./app/rebuild.js";

const reportingConfigSchema = baseConfigSchema.extend({
  /** A folder holding the province's own procedures.json (and bundles.json); default: the shipped seed. */
  CATALOGUE_DIR: z.string().min(1).optional(),
  /** Durable consumer name on the DOSSIER stream. */
  REPORTING_CONSUMER: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("reporting-facts"),
  /** First day of a quarter's period in the month before it; 1 = calendar quarters, 15 = 15/12 to 14/3. */
  QUARTER_START_DAY: z.coerce.number().int().min(1).max(28).default(1),
  /** Dossier records a rebuild folds in memory before writing them (≈ 1,25 KB of heap each). */
  REBUILD_CHUNK_DOSSIERS: z.coerce.number().int().min(1).default(DEFAULT_CHUNK_DOSSIERS),
  /** How long an instance holds a rebuild without renewing its lease (renewed every third of it); a rebuild left by a dead instance is resumed after it. */
  REBUILD_LEASE_MS: z.coerce.number().int().min(100).default(DEFAULT_LEASE_MS),
  /** This instance's name, unique among running instances and stable across its restarts (it takes its own rebuild back at once); default host:HTTP_PORT. */
  REBUILD_INSTANCE: z.string().min(1).optional(),
  /** Tests only: `kill-after-chunk-write:<n>` kills the process after chunk n is written, before its checkpoint is. */
  REBUILD_FAULT: z
    .string()
    .regex(/^kill-after-chunk-write:\d+$/)
    .optional(),
  /**
   * The periods whose tallies are kept as events arrive, by length in months, cut at
   * QUARTER_START_DAY: months, quarters, half-years, years. Other periods are computed from the
   * records when asked (reading all of the period's records).
   */
  TALLY_PERIODS: z
    .string()
    .regex(/^(1|3|6|12)(,(1|3|6|12))*$/, "a list of period lengths in months among 1, 3, 6, 12, like 1,3,6,12")
    .default("1,3,6,12"),
});

export const loadConfig = () => readConfig(reportingConfigSchema, process.env, { HTTP_PORT: "8085", GRPC_PORT: "50055" });
export type ReportingConfig = ReturnType<typeof loadConfig>;
