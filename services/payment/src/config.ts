import { z } from "zod";
import { baseConfigSchema, readConfig } from "@onestop/service-kit";
import { PAYMENT_DOSSIER_DURABLE } from "@onestop/contracts";

/** The simulator's merchant secret (packages/payment-gateway/sim): public, protects nothing. */
export const DEV_VNPAY_HASH_SECRET = "onestop-local-vnpay-secret-not-for-production";

const paymentConfigSchema = baseConfigSchema
  .extend({
    /** A folder holding the province's own procedures.json and agencies; default: the shipped seed. */
    CATALOGUE_DIR: z.string().min(1).optional(),
    /** The fee rules (exemptions, alternatives, effective-dated reductions); default: data/fee-rules.json. */
    FEE_RULES_FILE: z.string().min(1).optional(),
    /** Durable consumer name on the DOSSIER stream (receipts). */
    PAYMENT_CONSUMER: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default(PAYMENT_DOSSIER_DURABLE),
    /**
     * Where a first deployment begins assessing: the receipts stored from this instant on, when the
     * system it replaces assessed the earlier ones. Default: every receipt the stream holds.
     */
    PAYMENT_RECEIPTS_SINCE: z.iso.datetime({ offset: true }).optional(),
    /** VNPAY merchant: terminal code and hash secret (from VNPAY; keep the secret in the secret store). */
    VNPAY_TMN_CODE: z
      .string()
      .regex(/^[A-Za-z0-9]{1,16}$/)
      .default("ONESTOP1"),
    VNPAY_HASH_SECRET: z.string().min(16).default(DEV_VNPAY_HASH_SECRET),
    /** The gateway's payment page (vpcpay.html) and its merchant API base (daily files). */
    VNPAY_PAYMENT_URL: z.url().default("http://127.0.0.1:8094/paymentv2/vpcpay.html"),
    VNPAY_MERCHANT_API_URL: z.url().default("http://127.0.0.1:8094"),
    /** Where applicants come back after paying: this service's public URL. */
    PAYMENT_PUBLIC_URL: z.url().default("http://127.0.0.1:8084"),
    /** How long an online order may be paid (vnp_ExpireDate), in seconds: 15 minutes by default. */
    ORDER_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
    /** How often open orders past their expiry are closed. */
    EXPIRY_SWEEP_MS: z.coerce.number().int().min(50).default(30_000),
    /** How often outboxes left unpublished are looked for. */
    OUTBOX_SWEEP_MS: z.coerce.number().int().min(50).default(30_000),
    NODE_ENV: z.string().optional(),
  })
  .refine((c) => c.NODE_ENV !== "production" || c.VNPAY_HASH_SECRET !== DEV_VNPAY_HASH_SECRET, { path: ["VNPAY_HASH_SECRET"], message: "the development secret cannot be used in production" });

export const loadConfig = () => readConfig(paymentConfigSchema as unknown as typeof baseConfigSchema, process.env, { HTTP_PORT: "8084", GRPC_PORT: "50054" }) as z.infer<typeof paymentConfigSchema>;
export type PaymentConfig = ReturnType<typeof loadConfig>;
