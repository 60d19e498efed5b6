import type { JetStreamClient } from "@nats-io/jetstream";
import { decodeEnvelope, PoisonMessageError, type EventEnvelope } from "./envelope.js";
import { readStream, type ReadFrom } from "./read-stream.js";

export interface ReplayedEvent {
  seq: number;
  subject: string;
  event: EventEnvelope;
}

export interface ReplayProgress {
  seq: number;
  /** Messages left in the stream after this one (for a progress bar). */
  pending: number;
}

/**
 * Replays a stream's events in stream order from a sequence or a time, for rebuilding a
 * projection. Undecodable messages are reported through `onPoison` and skipped, never thrown:
 * one bad message must not block a rebuild.
 */
export async function* replayEvents(
  js: JetStreamClient,
  stream: string,
  from: ReadFrom = {},
  hooks: { onPoison?: (seq: number, reason: string) => void; onProgress?: (progress: ReplayProgress) => void } = {},
): AsyncGenerator<ReplayedEvent> {
  for await (const message of readStream(js, stream, from)) {
    hooks.onProgress?.({ seq: message.seq, pending: message.info.pending });
    try {
      yield { seq: message.seq, subject: message.subject, event: decodeEnvelope(message.data) };
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      hooks.onPoison?.(message.seq, error.message);
    }
  }
}
