/**
 * Pseudonymous references to people (Decree 13/2023 on personal data protection): events carry
 * `applicant_ref` (DossierReceived) instead of the applicant's ID number, name and contacts. A
 * reference is the lowercase hex of HMAC-SHA256 over the normalised citizen ID number under the
 * platform's personal-data key, so every service holding the key (liên thông and digitisation
 * matching a holder) computes the same reference for the same person, and nobody without it can
 * recover the number (there are only 10^12 ID numbers: a plain hash would be reversed by brute force).
 */
import { createHmac } from "node:crypto";

/**
 * The key used when PERSONAL_DATA_KEY is not set and NODE_ENV is not "production" (local runs,
 * the demo, tests). Public, hence worthless as a secret: never accepted in production.
 */
export const DEV_PERSONAL_DATA_KEY = "onestop-local-dev-personal-data-key-not-for-production";

/** Shortest key accepted, in characters (the key is used as its UTF-8 bytes). */
export const MIN_PERSONAL_DATA_KEY_LENGTH = 32;

/**
 * The ID number as the reference is computed from: Unicode NFKC (full-width digits become ASCII),
 * without spaces, dots or hyphens ("079 203 004 567" and "079203004567" are one person).
 */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber.normalize("NFKC").replace(/[\s.-]/g, "");
}

/** HMAC-SHA256(key, normalised ID number), lowercase hex (64 characters). */
export function applicantRef(idNumber: string, key: string): string {
  if (key.length === 0) throw new Error("applicantRef: the personal-data key is empty");
  return createHmac("sha256", key).update(normaliseIdNumber(idNumber), "utf8").digest("hex");
}

/**
 * The personal-data key from the environment: PERSONAL_DATA_KEY (at least 32 characters), required
 * when NODE_ENV is "production"; elsewhere DEV_PERSONAL_DATA_KEY when it is absent. Throws a
 * message naming the variable (never its value) otherwise.
 */
export function personalDataKeyFrom(env: { PERSONAL_DATA_KEY?: string | undefined; NODE_ENV?: string | undefined }): string {
  const key = env.PERSONAL_DATA_KEY;
  if (key === undefined || key === "") {
    if (env.NODE_ENV === "production") throw new Error("PERSONAL_DATA_KEY is required in production (a secret of at least 32 characters)");
    return DEV_PERSONAL_DATA_KEY;
  }
  if (key.length < MIN_PERSONAL_DATA_KEY_LENGTH) throw new Error(`PERSONAL_DATA_KEY must be at least ${MIN_PERSONAL_DATA_KEY_LENGTH} characters`);
  if (env.NODE_ENV === "production" && key === DEV_PERSONAL_DATA_KEY) throw new Error("PERSONAL_DATA_KEY must not be the public development key in production");
  return key;
}
