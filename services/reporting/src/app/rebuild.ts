/**
 * Rebuilds the facts projection from the fact streams (DOSSIER, PAYMENT, DIGITISATION) into a new
 * collection while the old one keeps serving queries, then switches over once the new one has
 * caught up:
 *   1. replay everything, one stream after the other, and fold it in memory, at most `chunkDossiers` records at a time: when
 *      the chunk is full it is handed to the writer and a new one is folded meanwhile (one chunk
 *      written at a time, in order), so memory does not grow with the streams. A dossier's events
 *      are spread over the streams, so a later chunk may hold a dossier already written: the target
 *      merges the two records (the fold is order-free and ignores known event ids, so chunking
 *      changes nothing in the result);
 *   2. write the last chunk, then derive the kept tallies from the records written;
 *   3. fold into the new collection what the streams received meanwhile (the old one still serves);
 *   4. switch reads and writes to it;
 *   5. fold once more what arrived between 3 and 4 (the live consumer may have put it in the
 *      old collection only). Every fold is idempotent, so overlaps are harmless.
 *
 * Progress is persisted (`RebuildStates`): after each chunk is durably written, the position of
 * every stream up to which all messages are in written records (the checkpoint), with the counters
 * at that position, and every change of state. A service that starts, or whose periodic check
 * finds an unfinished rebuild nobody holds, resumes it from its checkpoint: the streams are read
 * again from the checkpoint's sequences + 1, so what was folded after it (a chunk lost in memory,
 * or written only in part) is folded again and merged, which changes nothing already written.
 * One instance runs a rebuild at a time: it holds a lease on the rebuild's document (owner and
 * expiry, taken and renewed by writes conditional on the owner), and every write of the progress is
 * conditional on still holding it.
 */
import { randomBytes } from "node:crypto";
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
  /** Records new to the target (including those an interrupted attempt of this chunk had inserted). */
  inserted: number;
  /** Records whose dossier an earlier chunk had written: merged into the stored record. */
  merged: number;
}

/** Which chunk is written, so that records an interrupted attempt inserted are told from those of earlier chunks. */
export interface ChunkOf {
  /** The rebuild's attempt: 0, then one more at every resume. */
  attempt: number;
  /** 1 for the rebuild's first chunk. */
  chunk: number;
  /** Asked between batches: true stops the write (a partial chunk is written again on resume). */
  stopping?: () => boolean;
}

export interface RebuildTarget {
  readonly name: string;
  /** Writes one chunk of folded records (one per dossier), merging each into the stored record of its dossier if any. */
  writeChunk(records: readonly DossierFacts[], chunk?: ChunkOf): Promise<ChunkWritten>;
  /** Derives the target's kept tallies from its records (after the last chunk, before the catch-up). */
  deriveTallies(): Promise<void>;
  /** Folds one event into the target's record, as `FactsStore.apply` does for the active collection. */
  apply(dossierCode: string, event: FactEvent): Promise<boolean>;
}

export interface RebuildableFactsStore extends FactsStore {
  /** A new target collection, or with `name` the one an unfinished rebuild was writing. */
  createRebuildTarget(name?: string): Promise<RebuildTarget>;
  /** From now on reads and writes go to `target`. Idempotent. */
  switchTo(target: RebuildTarget): Promise<void>;
  readonly activeCollection: string;
}

/**
 * "replaying": reading and folding the stream, writing a full chunk into the new collection
 * whenever one fills up; "writing": the last chunk, once the stream's end is reached.
 */
export type RebuildState = "replaying" | "writing" | "catching-up" | "switched" | "done" | "failed";
const FINISHED: ReadonlySet<RebuildState> = new Set(["done", "failed"]);
export const UNFINISHED_STATES: readonly RebuildState[] = ["replaying", "writing", "catching-up", "switched"];
export const isFinished = (state: RebuildState) => FINISHED.has(state);

/** Per stream: the last sequence read, and the last one whose messages are all in records durably written. */
export interface StreamPositions {
  read: number;
  flushed: number;
}

export interface RebuildHistoryEntry {
  at: string;
  event: "started" | "resumed" | "stopped" | "switched" | "done" | "failed";
  /** The instance that ran it (REBUILD_INSTANCE: host:port by default). */
  instance: string;
  /** The counters then (for "resumed": those of the checkpoint it resumed from). */
  replayed: number;
  chunks: number;
}

export interface RebuildProgress {
  id: string;
  state: RebuildState;
  /** The collection being built. */
  collection: string;
  /** Stream messages read so far (all phases); after a resume, counted again from the checkpoint. */
  replayed: number;
  /** Dossier records written into the new collection so far, chunk by chunk (a record merged into one already written counts again). */
  flushed: number;
  /** Chunks written (and checkpointed). */
  chunks: number;
  /**
   * Messages read plus those the stream being read still held after the last one read (a stream
   * read later adds its messages when its turn comes).
   */
  total: number;
  streams: Record<string, StreamPositions>;
  startedAt: string;
  switchedAt?: string;
  finishedAt?: string;
  /** The instance holding the rebuild's lease, and until when (absent once finished or stopped). */
  owner?: string;
  leaseUntil?: string;
  /** Started, resumed (after a restart or by another instance), stopped, switched, done or failed. */
  history: RebuildHistoryEntry[];
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
  /**
   * Time spent replaying and folding (not counting waits for the writer), writing the chunks (the
   * writer's busy time, which overlaps the replay), and catching up (both passes); summed over
   * attempts.
   */
  durationsMs: { replay: number; write: number; catchUp: number };
  /** Times the rebuild was resumed from its checkpoint. */
  resumes: number;
}

/** What is durably true at a chunk boundary: every message up to `seqs` is in written records, and the counters there. */
export interface RebuildCheckpoint {
  seqs: Record<string, number>;
  replayed: number;
  events: number;
  skipped: number;
  chunks: number;
  dossiers: number;
  merged: number;
  flushed: number;
  caughtUp: number;
  durationsMs: { replay: number; write: number; catchUp: number };
}

/** A rebuild as persisted. */
export interface StoredRebuild {
  progress: RebuildProgress;
  checkpoint: RebuildCheckpoint;
  /** 0, then one more at every resume. */
  attempt: number;
}

export interface Owner {
  /** Names the instance (stable across its restarts: it takes its own rebuild back at once). */
  instance: string;
  /** Unique to this process: what writes are conditional on. */
  token: string;
}

/** Where rebuilds are persisted; every write by the runner is conditional on its lease. */
export interface RebuildStates {
  /** The rebuild started last, if any. */
  latest(): Promise<StoredRebuild | undefined>;
  get(id: string): Promise<StoredRebuild | undefined>;
  /**
   * Records a new rebuild, owned by `owner` until `leaseUntilMs`, and makes it the latest, unless
   * the latest is unfinished (or another one was created meanwhile): then answers that one.
   */
  create(rebuild: StoredRebuild, owner: Owner, leaseUntilMs: number): Promise<{ created: true } | { created: false; running: StoredRebuild | undefined }>;
  /**
   * Takes an unfinished rebuild over when its lease expired before `nowMs` or was held by the same
   * instance (restarted); one more attempt, `entry` added to its history. Undefined when someone
   * else holds it or it is finished.
   */
  takeOver(id: string, owner: Owner, nowMs: number, leaseUntilMs: number, entry: RebuildHistoryEntry): Promise<StoredRebuild | undefined>;
  /** Writes the progress (and checkpoint) and extends the lease, if `owner` still holds it; false otherwise. */
  save(id: string, owner: Owner, changes: { progress: RebuildProgress; checkpoint?: RebuildCheckpoint; leaseUntilMs: number }, entry?: RebuildHistoryEntry): Promise<boolean>;
  /** Gives the lease up (another instance, or this one restarted, may resume at once). */
  release(id: string, owner: Owner, progress: RebuildProgress, entry: RebuildHistoryEntry): Promise<void>;
}

export class RebuildInProgressError extends Error {
  override readonly name = "RebuildInProgressError";
  constructor(readonly running: RebuildProgress) {
    super(`rebuild ${running.id} is already running${running.owner ? ` on ${running.owner}` : ""}`);
  }
}

/** Two starts at the same moment: the other one won, and has already finished or is not visible yet. */
export class RebuildStartRaceError extends Error {
  override readonly name = "RebuildStartRaceError";
  constructor() {
    super("another rebuild was started at the same moment; ask again");
  }
}

/** The run ends without a state change: the service stops, or another instance took the lease over. */
class RunInterrupted extends Error {
  override readonly name = "RunInterrupted";
  constructor(readonly reason: "stopped" | "lease lost") {
    super(reason);
  }
}

/** Dossier records held in memory at most while replaying: ≈ 25 MB of heap (≈ 1,25 KB each), twice while the previous chunk is written. */
export const DEFAULT_CHUNK_DOSSIERS = 20_000;
export const DEFAULT_LEASE_MS = 30_000;

export interface RebuilderOptions {
  /** Dossier records folded in memory before they are written; default DEFAULT_CHUNK_DOSSIERS. */
  chunkDossiers?: number;
  /** Where progress is kept; default in memory (a restart forgets it: tests and benches only). */
  states?: RebuildStates;
  /** This instance's name, unique among the running instances; default a random one. */
  instance?: string;
  /** How long a lease lasts without renewal (renewed every third of it); default DEFAULT_LEASE_MS. */
  leaseMs?: number;
  now?: () => Date;
  newId?: () => string;
  onFailed?: (progress: RebuildProgress, error: unknown) => void;
  onResumed?: (progress: RebuildProgress) => void;
  /** Called after a chunk is written and before its checkpoint is (fault injection in tests). */
  onChunkWritten?: (chunk: number) => void | Promise<void>;
}

interface Run {
  progress: RebuildProgress;
  checkpoint: RebuildCheckpoint;
  attempt: number;
  target: RebuildTarget;
  interrupted?: RunInterrupted;
  done: Promise<void>;
  /** Saves go one after the other, so a renewal never lands after a later checkpoint. */
  saving: Promise<unknown>;
  renewal: NodeJS.Timeout;
}

/** Caught-up events between two saves of the catch-up's position. */
const CATCH_UP_SAVE_EVERY = 1_000;

export class Rebuilder {
  private run: Run | undefined;
  private resuming: Promise<RebuildProgress | undefined> | undefined;
  private readonly chunkDossiers: number;
  private readonly states: RebuildStates;
  private readonly owner: Owner;
  private readonly leaseMs: number;

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
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isInteger(this.leaseMs) || this.leaseMs < 30) throw new RangeError(`leaseMs must be an integer of at least 30, got ${options.leaseMs}`);
    this.states = options.states ?? new MemoryRebuildStates();
    const token = randomBytes(6).toString("hex");
    this.owner = { instance: options.instance ?? `instance-${token}`, token };
  }

  /** This instance's name, as rebuilds it runs show it. */
  get instance(): string {
    return this.owner.instance;
  }

  /**
   * Starts a rebuild in the background and returns its progress. When one is unfinished, throws
   * RebuildInProgressError with it (after taking it over if nobody holds it any more).
   */
  async start(): Promise<RebuildProgress> {
    this.refuseWhileRunning();
    const latest = await this.states.latest();
    if (latest && !isFinished(latest.progress.state)) throw new RebuildInProgressError((await this.resume()) ?? structuredClone(latest.progress));
    const target = await this.store.createRebuildTarget();
    const leaseUntilMs = this.leaseUntilMs();
    const progress: RebuildProgress = {
      id: this.newId(),
      state: "replaying",
      collection: target.name,
      replayed: 0,
      flushed: 0,
      chunks: 0,
      total: 0,
      streams: Object.fromEntries(this.sources.map((source) => [source.name, { read: 0, flushed: 0 }])),
      startedAt: this.nowIso(),
      owner: this.owner.instance,
      leaseUntil: new Date(leaseUntilMs).toISOString(),
      history: [this.entry("started", 0, 0)],
    };
    const checkpoint: RebuildCheckpoint = {
      seqs: Object.fromEntries(this.sources.map((source) => [source.name, 0])),
      replayed: 0,
      events: 0,
      skipped: 0,
      chunks: 0,
      dossiers: 0,
      merged: 0,
      flushed: 0,
      caughtUp: 0,
      durationsMs: { replay: 0, write: 0, catchUp: 0 },
    };
    this.refuseWhileRunning();
    const created = await this.states.create({ progress, checkpoint, attempt: 0 }, this.owner, leaseUntilMs);
    if (!created.created) {
      if (created.running && !isFinished(created.running.progress.state)) throw new RebuildInProgressError(structuredClone(created.running.progress));
      throw new RebuildStartRaceError();
    }
    this.launch({ progress, checkpoint, attempt: 0 }, target);
    return this.snapshot(progress);
  }

  private refuseWhileRunning(): void {
    if (this.run) throw new RebuildInProgressError(this.snapshot(this.run.progress));
  }

  /**
   * Resumes the latest rebuild if it is unfinished and nobody holds it (its lease expired, or this
   * instance held it before a restart): called at start-up and periodically. Answers its progress
   * when this instance runs it.
   */
  resume(): Promise<RebuildProgress | undefined> {
    if (this.run) return Promise.resolve(this.snapshot(this.run.progress));
    this.resuming ??= this.takeOverLatest().finally(() => (this.resuming = undefined));
    return this.resuming;
  }

  private async takeOverLatest(): Promise<RebuildProgress | undefined> {
    const latest = await this.states.latest();
    if (!latest || isFinished(latest.progress.state) || this.run) return undefined;
    const from = latest.checkpoint;
    const taken = await this.states.takeOver(latest.progress.id, this.owner, this.nowMs(), this.leaseUntilMs(), this.entry("resumed", from.replayed, from.chunks));
    if (!taken) return undefined;
    const target = await this.store.createRebuildTarget(taken.progress.collection);
    // Streams added since start at 0; what was read after the checkpoint is read (and counted) again.
    const seqs = Object.fromEntries(this.sources.map((source) => [source.name, taken.checkpoint.seqs[source.name] ?? 0]));
    const checkpoint: RebuildCheckpoint = { ...taken.checkpoint, seqs };
    const progress: RebuildProgress = {
      ...taken.progress,
      state: taken.progress.state === "writing" ? "replaying" : taken.progress.state,
      replayed: checkpoint.replayed,
      flushed: checkpoint.flushed,
      chunks: checkpoint.chunks,
      total: checkpoint.replayed,
      streams: Object.fromEntries(Object.entries(seqs).map(([name, seq]) => [name, { read: seq, flushed: seq }])),
      owner: this.owner.instance,
      leaseUntil: new Date(this.leaseUntilMs()).toISOString(),
    };
    this.launch({ progress, checkpoint, attempt: taken.attempt }, target);
    this.options.onResumed?.(this.snapshot(progress));
    return this.snapshot(progress);
  }

  /** The latest rebuild's progress, or the one of `id`; the one this instance runs as it is now. */
  async progress(id?: string): Promise<RebuildProgress | undefined> {
    if (this.run && (id === undefined || id === this.run.progress.id)) return this.snapshot(this.run.progress);
    const stored = id === undefined ? await this.states.latest() : await this.states.get(id);
    if (this.run && stored?.progress.id === this.run.progress.id) return this.snapshot(this.run.progress);
    return stored && structuredClone(stored.progress);
  }

  /** The rebuild this instance runs, if any, as it is now. */
  running(): RebuildProgress | undefined {
    return this.run && this.snapshot(this.run.progress);
  }

  /** Resolves when the rebuild this instance runs (if any) has finished or stopped. */
  async settled(): Promise<void> {
    await this.run?.done;
  }

  /**
   * Stops the rebuild this instance runs (the service is shutting down) without changing its state:
   * its checkpoint stays, and its lease is given up, so that it resumes at the next start (or on
   * another instance at once).
   */
  async stop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    run.interrupted ??= new RunInterrupted("stopped");
    await run.done;
  }

  private launch(stored: StoredRebuild, target: RebuildTarget): void {
    const run: Run = {
      ...stored,
      target,
      done: Promise.resolve(),
      saving: Promise.resolve(),
      renewal: setInterval(() => void this.save(run).catch(() => undefined), Math.max(10, Math.floor(this.leaseMs / 3))),
    };
    run.renewal.unref();
    this.run = run;
    run.done = this.settle(run).finally(() => {
      clearInterval(run.renewal);
      if (this.run === run) this.run = undefined;
    });
  }

  private async settle(run: Run): Promise<void> {
    let outcome: { result: RebuildResult } | { error: unknown };
    try {
      outcome = { result: await this.execute(run) };
    } catch (error) {
      outcome = { error };
    }
    const interrupted = run.interrupted ?? ("error" in outcome && outcome.error instanceof RunInterrupted ? outcome.error : undefined);
    if (interrupted) {
      // Stopped: the lease is given up for a quick resume. Lease lost: the new holder writes from now on.
      if (interrupted.reason === "stopped") {
        delete run.progress.owner;
        delete run.progress.leaseUntil;
        await this.release(run, this.entry("stopped", run.checkpoint.replayed, run.checkpoint.chunks)).catch(() => undefined);
      }
      return;
    }
    const { progress } = run;
    if ("result" in outcome) {
      progress.result = outcome.result;
      progress.state = "done";
    } else {
      progress.state = "failed";
      progress.error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
    }
    progress.finishedAt = this.nowIso();
    delete progress.owner;
    delete progress.leaseUntil;
    if ("error" in outcome) this.options.onFailed?.(this.snapshot(progress), outcome.error);
    // Not recorded if the store does not answer: the lease then lapses and the rebuild is resumed (and finishes again).
    await this.release(run, this.entry(progress.state === "done" ? "done" : "failed", progress.replayed, run.checkpoint.chunks)).catch(() => undefined);
  }

  private release(run: Run, entry: RebuildHistoryEntry): Promise<void> {
    const write = run.saving.then(() => this.states.release(run.progress.id, this.owner, this.snapshot(run.progress), entry));
    run.saving = write.then(
      () => run.progress.history.push(entry),
      () => undefined,
    );
    return write;
  }

  /**
   * Persists the progress (with the checkpoint) and extends the lease, if this instance still holds
   * it; otherwise the run stops (RunInterrupted). Saves are written in order.
   */
  private save(run: Run, checkpoint?: RebuildCheckpoint, entry?: RebuildHistoryEntry, change?: (progress: RebuildProgress) => void): Promise<void> {
    const write = run.saving.then(async () => {
      if (run.interrupted?.reason === "lease lost") throw run.interrupted;
      const leaseUntilMs = this.leaseUntilMs();
      run.progress.leaseUntil = new Date(leaseUntilMs).toISOString();
      const progress = this.snapshot(run.progress);
      change?.(progress);
      if (!(await this.states.save(run.progress.id, this.owner, { progress, leaseUntilMs, ...(checkpoint ? { checkpoint } : {}) }, entry))) {
        run.interrupted ??= new RunInterrupted("lease lost");
        throw new RunInterrupted("lease lost");
      }
      change?.(run.progress);
      if (entry) run.progress.history.push(entry);
    });
    run.saving = write.catch(() => undefined);
    return write;
  }

  private checkInterrupted(run: Run): void {
    if (run.interrupted) throw run.interrupted;
  }

  private async execute(run: Run): Promise<RebuildResult> {
    const { progress, target } = run;
    let { events, skipped } = run.checkpoint;
    const onPosition = (name: string) => (position: ReplayPosition) => {
      progress.replayed += 1;
      progress.total = progress.replayed + position.pending;
      progress.streams[name]!.read = position.seq;
    };
    if (progress.state === "replaying" || progress.state === "writing") ({ events, skipped } = await this.replayInChunks(run, onPosition));

    const base = run.checkpoint.durationsMs;
    const catchUpStart = performance.now();
    const catchUp = async (apply: (dossierCode: string, event: FactEvent) => Promise<boolean>) => {
      let sinceSave = 0;
      for (const source of this.sources) {
        for await (const { seq, event } of source.replay(run.checkpoint.seqs[source.name]! + 1, onPosition(source.name))) {
          this.checkInterrupted(run);
          const fact = readFact(event);
          if (fact === "malformed") skipped += 1;
          else if (fact) await apply(event.subject, fact);
          const caughtUp = run.checkpoint.caughtUp + (fact && fact !== "malformed" ? 1 : 0);
          run.checkpoint = { ...run.checkpoint, seqs: { ...run.checkpoint.seqs, [source.name]: seq }, replayed: progress.replayed, skipped, caughtUp };
          progress.streams[source.name]!.flushed = seq;
          if (++sinceSave >= CATCH_UP_SAVE_EVERY) {
            sinceSave = 0;
            await this.save(run, run.checkpoint);
          }
        }
        // Undecodable messages at the stream's end are read but never yielded.
        const read = progress.streams[source.name]!.read;
        if (read > run.checkpoint.seqs[source.name]!) {
          run.checkpoint = { ...run.checkpoint, seqs: { ...run.checkpoint.seqs, [source.name]: read }, replayed: progress.replayed };
          progress.streams[source.name]!.flushed = read;
        }
      }
      run.checkpoint = { ...run.checkpoint, durationsMs: { ...base, catchUp: base.catchUp + Math.round(performance.now() - catchUpStart) } };
    };
    if (progress.state === "catching-up") {
      await catchUp((code, fact) => target.apply(code, fact));
      this.checkInterrupted(run);
      await this.store.switchTo(target);
      progress.switchedAt = this.nowIso();
      progress.state = "switched";
      await this.save(run, run.checkpoint, this.entry("switched", progress.replayed, run.checkpoint.chunks));
    }
    // Resumed after the switch: the store opened the switched-to collection already, unless the switch was cut short.
    if (this.store.activeCollection !== target.name) await this.store.switchTo(target);
    await catchUp((code, fact) => this.store.apply(code, fact));
    const c = run.checkpoint;
    return {
      collection: target.name,
      events,
      dossiers: c.dossiers,
      merged: c.merged,
      chunks: c.chunks,
      skipped: c.skipped,
      caughtUp: c.caughtUp,
      lastSeqs: { ...c.seqs },
      durationsMs: { ...c.durationsMs },
      resumes: run.attempt,
    };
  }

  /**
   * Reads every stream from the checkpoint on and folds it chunk by chunk. A full chunk is handed
   * to the writer, which writes it while the next one is folded; the next hand-over waits for
   * it, so chunks are written one at a time and in order, and each checkpoint is written only
   * once its chunk is: it never vouches for records not yet written.
   */
  private async replayInChunks(run: Run, onPosition: (name: string) => (position: ReplayPosition) => void): Promise<{ events: number; skipped: number }> {
    const { progress, target } = run;
    const base = run.checkpoint.durationsMs;
    const phaseStart = performance.now();
    let waitedMs = 0;
    let writeMs = 0;
    const durations = () => ({ ...base, replay: base.replay + Math.round(performance.now() - phaseStart - waitedMs), write: base.write + Math.round(writeMs) });
    /** Per stream, the last sequence up to which every message is folded into a chunk (or skipped). */
    const folded: Record<string, number> = { ...run.checkpoint.seqs };
    let { events, skipped } = run.checkpoint;
    const chunk = new Map<string, DossierFacts>();
    let writing: Promise<void> | undefined;

    const handOver = async () => {
      if (chunk.size === 0) return;
      const records = [...chunk.values()];
      chunk.clear();
      // The message being read (if any) is not in this chunk: the position stops before it.
      const at = { seqs: { ...folded }, replayed: progress.replayed - pendingMessage, events, skipped };
      const waitStart = performance.now();
      await writing;
      waitedMs += performance.now() - waitStart;
      this.checkInterrupted(run);
      const number = run.checkpoint.chunks + 1;
      writing = (async () => {
        const started = performance.now();
        const written = await target.writeChunk(records, { attempt: run.attempt, chunk: number, stopping: () => run.interrupted !== undefined });
        writeMs += performance.now() - started;
        this.checkInterrupted(run);
        await this.options.onChunkWritten?.(number);
        const previous = run.checkpoint;
        const next: RebuildCheckpoint = {
          ...previous,
          ...at,
          chunks: number,
          dossiers: previous.dossiers + written.inserted,
          merged: previous.merged + written.merged,
          flushed: previous.flushed + records.length,
          durationsMs: durations(),
        };
        // Shown once durable: the progress never claims a chunk its checkpoint does not hold.
        await this.save(run, next, undefined, (shown) => {
          shown.flushed = next.flushed;
          shown.chunks = number;
          for (const [name, seq] of Object.entries(at.seqs)) shown.streams[name]!.flushed = seq;
        });
        run.checkpoint = next;
      })();
      writing.catch(() => undefined); // observed by the next hand-over or at the end of the replay
    };

    let pendingMessage = 0;
    for (const source of this.sources) {
      for await (const { seq, event } of source.replay(run.checkpoint.seqs[source.name]! + 1, onPosition(source.name))) {
        this.checkInterrupted(run);
        const fact = readFact(event);
        if (fact && fact !== "malformed" && !chunk.has(event.subject) && chunk.size >= this.chunkDossiers) {
          // Every message before this one is folded (undecodable ones were skipped before it was yielded).
          folded[source.name] = seq - 1;
          pendingMessage = 1;
          await handOver();
          pendingMessage = 0;
        }
        events += 1;
        if (fact === "malformed") skipped += 1;
        else if (fact) chunk.set(event.subject, foldEvent(chunk.get(event.subject) ?? emptyFacts(event.subject), fact));
        folded[source.name] = seq;
      }
      // Undecodable messages at the stream's end are read but never yielded.
      folded[source.name] = Math.max(folded[source.name]!, progress.streams[source.name]!.read);
    }
    progress.state = "writing";
    await handOver();
    const waitStart = performance.now();
    await writing;
    waitedMs += performance.now() - waitStart;
    // The kept tallies, from every record written: before the catch-up, whose folds change them.
    const deriveStart = performance.now();
    await target.deriveTallies();
    writeMs += performance.now() - deriveStart;
    // The checkpoint moves to the streams' ends (also when the last chunk was empty: undecodable tails).
    const last: RebuildCheckpoint = { ...run.checkpoint, seqs: { ...folded }, replayed: progress.replayed, events, skipped, durationsMs: durations() };
    progress.state = "catching-up";
    for (const [name, seq] of Object.entries(folded)) progress.streams[name]!.flushed = seq;
    await this.save(run, last);
    run.checkpoint = last;
    return { events, skipped };
  }

  private snapshot(progress: RebuildProgress): RebuildProgress {
    return structuredClone(progress);
  }

  private entry(event: RebuildHistoryEntry["event"], replayed: number, chunks: number): RebuildHistoryEntry {
    return { at: this.nowIso(), event, instance: this.owner.instance, replayed, chunks };
  }

  private nowMs(): number {
    return (this.options.now?.() ?? new Date()).getTime();
  }

  private leaseUntilMs(): number {
    return this.nowMs() + this.leaseMs;
  }

  private nowIso(): string {
    return new Date(this.nowMs()).toISOString();
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

/** Rebuilds kept in memory: a restart forgets them (tests and benches). Same rules as the persisted ones. */
export class MemoryRebuildStates implements RebuildStates {
  private readonly rebuilds = new Map<string, StoredRebuild & { owner?: Owner; leaseUntilMs: number }>();
  private latestId: string | undefined;

  async latest(): Promise<StoredRebuild | undefined> {
    return this.latestId === undefined ? undefined : this.get(this.latestId);
  }

  async get(id: string): Promise<StoredRebuild | undefined> {
    const found = this.rebuilds.get(id);
    return found && structuredClone({ progress: found.progress, checkpoint: found.checkpoint, attempt: found.attempt });
  }

  async create(rebuild: StoredRebuild, owner: Owner, leaseUntilMs: number): Promise<{ created: true } | { created: false; running: StoredRebuild | undefined }> {
    const latest = await this.latest();
    if (latest && !isFinished(latest.progress.state)) return { created: false, running: latest };
    this.rebuilds.set(rebuild.progress.id, { ...structuredClone(rebuild), owner, leaseUntilMs });
    this.latestId = rebuild.progress.id;
    return { created: true };
  }

  async takeOver(id: string, owner: Owner, nowMs: number, leaseUntilMs: number, entry: RebuildHistoryEntry): Promise<StoredRebuild | undefined> {
    const found = this.rebuilds.get(id);
    if (!found || isFinished(found.progress.state)) return undefined;
    if (!(found.leaseUntilMs < nowMs || found.owner?.instance === owner.instance)) return undefined;
    found.owner = owner;
    found.leaseUntilMs = leaseUntilMs;
    found.attempt += 1;
    found.progress.history.push(entry);
    return this.get(id);
  }

  async save(id: string, owner: Owner, changes: { progress: RebuildProgress; checkpoint?: RebuildCheckpoint; leaseUntilMs: number }, entry?: RebuildHistoryEntry): Promise<boolean> {
    const found = this.rebuilds.get(id);
    if (!found || found.owner?.token !== owner.token) return false;
    found.progress = { ...structuredClone(changes.progress), history: [...found.progress.history, ...(entry ? [entry] : [])] };
    if (changes.checkpoint) found.checkpoint = structuredClone(changes.checkpoint);
    found.leaseUntilMs = changes.leaseUntilMs;
    return true;
  }

  async release(id: string, owner: Owner, progress: RebuildProgress, entry: RebuildHistoryEntry): Promise<void> {
    const found = this.rebuilds.get(id);
    if (!found || found.owner?.token !== owner.token) return;
    const { owner: _owner, leaseUntil: _leaseUntil, ...rest } = structuredClone(progress);
    found.progress = { ...rest, history: [...found.progress.history, entry] };
    delete found.owner;
    found.leaseUntilMs = 0;
  }
}
