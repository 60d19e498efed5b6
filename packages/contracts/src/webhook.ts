// The liên thông webhook contract, both ways: lienthong POSTs a step request to a sector system
// that cannot hold a NATS connection, and the sector system POSTs its result back. Each body is
// signed with the sector system's shared secret: HMAC-SHA256 over "<timestamp>.<raw body>", hex,
// in `Onestop-Signature: v1=<hex>`, the Unix time in seconds in `Onestop-Timestamp`. A receiver
// refuses a signature that does not match or a timestamp outside the replay window.
import { createHmac, timingSafeEqual } from "node:crypto";

export const WEBHOOK_HEADERS = {
  signature: "onestop-signature",
  timestamp: "onestop-timestamp",
  /** The delivery's id: the step request's event id (the same on every retry). */
  delivery: "onestop-delivery",
} as const;

/** How far a timestamp may be from the receiver's clock, either way. */
export const WEBHOOK_REPLAY_WINDOW_SEC = 300;

export function webhookSignature(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestampSec}.${body}`).digest("hex")}`;
}

/** The headers of a signed POST of `body`. */
export function signedWebhookHeaders(secret: string, body: string, deliveryId: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    "content-type": "application/json",
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: webhookSignature(secret, timestamp, body),
    [WEBHOOK_HEADERS.delivery]: deliveryId,
  };
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: "MISSING_HEADERS" | "STALE_TIMESTAMP" | "BAD_SIGNATURE" };

/** Checks a received body against its headers (names in lower case, as node gives them). */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string | string[] | undefined>, nowMs = Date.now(), windowSec = WEBHOOK_REPLAY_WINDOW_SEC): WebhookVerdict {
  const signature = headers[WEBHOOK_HEADERS.signature];
  const timestamp = headers[WEBHOOK_HEADERS.timestamp];
  if (typeof signature !== "string" || typeof timestamp !== "string" || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "MISSING_HEADERS" };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > windowSec) return { ok: false, reason: "STALE_TIMESTAMP" };
  const expected = Buffer.from(webhookSignature(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "BAD_SIGNATURE" };
  return { ok: true };
}

/**
 * What a sector system POSTs back to lienthong's `/webhooks/v1/<sector>/results`: the answer to
 * one step request (bundle, step and attempt, as the request carried them). Applied once however
 * often it is sent.
 */
export type WebhookResult =
  | { bundleId: string; stepCode: string; attempt: number; outcome: "COMPLETED"; at: string; outputs: Record<string, string>; resultNumber?: string }
  | { bundleId: string; stepCode: string; attempt: number; outcome: "REFUSED"; at: string; reason: string };
