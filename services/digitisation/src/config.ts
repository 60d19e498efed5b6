import { readFileSync } from "node:fs";
import { z } from "zod";
import { personalDataKeyFrom } from "@onestop/contracts";
import { baseConfigSchema, ConfigError, readConfig } from "@onestop/service-kit";
import { DEV_SIGNING_KEY } from "./adapters/signing/ed25519-signer.js";

const flag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const digitisationConfigSchema = baseConfigSchema.extend({
  /** Any S3-compatible object store; locally the project's versitygw (infra/local-servers.ts). */
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "a bucket name: 3-63 lower-case letters, digits, dots and hyphens")
    .default("onestop-digitisation"),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: flag.default(true),
  /** Sign upload bodies' SHA-256 in each request (SigV4 payload signing): off, the service hashes the content itself. */
  S3_SIGN_PAYLOAD: flag.default(false),
  /**
   * Intake's gRPC address: whose each dossier is (its deciding agency, its desk) and its components.
   * Asked with the service's account: ONESTOP_TOKEN, or OIDC_CLIENT_ID / OIDC_CLIENT_SECRET at OIDC_ISSUER.
   */
  INTAKE_GRPC_URL: z.string().min(1).default("127.0.0.1:50051"),
  /** How long intake's answer about a dossier is reused (a transfer shows after at most this). */
  DOSSIER_CACHE_MS: z.coerce.number().int().min(0).max(300_000).default(30_000),
  /** Largest file accepted, in bytes (413 beyond). */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(50 * 1024 * 1024),
  /** Lifetime of a presigned download URL. */
  PRESIGN_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** How often an instance finishes registrations a crashed one left (a scan of the documents). */
  SETTLE_SWEEP_MS: z.coerce.number().int().min(100).default(60_000),
  /** Objects of uploads a crash cut short (unfinished, or complete but never claimed) older than this are removed by the sweep. */
  INCOMING_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(60 * 60_000),
  /** Ed25519 private key, PKCS#8 PEM (or SIGNING_KEY_FILE naming one); required in production. */
  SIGNING_KEY: z.string().min(1).optional(),
  SIGNING_KEY_FILE: z.string().min(1).optional(),
  SIGNING_KEY_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  /**
   * Test hook: the process kills itself (SIGKILL) at a step of an upload: once the object is complete
   * but before its content is claimed, once claimed but before the document is registered, or once
   * registered but before it is announced.
   */
  DIGITISATION_FAULT: z.enum(["kill-after-write", "kill-after-claim", "kill-after-insert"]).optional(),
});

export const loadConfig = () => {
  const config = readConfig(digitisationConfigSchema, process.env, { HTTP_PORT: "8083", GRPC_PORT: "50053" });
  return { ...config, PERSONAL_DATA_KEY: personalDataKey(), SIGNING_KEY_PEM: signingKey(config) };
};

export type DigitisationConfig = ReturnType<typeof loadConfig>;

function personalDataKey(): string {
  try {
    return personalDataKeyFrom(process.env);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}

/** SIGNING_KEY or the file SIGNING_KEY_FILE names; the public development key outside production. */
function signingKey(config: { SIGNING_KEY?: string | undefined; SIGNING_KEY_FILE?: string | undefined }): string {
  if (config.SIGNING_KEY) return config.SIGNING_KEY.replace(/\\n/g, "\n");
  if (config.SIGNING_KEY_FILE) return readFileSync(config.SIGNING_KEY_FILE, "utf8");
  if (process.env.NODE_ENV === "production") throw new ConfigError(["SIGNING_KEY (or SIGNING_KEY_FILE) is required in production: an Ed25519 private key, PKCS#8 PEM"]);
  return DEV_SIGNING_KEY;
}
