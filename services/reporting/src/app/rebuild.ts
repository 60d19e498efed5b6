/**
 * Rebuilds the facts projection from the DOSSIER stream into a new collection, then switches to
 * it: replay everything, fold in memory (the fold is order-free and ignores duplicates), write
 * the records, switch, then fold in what the stream received during the rebuild (again
 * idempotent, so events the live consumer also handles are harmless).
 */
import { emptyFacts, factFromEnvelope, foldEvent, MalformedEventError, type DossierFacts, type EnvelopeInput } from "../domain/index.js";
import type { FactsStore } from "./ports.js";

export interface ReplaySource {
  /** Events in stream order from `fromSeq` up to the stream's end when the replay catches up. */
  replay(fromSeq: number): AsyncIterable<{ seq: number; event: EnvelopeInput }>;
}

export interface RebuildTarget {
  readonly name: string;
  insertAll(records: readonly DossierFacts[]): Promise<void>;
}

export interface RebuildableFactsStore extends FactsStore {
  createRebuildTarget(): Promise<RebuildTarget>;
  /** From now on reads and writes go to `target`. */
  switchTo(target: RebuildTarget): Promise<void>;
}

export interface RebuildResult {
  collection: string;
  events: number;
  dossiers: number;
  /** Events that could not be read (malformed): left out, as the live consumer dead-letters them. */
  skipped: number;
  caughtUp: number;
  lastSeq: number;
}

export class RebuildInProgressError extends Error {
  override readonly name = "RebuildInProgressError";
}

export class Rebuilder {
  private running = false;

  constructor(
    private readonly store: RebuildableFactsStore,
    private readonly source: ReplaySource,
  ) {}

  async rebuild(): Promise<RebuildResult> {
    if (this.running) throw new RebuildInProgressError("a rebuild is already running");
    this.running = true;
    try {
      const facts = new Map<string, DossierFacts>();
      let lastSeq = 0;
      let events = 0;
      let skipped = 0;
      for await (const { seq, event } of this.source.replay(1)) {
        lastSeq = seq;
        events += 1;
        const fact = readFact(event);
        if (fact === "malformed") skipped += 1;
        else if (fact) facts.set(event.subject, foldEvent(facts.get(event.subject) ?? emptyFacts(event.subject), fact));
      }
      const target = await this.store.createRebuildTarget();
      await target.insertAll([...facts.values()]);
      await this.store.switchTo(target);
      let caughtUp = 0;
      for await (const { seq, event } of this.source.replay(lastSeq + 1)) {
        lastSeq = seq;
        const fact = readFact(event);
        if (fact === "malformed") skipped += 1;
        else if (fact) {
          await this.store.apply(event.subject, fact);
          caughtUp += 1;
        }
      }
      return { collection: target.name, events, dossiers: facts.size, skipped, caughtUp, lastSeq };
    } finally {
      this.running = false;
    }
  }
}

function readFact(event: EnvelopeInput) {
  try {
    return factFromEnvelope(event);
  } catch (error) {
    if (error instanceof MalformedEventError) return "malformed" as const;
    throw error;
  }
}
