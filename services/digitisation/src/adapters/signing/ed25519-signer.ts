import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { Signer } from "../../app/ports.js";

/**
 * Detached Ed25519 signatures with the service's key (node:crypto). The key comes from
 * configuration (SIGNING_KEY: a PKCS#8 PEM); its id is the first 16 hex characters of the SHA-256
 * of the public key, unless SIGNING_KEY_ID names it. Verifying knows this key and any earlier public
 * keys configured (SIGNING_PUBLIC_KEYS), so documents signed before a key rotation still verify.
 */
export class Ed25519Signer implements Signer {
  readonly algorithm = "Ed25519";
  readonly keyId: string;
  private readonly privateKey: KeyObject;
  private readonly publicKeys = new Map<string, KeyObject>();

  constructor(privateKeyPem: string, options: { keyId?: string; earlierPublicKeys?: Record<string, string> } = {}) {
    this.privateKey = createPrivateKey(privateKeyPem);
    if (this.privateKey.asymmetricKeyType !== "ed25519") throw new Error("SIGNING_KEY must be an Ed25519 private key (PKCS#8 PEM)");
    const publicKey = createPublicKey(this.privateKey);
    this.keyId = options.keyId ?? keyIdOf(publicKey);
    this.publicKeys.set(this.keyId, publicKey);
    for (const [id, pem] of Object.entries(options.earlierPublicKeys ?? {})) this.publicKeys.set(id, createPublicKey(pem));
  }

  async sign(payload: Buffer): Promise<string> {
    return sign(null, payload, this.privateKey).toString("base64");
  }

  async verify(payload: Buffer, signature: string, keyId: string): Promise<boolean> {
    const key = this.publicKeys.get(keyId);
    if (!key) return false;
    try {
      return verify(null, payload, key, Buffer.from(signature, "base64"));
    } catch {
      return false;
    }
  }
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

/** PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** An Ed25519 private key (PEM) from a 32-byte seed: the public development key, and tests. */
export function ed25519PemFromSeed(seed: Buffer): string {
  if (seed.length !== 32) throw new Error("an Ed25519 seed is 32 bytes");
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" })
    .export({ type: "pkcs8", format: "pem" })
    .toString();
}

/**
 * The key used when SIGNING_KEY is not set outside production (the demo, tests): derived from a
 * public phrase, hence worthless as a secret and refused in production.
 */
export const DEV_SIGNING_KEY = ed25519PemFromSeed(createHash("sha256").update("onestop-local-dev-signing-key-not-for-production").digest());
