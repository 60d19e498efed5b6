/**
 * How a record's change reaches the kept tallies exactly once without multi-document
 * transactions. A fold writes, in the same single-document write as the new facts, the intent of
 * its tally change: an id, its deltas (contributions after minus before, see
 * tally-contributions.ts), its owner and the time it was taken. Then:
 *   1. the owner applies the intent to each tally document it names (KeptTallies.apply: once per
 *      document, by its id, each write conditional on the document's revision);
 *   2. clears the intent from the record (conditional on its id);
 *   3. drops the id from the tally documents (KeptTallies.forget).
 * Why it is exact, crash point by crash point:
 *   - before the record write: nothing was written; the redelivered events fold again;
 *   - after it, before or during 1: the record holds the intent, so the redelivered events find
 *     it, and whoever reads the record completes it (claims it, then 1-3): documents that already
 *     hold the id skip it, the others apply it;
 *   - after 1, before 2: the same; every document skips it;
 *   - after 2, before 3: the record no longer holds it, so nobody applies it again; its id left
 *     in some documents costs a few bytes and nothing else.
 * A record holding an intent is never written over (its intent would be lost): a writer that finds
 * one completes it first — waits for it when this process is completing it, takes it over when
 * its owner's time is up (staleMs), waits otherwise. An owner writes only within ownMs of taking
 * the intent (it checks before every write), and staleMs is far larger, so an owner and the writer
 * that took its intent over never both apply it: the id is dropped only after the takeover, so the
 * old owner could otherwise apply it again. This assumes a write reaches the store within
 * staleMs - ownMs of being checked, and the instances' clocks agree to well within that.
 */
import { randomBytes } from "node:crypto";
import type { Collection } from "mongodb";
import type { TallyDelta } from "../../domain/index.js";
import type { KeptTallies, TallyIntent } from "./kept-tallies.js";

/** As stored on the record: deltas as JSON text (one string decodes far faster on FerretDB than nested arrays). */
export interface StoredIntent {
  id: string;
  owner: string;
  /** When the owner took it (ms since the epoch). */
  at: number;
  deltas: string;
}

interface IntentHolder {
  _id: string;
  tallyIntent?: StoredIntent;
}

/** Where a test can stop the protocol, as a crash would. */
export type IntentStep = "records-written" | "tallies-applied" | "intents-cleared";

export interface IntentTiming {
  /** An owner stops writing this long after taking an intent. */
  ownMs: number;
  /** Another writer takes an intent over this long after its owner took it. */
  staleMs: number;
}

export const DEFAULT_TIMING: IntentTiming = { ownMs: 10_000, staleMs: 60_000 };
const WAIT_MS = 20;

export class IntentExpiredError extends Error {
  override readonly name = "IntentExpiredError";
}

export class IntentHeldError extends Error {
  override readonly name = "IntentHeldError";
}

export const newId = () => randomBytes(9).toString("base64url");

export interface PlannedIntent {
  dossierCode: string;
  intent: StoredIntent;
}

export function storedIntent(owner: string, deltas: readonly TallyDelta[]): StoredIntent {
  return { id: newId(), owner, at: Date.now(), deltas: JSON.stringify(deltas) };
}

export class TallyIntents {
  /** This process's intents being completed, by id: another fold of the same record waits for them. */
  private readonly inflight = new Map<string, Promise<void>>();
  readonly owner = newId();

  constructor(
    private readonly timing: IntentTiming = DEFAULT_TIMING,
    private readonly onStep: (step: IntentStep) => void = () => {},
  ) {}

  step(step: IntentStep): void {
    this.onStep(step);
  }

  /**
   * Marks the intents as this process's own until `work` settles: a fold of the same record meanwhile
   * waits for it instead of waiting for the intent to go stale.
   */
  async tracked<T>(intents: readonly StoredIntent[], work: () => Promise<T>): Promise<T> {
    const running = work();
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    for (const { id } of intents) this.inflight.set(id, settled);
    try {
      return await running;
    } finally {
      for (const { id } of intents) this.inflight.delete(id);
    }
  }

  /** Steps 1-3 for intents whose records were written by this owner. */
  async complete<R extends IntentHolder>(records: Collection<R>, tallies: KeptTallies, planned: readonly PlannedIntent[]): Promise<void> {
    if (planned.length === 0) return;
    const takenAt = Math.min(...planned.map(({ intent }) => intent.at));
    const stillOwned = () => {
      if (Date.now() - takenAt > this.timing.ownMs) throw new IntentExpiredError(`tally intents taken ${Date.now() - takenAt} ms ago: left to be taken over`);
    };
    const intents: TallyIntent[] = planned.map(({ intent }) => ({ id: intent.id, deltas: JSON.parse(intent.deltas) as TallyDelta[] }));
    await tallies.apply(intents, stillOwned);
    this.step("tallies-applied");
    stillOwned();
    await records.bulkWrite(
      planned.map(({ dossierCode, intent }) => ({ updateOne: { filter: { _id: dossierCode, "tallyIntent.id": intent.id } as never, update: { $unset: { tallyIntent: "" } } as never } })),
      { ordered: false },
    );
    this.step("intents-cleared");
    await tallies.forget(intents);
  }

  /**
   * The records, once none holds an intent: each intent found is waited for (this process's),
   * taken over and completed (stale), or waited out (another writer's, not stale yet).
   */
  async settled<R extends IntentHolder>(records: Collection<R>, tallies: KeptTallies, ids: readonly string[]): Promise<Map<string, R>> {
    const deadline = Date.now() + 2 * this.timing.staleMs;
    for (;;) {
      const documents = (await records.find({ _id: { $in: [...ids] } } as never).toArray()) as R[];
      const held = documents.filter((document) => document.tallyIntent);
      if (held.length === 0) return new Map(documents.map((document) => [document._id, document]));
      let waiting = false;
      for (const document of held) {
        const intent = document.tallyIntent!;
        const local = this.inflight.get(intent.id);
        if (local) await local;
        else if (Date.now() - intent.at > this.timing.staleMs) await this.takeOver(records, tallies, document._id, intent);
        else waiting = true;
      }
      if (Date.now() > deadline) throw new IntentHeldError(`${held[0]!._id}: its tally change is still held by another writer`);
      if (waiting) await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    }
  }

  /** Takes a stale intent over (conditional on it being unchanged, so one taker wins) and completes it. */
  private async takeOver<R extends IntentHolder>(records: Collection<R>, tallies: KeptTallies, dossierCode: string, intent: StoredIntent): Promise<void> {
    const taken: StoredIntent = { ...intent, owner: this.owner, at: Date.now() };
    const claimed = await records.updateOne(
      { _id: dossierCode, "tallyIntent.id": intent.id, "tallyIntent.owner": intent.owner, "tallyIntent.at": intent.at } as never,
      { $set: { "tallyIntent.owner": taken.owner, "tallyIntent.at": taken.at } } as never,
    );
    if (claimed.matchedCount === 0) return; // completed or taken by someone else meanwhile
    await this.tracked([taken], () => this.complete(records, tallies, [{ dossierCode, intent: taken }]));
  }
}
