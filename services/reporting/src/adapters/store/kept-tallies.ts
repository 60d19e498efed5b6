/**
 * The kept tallies of one facts collection (`<facts>_period_tallies`): one document per tally id
 * (see tally-contributions.ts), its lines as text, one `line<TAB>count` row each (FerretDB decodes
 * a document field by field, so one string reads far faster than the same lines as fields).
 *
 * A change is an intent (an id and its deltas) applied at most once per document: a document
 * lists the ids of the intents applied to it (`applied`), and each write is conditional on the
 * revision read, so two writers never both add the same intent, and an intent applied twice (a
 * retry, a recovery) changes nothing the second time. Once the intent is cleared from its record
 * (see facts-store.ts), nobody applies it again and its id is dropped from the documents (`forget`).
 */
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from "mongodb";
import { agencyOfTally, type Contributions, type TallyDelta } from "../../domain/index.js";

export interface TallyIntent {
  id: string;
  deltas: readonly TallyDelta[];
}

interface TallyDocument {
  _id: string;
  rev: number;
  lines: string;
  applied: string[];
}

/** Every agency with a tally: a query of all agencies reads their documents by id. */
interface AgenciesDocument {
  _id: string;
  codes: string[];
}

/** What the tallies were derived with (series, start day, classification version): another means derive them again. */
interface MetaDocument {
  _id: string;
  fingerprint: string;
}

const AGENCIES = "~agencies";
const META = "~meta";
const DUPLICATE_KEY = 11000;
const MAX_ATTEMPTS = 64;
const WRITE_BATCH = 1_000;

export function decodeCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (text === "") return counts;
  for (const row of text.split("\n")) {
    const tab = row.lastIndexOf("\t");
    counts.set(row.slice(0, tab), Number(row.slice(tab + 1)));
  }
  return counts;
}

export function encodeCounts(counts: ReadonlyMap<string, number>): string {
  const rows: string[] = [];
  for (const [line, count] of counts) if (count !== 0) rows.push(`${line}\t${count}`);
  return rows.join("\n");
}

export class TallyConflictError extends Error {
  override readonly name = "TallyConflictError";
}

export class KeptTallies {
  private knownAgencies: Set<string> | undefined;

  constructor(readonly collection: Collection<TallyDocument>) {}

  static forFacts(db: Db, factsCollection: string): KeptTallies {
    return new KeptTallies(db.collection<TallyDocument>(`${factsCollection}_period_tallies`));
  }

  private meta(): Collection<MetaDocument> {
    return this.collection as unknown as Collection<MetaDocument>;
  }

  private agenciesCollection(): Collection<AgenciesDocument> {
    return this.collection as unknown as Collection<AgenciesDocument>;
  }

  async fingerprint(): Promise<string | undefined> {
    return (await this.meta().findOne({ _id: META }))?.fingerprint;
  }

  /** Every agency that has a tally. */
  async agencies(): Promise<string[]> {
    return (await this.agenciesCollection().findOne({ _id: AGENCIES }))?.codes ?? [];
  }

  /** Adds the intents' agencies to the list (before their tallies are written: a listed agency without lines is harmless). */
  private async registerAgencies(intents: readonly TallyIntent[]): Promise<void> {
    this.knownAgencies ??= new Set(await this.agencies());
    const fresh = new Set<string>();
    for (const { deltas } of intents) for (const [tallyId] of deltas) {
      const agency = agencyOfTally(tallyId);
      if (agency !== undefined && !this.knownAgencies.has(agency)) fresh.add(agency);
    }
    if (fresh.size === 0) return;
    await this.agenciesCollection().updateOne({ _id: AGENCIES }, { $addToSet: { codes: { $each: [...fresh] } } }, { upsert: true });
    for (const agency of fresh) this.knownAgencies.add(agency);
  }

  /**
   * Applies each intent to each of its documents unless that document already holds it.
   * `stillOwned` is asked before every write (it throws when the caller may no longer write).
   */
  async apply(intents: readonly TallyIntent[], stillOwned: () => void = () => {}): Promise<void> {
    if (intents.length === 0) return;
    await this.registerAgencies(intents);
    const byTally = new Map<string, Map<string, Array<[string, number]>>>();
    for (const { id, deltas } of intents) {
      for (const [tallyId, line, count] of deltas) {
        let ops = byTally.get(tallyId);
        if (!ops) byTally.set(tallyId, (ops = new Map()));
        let entries = ops.get(id);
        if (!entries) ops.set(id, (entries = []));
        entries.push([line, count]);
      }
    }
    let remaining = [...byTally.keys()];
    for (let attempt = 0; attempt < MAX_ATTEMPTS && remaining.length > 0; attempt++) {
      const stored = new Map((await this.collection.find({ _id: { $in: remaining } }).toArray()).map((document) => [document._id, document]));
      const writes: AnyBulkWriteOperation<TallyDocument>[] = [];
      const written: string[] = [];
      for (const tallyId of remaining) {
        const document = stored.get(tallyId);
        const applied = new Set(document?.applied ?? []);
        const ops = [...byTally.get(tallyId)!].filter(([id]) => !applied.has(id));
        if (ops.length === 0) continue;
        const counts = decodeCounts(document?.lines ?? "");
        for (const [, entries] of ops) for (const [line, count] of entries) counts.set(line, (counts.get(line) ?? 0) + count);
        const fields = { lines: encodeCounts(counts), applied: [...(document?.applied ?? []), ...ops.map(([id]) => id)] };
        writes.push(
          document
            ? { updateOne: { filter: { _id: tallyId, rev: document.rev }, update: { $set: { ...fields, rev: document.rev + 1 } } } }
            : { insertOne: { document: { _id: tallyId, rev: 1, ...fields } } },
        );
        written.push(tallyId);
      }
      if (writes.length === 0) return;
      stillOwned();
      if (await allApplied(this.collection, writes)) return;
      // Which write lost is not reported: read them all again (those applied are skipped).
      remaining = written;
    }
    throw new TallyConflictError(`the tallies ${remaining.slice(0, 3).join(", ")} kept changing concurrently`);
  }

  /** Drops the intents' ids from their documents: call only once no record holds them any more. */
  async forget(intents: readonly TallyIntent[]): Promise<void> {
    const idsByTally = new Map<string, Set<string>>();
    for (const { id, deltas } of intents) for (const [tallyId] of deltas) {
      let ids = idsByTally.get(tallyId);
      if (!ids) idsByTally.set(tallyId, (ids = new Set()));
      ids.add(id);
    }
    if (idsByTally.size === 0) return;
    // The revision moves too: a writer holding the older list must read it again rather than write it back.
    await this.collection.bulkWrite(
      [...idsByTally].map(([tallyId, ids]) => ({ updateOne: { filter: { _id: tallyId }, update: { $pullAll: { applied: [...ids] }, $inc: { rev: 1 } } } })),
      { ordered: false },
    );
  }

  /** The documents' lines, by tally id (absent ids: no lines). */
  async read(tallyIds: readonly string[]): Promise<Map<string, Map<string, number>>> {
    if (tallyIds.length === 0) return new Map();
    const documents = await this.collection.find({ _id: { $in: [...tallyIds] } }, { projection: { lines: 1 } }).toArray();
    return new Map(documents.map((document) => [document._id, decodeCounts(document.lines)]));
  }

  /** Replaces every tally by `tallies` (derived from scratch), then records the fingerprint: until then the old one is not trusted. */
  async replaceAll(tallies: Contributions, fingerprint: string): Promise<void> {
    await this.collection.deleteMany({});
    this.knownAgencies = undefined;
    const documents: TallyDocument[] = [];
    const agencies = new Set<string>();
    for (const [tallyId, lines] of tallies) {
      if (lines.size === 0) continue;
      documents.push({ _id: tallyId, rev: 1, lines: encodeCounts(lines), applied: [] });
      const agency = agencyOfTally(tallyId);
      if (agency !== undefined) agencies.add(agency);
    }
    for (let i = 0; i < documents.length; i += WRITE_BATCH) await this.collection.insertMany(documents.slice(i, i + WRITE_BATCH), { ordered: false });
    await this.agenciesCollection().insertOne({ _id: AGENCIES, codes: [...agencies] });
    await this.meta().insertOne({ _id: META, fingerprint });
  }
}

/** Runs the writes unordered; true when every one applied (no revision lost, no document created meanwhile). */
async function allApplied(collection: Collection<TallyDocument>, writes: AnyBulkWriteOperation<TallyDocument>[]): Promise<boolean> {
  const updates = writes.filter((write) => "updateOne" in write).length;
  try {
    const result = await collection.bulkWrite(writes, { ordered: false });
    return result.matchedCount === updates && result.insertedCount === writes.length - updates;
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    if ([error.writeErrors].flat().some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
    return false;
  }
}
