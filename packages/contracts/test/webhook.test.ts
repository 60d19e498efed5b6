import { describe, expect, it } from "vitest";
import { signedWebhookHeaders, verifyWebhook, webhookSignature } from "../src/index.js";

// Computed independently of this code:
//   printf '%s' '1764700000.{"bundleId":"b1"}' | openssl dgst -sha256 -hmac 'whsec-test-vector'
const SECRET = "whsec-test-vector";
const BODY = '{"bundleId":"b1"}';
const AT_SEC = 1_764_700_000;
const VECTOR = "v1=34e154971451d79e8c80a5acdb1b39d7f0945e91eb6c0abd324bd5cab040a2e5";

describe("webhook signature", () => {
  it("is HMAC-SHA256 of '<timestamp>.<body>' under the sector's secret, hex after v1=", () => {
    expect(webhookSignature(SECRET, AT_SEC, BODY)).toBe(VECTOR);
  });

  it("given signed headers, when verified within the window, then accepted", () => {
    const headers = signedWebhookHeaders(SECRET, BODY, "delivery-1", AT_SEC * 1000);
    expect(headers["onestop-signature"]).toBe(VECTOR);
    expect(headers["onestop-delivery"]).toBe("delivery-1");
    expect(verifyWebhook(SECRET, BODY, headers, AT_SEC * 1000 + 299_000)).toEqual({ ok: true });
  });

  it("refuses another secret, a changed body, a timestamp moved to replay it, and one outside the window", () => {
    const headers = signedWebhookHeaders(SECRET, BODY, "d", AT_SEC * 1000);
    expect(verifyWebhook("another-secret", BODY, headers, AT_SEC * 1000)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verifyWebhook(SECRET, '{"bundleId":"b2"}', headers, AT_SEC * 1000)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verifyWebhook(SECRET, BODY, { ...headers, "onestop-timestamp": String(AT_SEC + 60) }, AT_SEC * 1000)).toEqual({ ok: false, reason: "BAD_SIGNATURE" });
    expect(verifyWebhook(SECRET, BODY, headers, (AT_SEC + 301) * 1000)).toEqual({ ok: false, reason: "STALE_TIMESTAMP" });
    expect(verifyWebhook(SECRET, BODY, headers, (AT_SEC - 301) * 1000)).toEqual({ ok: false, reason: "STALE_TIMESTAMP" });
  });

  it("refuses a request without the headers or with a malformed timestamp", () => {
    expect(verifyWebhook(SECRET, BODY, {}, AT_SEC * 1000)).toEqual({ ok: false, reason: "MISSING_HEADERS" });
    expect(verifyWebhook(SECRET, BODY, { "onestop-signature": VECTOR, "onestop-timestamp": "soon" }, AT_SEC * 1000)).toEqual({ ok: false, reason: "MISSING_HEADERS" });
  });
});
