// NATS subject tokens. A token may not contain ".", "*", ">" or white space, so values that carry
// dots (agency codes such as "000.00.12.H10") are mapped to a token-safe form and back.

const AGENCY_CODE = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/;
const AGENCY_TOKEN = /^[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*$/;
// Bundle and step codes are used as tokens as they are: lower-case words joined by "-".
const CODE_TOKEN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// JetStream durable consumer names.
const CONSUMER_TOKEN = /^[A-Za-z0-9_-]+$/;

/** "000.00.12.H10" -> "000_00_12_H10". Throws on a code that has no exact inverse. */
export function agencyToken(agencyCode: string): string {
  if (!AGENCY_CODE.test(agencyCode)) {
    throw new RangeError(`agency code ${JSON.stringify(agencyCode)} cannot be a subject token`);
  }
  return agencyCode.replaceAll(".", "_");
}

/** Inverse of agencyToken: "000_00_12_H10" -> "000.00.12.H10". */
export function agencyCodeFromToken(token: string): string {
  if (!AGENCY_TOKEN.test(token)) {
    throw new RangeError(`${JSON.stringify(token)} is not an agency token`);
  }
  return token.replaceAll("_", ".");
}

export function isAgencyToken(token: string): boolean {
  return AGENCY_TOKEN.test(token);
}

/** "bundle" is reserved: "lienthong.bundle.<event>" carries the bundle-level events. */
export const RESERVED_BUNDLE_TOKEN = "bundle";

export function assertBundleCode(bundleCode: string): void {
  if (!CODE_TOKEN.test(bundleCode) || bundleCode === RESERVED_BUNDLE_TOKEN) {
    throw new RangeError(`bundle code ${JSON.stringify(bundleCode)} cannot be a subject token`);
  }
}

export function assertStepCode(stepCode: string): void {
  if (!CODE_TOKEN.test(stepCode)) {
    throw new RangeError(`step code ${JSON.stringify(stepCode)} cannot be a subject token`);
  }
}

export function isCodeToken(token: string): boolean {
  return CODE_TOKEN.test(token);
}

export function assertConsumerName(consumer: string): void {
  if (!CONSUMER_TOKEN.test(consumer)) {
    throw new RangeError(`consumer name ${JSON.stringify(consumer)} cannot be a subject token`);
  }
}

export function isConsumerToken(token: string): boolean {
  return CONSUMER_TOKEN.test(token);
}
