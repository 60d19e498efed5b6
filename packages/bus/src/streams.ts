import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long JetStream remembers a Nats-Msg-Id to drop duplicates; default 2 minutes. */
  duplicateWindowMs?: number;
  maxAgeMs?: number;
}

const NANOS_PER_MS = 1_000_000;

function toConfig(spec: StreamSpec, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: spec.name,
    subjects: spec.subjects,
    storage: "file",
    num_replicas: replicas,
    duplicate_window: (spec.duplicateWindowMs ?? 120_000) * NANOS_PER_MS,
    max_age: (spec.maxAgeMs ?? 0) * NANOS_PER_MS,
  };
}

/**
 * Creates each stream, or updates it to the declared subjects and limits: safe to run at every
 * start-up, from several instances at once.
 */
export async function ensureStreams(jsm: JetStreamManager, specs: StreamSpec[], replicas = 1): Promise<void> {
  for (const spec of specs) {
    const config = toConfig(spec, replicas);
    try {
      await jsm.streams.info(spec.name);
      await jsm.streams.update(spec.name, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.code !== JetStreamApiCodes.StreamNotFound) throw error;
      try {
        await jsm.streams.add(config);
      } catch (addError) {
        // Another instance created it in between: fine, it has the same declaration.
        if (!(addError instanceof JetStreamApiError) || !/already in use/.test(addError.message)) throw addError;
      }
    }
  }
}
