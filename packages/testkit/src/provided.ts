// What the global set-up hands to every test file through vitest's provide/inject.
declare module "vitest" {
  export interface ProvidedContext {
    natsUrl: string;
    mongoUrl: string;
    /** Monitoring endpoint of the test nats-server; absent when NATS_URL points elsewhere. */
    natsMonitorUrl?: string;
  }
}

export {};
