/**
 * How a batch's record changes reach the kept tallies exactly once without multi-document
 * transactions: a journal entry per batch (`<facts>_tally_journal`), written before the records.
 *   1. insert the journal: its id, owner, the time it was taken, and per record planned the write's
 *      id and its tally deltas (contributions after minus before, see tally-contributions.ts);
 *   2. write the records, each conditional on the version read, each naming the journal and its
 *      write's id; the records whose write won are those whose stored write id is the planned one;
 *   3. apply the winners' deltas to each tally document they name, once per document: a document
 *      lists the journals applied to it and each write is conditional on its revision (KeptTallies);
 *   4. delete the journal. Journal ids left in tally documents are dropped by their next write
 *      once their journal is gone.
 * Why it is exact, crash point by crash point:
 *   - after 1: no record names the journal; the redelivered events fold again. The journal is
 *     left behind unread (a few KB per crash);
 *   - after 2, or during 3: the records name a journal that still exists, so the redelivered
 *     events find it, and whoever reads such a record completes the journal (takes it over, then
 *     3-4 for the records whose write won): documents already listing it skip it;
 *   - after 4: done; the journal's absence tells every reader so.
 * A record naming a journal that still exists is never written over (its change could then not
 * be told from the next one): a writer completes that journal first — waits for it when this
 * process is completing it, takes it over when its owner's time is up (staleMs), waits otherwise.
 * An owner writes only within ownMs of taking the journal (it checks before every write), and
 * staleMs is far larger, so an owner and the writer that took its journal over never both apply
 * it once its id may have been dropped. This assumes a write reaches the store within
 * staleMs - ownMs of being checked, and the instances' clocks agree to well within that.
 */
import { randomBytes } from "node:crypto";
import type { Collection, Db } from "mongodb";
import type { TallyDelta } from "../../domain/index.js";
import type { KeptTallies } from "./kept-tallies.js";

/** One record's planned write in a journal. */
export interface JournalEntry {
  dossierCode: string;
  writeId: string;
  deltas: readonly TallyDelta[];
}

interface JournalDocument {
  _id: string;
  owner: string;
  /** When the owner took it (ms since the epoch). */
  at: number;
  /** The entries as JSON text: one string decodes far faster on FerretDB than nested documents. */
  entries: string;
}

/** What the journal needs of a record. */
interface JournalledRecord {
  _id: string;
  journal?: string;
  writeId?: string;
}

/** Where a test can stop the protocol, as a crash would. */
export type JournalStep = "journal-written" | "records-written" | "tallies-applied";

export interface JournalTiming {
  /** An owner stops writing this long after taking a journal. */
  ownMs: number;
  /** Another writer takes a journal over this long after its owner took it. */
  staleMs: number;
}

export const DEFAULT_TIMING: JournalTiming = { ownMs: 10_000, staleMs: 60_000 };
const WAIT_MS = 20;

export class JournalExpiredError extends Error {
  override readonly name = "JournalExpiredError";
}

export class JournalHeldError extends Error {
  override readonly name = "JournalHeldError";
}

export const newId = () => randomBytes(9).toString("base64url");

export class TallyJournal {
  /** This process's journals being completed, by id: a fold of one of their records waits for them. */
  private readonly inflight = new Map<string, Promise<void>>();
  readonly owner = newId();

  constructor(
    private readonly collection: Collection<JournalDocument>,
    private readonly timing: JournalTiming = DEFAULT_TIMING,
    private readonly onStep: (step: JournalStep) => void = () => {},
  ) {}

  static forFacts(db: Db, factsCollection: string, timing?: JournalTiming, onStep?: (step: JournalStep) => void): TallyJournal {
    return new TallyJournal(db.collection<JournalDocument>(`${factsCollection}_tally_journal`), timing, onStep);
  }

  step(step: JournalStep): void {
    this.onStep(step);
  }

  /** The journals among `ids` that still exist (not completed). */
  async open(ids: Iterable<string>): Promise<Set<string>> {
    const wanted = [...new Set(ids)];
    if (wanted.length === 0) return new Set();
    return new Set((await this.collection.find({ _id: { $in: wanted } }, { projection: { _id: 1 } }).toArray()).map((document) => document._id));
  }

  /** Every journal is dropped: the records' facts already hold their changes (the tallies are derived again). */
  async clear(): Promise<void> {
    await this.collection.deleteMany({});
  }

  /**
   * Steps 1-4 for one batch: `write` writes the records (step 2, each naming `id`) and returns the
   * entries whose write won. A batch without any tally change needs no journal.
   */
  async run<R extends JournalledRecord>(_records: Collection<R>, tallies: KeptTallies, id: string, entries: readonly JournalEntry[], write: () => Promise<JournalEntry[]>): Promise<JournalEntry[]> {
    const journal: JournalDocument = { _id: id, owner: this.owner, at: Date.now(), entries: JSON.stringify(entries) };
    return this.tracked(id, async () => {
      const changing = entries.some((entry) => entry.deltas.length > 0);
      if (changing) await this.collection.insertOne(journal);
      this.step("journal-written");
      const won = await write();
      this.step("records-written");
      if (changing) await this.complete(tallies, journal, won);
      return won;
    });
  }

  /**
   * The records, once none names a journal still open: each found is waited for (this process's),
   * taken over and completed (stale), or waited out (another writer's, not stale yet).
   */
  async settled<R extends JournalledRecord>(records: Collection<R>, tallies: KeptTallies, ids: readonly string[]): Promise<Map<string, R>> {
    const deadline = Date.now() + 2 * this.timing.staleMs;
    for (;;) {
      const documents = (await records.find({ _id: { $in: [...ids] } } as never).toArray()) as R[];
      const named = documents.flatMap((document) => (document.journal ? [document.journal] : []));
      const open = named.length > 0 ? await this.collection.find({ _id: { $in: [...new Set(named)] } }).toArray() : [];
      if (open.length === 0) return new Map(documents.map((document) => [document._id, document]));
      let waiting = false;
      for (const journal of open) {
        const local = this.inflight.get(journal._id);
        if (local) await local;
        else if (Date.now() - journal.at > this.timing.staleMs) await this.takeOver(records, tallies, journal);
        else waiting = true;
      }
      if (Date.now() > deadline) throw new JournalHeldError(`the tally journal ${open[0]!._id} is still held by another writer`);
      if (waiting) await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    }
  }

  /** Marks the journal as this process's own until `work` settles. */
  private async tracked<T>(id: string, work: () => Promise<T>): Promise<T> {
    const running = work();
    this.inflight.set(
      id,
      running.then(
        () => undefined,
        () => undefined,
      ),
    );
    try {
      return await running;
    } finally {
      this.inflight.delete(id);
    }
  }

  /** Steps 3-4. */
  private async complete(tallies: KeptTallies, journal: JournalDocument, won: readonly JournalEntry[]): Promise<void> {
    const stillOwned = () => {
      const held = Date.now() - journal.at;
      if (held > this.timing.ownMs) throw new JournalExpiredError(`tally journal ${journal._id} taken ${held} ms ago: left to be taken over`);
    };
    await tallies.apply({ id: journal._id, deltas: won.flatMap((entry) => entry.deltas) }, stillOwned, (ids) => this.open(ids));
    this.step("tallies-applied");
    stillOwned();
    await this.collection.deleteOne({ _id: journal._id });
  }

  /** Takes a stale journal over (conditional on it being unchanged, so one taker wins) and completes it for the records whose write won. */
  private async takeOver<R extends JournalledRecord>(records: Collection<R>, tallies: KeptTallies, journal: JournalDocument): Promise<void> {
    const taken: JournalDocument = { ...journal, owner: this.owner, at: Date.now() };
    const claimed = await this.collection.updateOne({ _id: journal._id, owner: journal.owner, at: journal.at }, { $set: { owner: taken.owner, at: taken.at } });
    if (claimed.matchedCount === 0) return; // completed or taken by someone else meanwhile
    await this.tracked(journal._id, async () => {
      const entries = JSON.parse(journal.entries) as JournalEntry[];
      const stored = (await records.find({ _id: { $in: entries.map((entry) => entry.dossierCode) } } as never, { projection: { writeId: 1, journal: 1 } }).toArray()) as R[];
      const writes = new Map(stored.map((record) => [record._id, record.journal === journal._id ? record.writeId : undefined]));
      await this.complete(
        tallies,
        taken,
        entries.filter((entry) => writes.get(entry.dossierCode) === entry.writeId),
      );
    });
  }
}
