import type { JetStreamClient } from "@nats-io/jetstream";
import { replayEvents } from "@onestop/bus";
import { STREAMS } from "@onestop/contracts";
import type { ReplaySource } from "../../app/rebuild.js";

/** The DOSSIER stream in order from a sequence; undecodable messages are skipped (the live consumer dead-letters them). */
export function dossierReplay(js: JetStreamClient, onPoison: (seq: number, reason: string) => void, batchSize = 1_000): ReplaySource {
  return {
    async *replay(fromSeq, onPosition) {
      const hooks = { onPoison, ...(onPosition ? { onProgress: onPosition } : {}) };
      for await (const { seq, event } of replayEvents(js, STREAMS.DOSSIER.name, { fromSeq, batchSize }, hooks)) {
        yield { seq, event };
      }
    },
  };
}
