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
  }
}

export {};
