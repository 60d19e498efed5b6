/**
 * Rebuilds the facts projection from the fact streams (DOSSIER, PAYMENT, DIGITISATION) into a new
 * collection while the old one keeps serving queries, then switches over once the new one has
 * caught up:
 *   1. replay everything, one stream after the other, and fold it in memory, at most `chunkDossiers` records at a time: when
 *      the chunk is full it is written into the new collection and emptied, so memory does not
 *      grow with the streams. A dossier's events are spread over the streams, so a later chunk may
 *      hold a dossier already written: the target merges the two records (the fold is
 *      order-free and ignores known event ids, so chunking changes nothing in the result);
 *   2. write the last chunk;
 *   3. fold into the new collection what the streams received meanwhile (the old one still serves);
 *   4. switch reads and writes to it;
 *   5. fold once more what arrived between 3 and 4 (the live consumer may have put it in the
 *      old collection only). Every fold is idempotent, so overlaps are harmless.
 * It runs in the background; its progress is polled by id.
 */
import { emptyFacts, factFromEnvelope, foldEvent, MalformedEventError, type DossierFacts, type EnvelopeInput, type FactEvent } from "../domain/index.js";
import type { FactsStore } from "./ports.js";

export interface ReplayPosition {
  seq: number;
  /** Messages left in the stream after this one. */
  pending: number;
}

/** One stream's replay; a rebuild reads several in turn (the fold is order-free). */
export interface ReplaySource {
  /** The stream's name: the rebuild's last positions are reported by it. */
  readonly name: string;
  /**
   * Events in stream order from `fromSeq` up to the stream's end when the replay catches up.
   * `onPosition` is called for every message read, including undecodable ones that are skipped.
   */
  replay(fromSeq: number, onPosition?: (position: ReplayPosition) => void): AsyncIterable<{ seq: number; event: EnvelopeInput }>;
}

export interface ChunkWritten {
  /** Records new to the target. */
  inserted: number;
  /** Records whose dossier an earlier chunk had written: merged into the stored record. */
  merged: number;
}

export interface RebuildTarget {
  readonly name: string;
  /** Writes one chunk of folded records (one per dossier), merging each into the stored record of its dossier if any. */
  writeChunk(records: readonly DossierFacts[]): Promise<ChunkWritten>;
  /** Folds one event into the target's record, as `FactsStore.apply` does for the active collection. */
  apply(dossierCode: string, event: FactEvent): Promise<boolean>;
}

export interface RebuildableFactsStore extends FactsStore {
  createRebuildTarget(): Promise<RebuildTarget>;
  /** From now on reads and writes go to `target`. */
  switchTo(target: RebuildTarget): Promise<void>;
}

/**
 * "replaying": reading and folding the stream, writing a full chunk into the new collection
 * whenever one fills up; "writing": the last chunk, once the stream's end is reached.
 */
export type RebuildState = "replaying" | "writing" | "catching-up" | "switched" | "done" | "failed";

export interface RebuildProgress {
  id: string;
  state: RebuildState;
  /** Stream messages read so far (all phases). */
  replayed: number;
  /** Dossier records written into the new collection so far, chunk by chunk (a record merged into one already written counts again). */
  flushed: number;
  /**
   * Messages read plus those the stream being read still held after the last one read (a stream
   * read later adds its messages when its turn comes).
   */
  total: number;
  startedAt: string;
  switchedAt?: string;
  finishedAt?: string;
  /** Once done. */
  result?: RebuildResult;
  /** Once failed: the old collection stays active. */
  error?: string;
}

export interface RebuildResult {
  collection: string;
  events: number;
  /** Distinct dossiers written into the new collection. */
  dossiers: number;
  /** Records folded in a later chunk for a dossier an earlier chunk had written, merged into it. */
  merged: number;
  /** Chunks written (at most `chunkDossiers` records each). */
  chunks: number;
  /** Events that could not be read (malformed): left out, as the live consumer dead-letters them. */
  skipped: number;
  /** Events folded into the new collection after the replay's last chunk (before and after the switch). */
  caughtUp: number;
  /** Last sequence read, by stream name (0 for an empty stream). */
  lastSeqs: Record<string, number>;
  /** Time spent replaying and folding, writing the chunks into the new collection, and catching up (both passes). */
  durationsMs: { replay: number; write: number; catchUp: number };
}

export class RebuildInProgressError extends Error {
  override readonly name = "RebuildInProgressError";
  constructor(readonly running: RebuildProgress) {
    super(`rebuild ${running.id} is already running`);
  }
}

/** Dossier records held in memory at most while replaying: ≈ 25 MB of heap (≈ 1,25 KB each). */
export const DEFAULT_CHUNK_DOSSIERS = 20_000;

export interface RebuilderOptions {
  /** Dossier records folded in memory before they are written; default DEFAULT_CHUNK_DOSSIERS. */
  chunkDossiers?: number;
  now?: () => Date;
  newId?: () => string;
  onFailed?: (progress: RebuildProgress, error: unknown) => void;
}

export class Rebuilder {
  private current: RebuildProgress | undefined;
  private running: Promise<void> | undefined;
  private readonly runs = new Map<string, RebuildProgress>();
  private readonly chunkDossiers: number;

  constructor(
    private readonly store: RebuildableFactsStore,
    private readonly sources: readonly ReplaySource[],
    private readonly options: RebuilderOptions = {},
  ) {
    if (new Set(sources.map((source) => source.name)).size !== sources.length) throw new RangeError("replay sources must have distinct names");
    this.chunkDossiers = options.chunkDossiers ?? DEFAULT_CHUNK_DOSSIERS;
    if (!Number.isInteger(this.chunkDossiers) || this.chunkDossiers < 1) {
      throw new RangeError(`chunkDossiers must be a positive integer, got ${options.chunkDossiers}`);
    }
  }

  /** Starts a rebuild in the background and returns its progress record (updated in place). */
  start(): RebuildProgress {
    if (this.running && this.current) throw new RebuildInProgressError(this.snapshot(this.current));
    const progress: RebuildProgress = { id: this.newId(), state: "replaying", replayed: 0, flushed: 0, total: 0, startedAt: this.nowIso() };
    this.current = progress;
    this.runs.set(progress.id, progress);
    this.running = this.run(progress)
      .then((result) => {
        progress.result = result;
        progress.state = "done";
      })
      .catch((error: unknown) => {
        progress.state = "failed";
        progress.error = error instanceof Error ? error.message : String(error);
        this.options.onFailed?.(this.snapshot(progress), error);
      })
      .finally(() => {
        progress.finishedAt = this.nowIso();
        this.running = undefined;
      });
    return this.snapshot(progress);
  }

  /** A copy of a run's progress; without an id the latest run. */
  progress(id?: string): RebuildProgress | undefined {
    const found = id === undefined ? this.current : this.runs.get(id);
    return found && this.snapshot(found);
  }

  /** Resolves when the running rebuild (if any) has finished, either way. */
  async settled(): Promise<void> {
    await this.running;
  }

  private async run(progress: RebuildProgress): Promise<RebuildResult> {
    const onPosition = (position: ReplayPosition) => {
      progress.replayed += 1;
      progress.total = progress.replayed + position.pending;
    };
    const t0 = performance.now();
    const target = await this.store.createRebuildTarget();
    const chunk = new Map<string, DossierFacts>();
    let writeMs = 0;
    let dossiers = 0;
    let merged = 0;
    let chunks = 0;
    const flush = async () => {
      if (chunk.size === 0) return;
      const started = performance.now();
      const records = [...chunk.values()];
      chunk.clear();
      const written = await target.writeChunk(records);
      dossiers += written.inserted;
      merged += written.merged;
      chunks += 1;
      progress.flushed += records.length;
      writeMs += performance.now() - started;
    };
    const lastSeqs: Record<string, number> = Object.fromEntries(this.sources.map((source) => [source.name, 0]));
    let events = 0;
    let skipped = 0;
    for (const source of this.sources) {
      for await (const { seq, event } of source.replay(1, onPosition)) {
        lastSeqs[source.name] = seq;
        events += 1;
        const fact = readFact(event);
        if (fact === "malformed") skipped += 1;
        else if (fact) {
          const held = chunk.get(event.subject);
          if (!held && chunk.size >= this.chunkDossiers) await flush();
          chunk.set(event.subject, foldEvent(held ?? emptyFacts(event.subject), fact));
        }
      }
    }
    // Undecodable messages are counted by onPosition but never yielded: the position is the last one read.
    progress.state = "writing";
    await flush();

    progress.state = "catching-up";
    const t1 = performance.now();
    let caughtUp = 0;
    const catchUp = async (apply: (dossierCode: string, event: FactEvent) => Promise<boolean>) => {
      for (const source of this.sources) {
        for await (const { seq, event } of source.replay(lastSeqs[source.name]! + 1, onPosition)) {
          lastSeqs[source.name] = seq;
          const fact = readFact(event);
          if (fact === "malformed") skipped += 1;
          else if (fact) {
            await apply(event.subject, fact);
            caughtUp += 1;
          }
        }
      }
    };
    await catchUp((code, fact) => target.apply(code, fact));
    await this.store.switchTo(target);
    progress.switchedAt = this.nowIso();
    progress.state = "switched";
    await catchUp((code, fact) => this.store.apply(code, fact));
    const durationsMs = { replay: Math.round(t1 - t0 - writeMs), write: Math.round(writeMs), catchUp: Math.round(performance.now() - t1) };
    return { collection: target.name, events, dossiers, merged, chunks, skipped, caughtUp, lastSeqs, durationsMs };
  }

  private snapshot(progress: RebuildProgress): RebuildProgress {
    return { ...progress, ...(progress.result ? { result: { ...progress.result, lastSeqs: { ...progress.result.lastSeqs }, durationsMs: { ...progress.result.durationsMs } } } : {}) };
  }

  private nowIso(): string {
    return (this.options.now?.() ?? new Date()).toISOString();
  }

  private newId(): string {
    return this.options.newId?.() ?? `rebuild-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
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
