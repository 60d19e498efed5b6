import { describe, expect, it } from "vitest";
import { applicantRef, DEV_PERSONAL_DATA_KEY, normaliseIdNumber, personalDataKeyFrom } from "../src/index.js";

// Computed independently of this code:
//   printf '%s' '079203004567' | openssl dgst -sha256 -hmac 'onestop-test-vector-key-0123456789abcdef'
const KEY = "onestop-test-vector-key-0123456789abcdef";
const VECTOR = "b71482f0b4024c15edf3817364b44a7c237522906ee7cd61e2d2a57d335d17b2";
//   printf '%s' '079203004567' | openssl dgst -sha256 -hmac 'onestop-local-dev-personal-data-key-not-for-production'
const DEV_VECTOR = "ee3a11bf25033de7e74df7a62091b68196a69bb7cb07cbda70c79ead7df62c4a";

describe("applicant reference (keyed hash of the citizen ID number)", () => {
  it("is HMAC-SHA256 of the ID number under the key, in lowercase hex", () => {
    expect(applicantRef("079203004567", KEY)).toBe(VECTOR);
    expect(applicantRef("079203004567", DEV_PERSONAL_DATA_KEY)).toBe(DEV_VECTOR);
  });

  it("hashes the normalised number: spaces, dots, hyphens and full-width digits do not matter", () => {
    expect(normaliseIdNumber(" 079 203.004-567 ")).toBe("079203004567");
    expect(applicantRef("０７９２０３００４５６７", KEY)).toBe(VECTOR);
    expect(applicantRef("079 203 004 567", KEY)).toBe(VECTOR);
  });

  it("differs for another person and under another key, and never contains the number", () => {
    expect(applicantRef("079203004568", KEY)).not.toBe(VECTOR);
    expect(applicantRef("079203004567", `${KEY}-rotated`)).not.toBe(VECTOR);
    expect(VECTOR).not.toContain("079203004567");
    expect(() => applicantRef("079203004567", "")).toThrow(/key is empty/);
  });
});

describe("personal-data key from the environment", () => {
  const secret = "s".repeat(32);

  it("requires PERSONAL_DATA_KEY in production, of at least 32 characters, not the public development key", () => {
    expect(() => personalDataKeyFrom({ NODE_ENV: "production" })).toThrow(/PERSONAL_DATA_KEY is required in production/);
    expect(() => personalDataKeyFrom({ NODE_ENV: "production", PERSONAL_DATA_KEY: "" })).toThrow(/required/);
    expect(() => personalDataKeyFrom({ NODE_ENV: "production", PERSONAL_DATA_KEY: "short" })).toThrow(/at least 32 characters/);
    expect(() => personalDataKeyFrom({ NODE_ENV: "production", PERSONAL_DATA_KEY: DEV_PERSONAL_DATA_KEY })).toThrow(/public development key/);
    expect(personalDataKeyFrom({ NODE_ENV: "production", PERSONAL_DATA_KEY: secret })).toBe(secret);
  });

  it("falls back to the named development key elsewhere, and never echoes a rejected key", () => {
    expect(personalDataKeyFrom({})).toBe(DEV_PERSONAL_DATA_KEY);
    expect(personalDataKeyFrom({ NODE_ENV: "test" })).toBe(DEV_PERSONAL_DATA_KEY);
    expect(personalDataKeyFrom({ NODE_ENV: "development", PERSONAL_DATA_KEY: secret })).toBe(secret);
    expect(() => personalDataKeyFrom({ PERSONAL_DATA_KEY: "tiny-secret" })).toThrow(expect.objectContaining({ message: expect.not.stringContaining("tiny-secret") }));
  });
});
