import type { JetStreamClient } from "@nats-io/jetstream";
import { replayEvents } from "@onestop/bus";
import type { ReplaySource } from "../../app/rebuild.js";

/** One stream in order from a sequence; undecodable messages are skipped (the live consumer dead-letters them). */
export function streamReplay(js: JetStreamClient, stream: string, onPoison: (seq: number, reason: string) => void, batchSize = 1_000): ReplaySource {
  return {
    name: stream,
    async *replay(fromSeq, onPosition) {
      const hooks = { onPoison, ...(onPosition ? { onProgress: onPosition } : {}) };
      for await (const { seq, event } of replayEvents(js, stream, { fromSeq, batchSize }, hooks)) {
        yield { seq, event };
      }
    },
  };
}
