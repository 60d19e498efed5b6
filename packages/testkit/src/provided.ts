// What the global set-up hands to every test file through vitest's provide/inject.
declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    mongoUrl: string;
    /** Monitoring endpoint of the test nats-server; absent when NATS_URL points elsewhere. */
    natsMonitorUrl?: string;
    /** Each NATS user's credentials by user name; empty when the server does not authorize (an external NATS_URL without them). */
    natsCredentials: Record<string, { user: string; password: string; inboxPrefix: string }>;
    /** The test OIDC issuer (packages/devservers/src/test-issuer.ts) and its signing key, as JSON. */
    oidcIssuer: string;
    oidcPrivateJwk: string;
    /** The S3-compatible object store's S3_* settings (the test kit's versitygw, or S3_ENDPOINT's). */
    objectStore: { S3_ENDPOINT: string; S3_REGION: string; S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string };
    /** Where the test kit's versitygw keeps its buckets (one folder each); absent when S3_ENDPOINT points elsewhere. */
    objectStoreDir?: string;
  }
}

export {};
