/**
 * The kept tallies of one facts collection (`<facts>_period_tallies`): one document per tally id
 * (see tally-contributions.ts), its lines as text, one `line<TAB>count` row each (FerretDB decodes
 * a document field by field, so one string reads far faster than the same lines as fields).
 *
 * A change (a journal's id and its deltas, see tally-journal.ts) is applied at most once per
 * document: a document lists the ids of the changes applied to it (`applied`), and each write is
 * conditional on the revision read, so two writers never both apply the same change, and a change
 * applied twice (a retry, a takeover) changes nothing the second time. Once its journal is done,
 * nobody applies it again, and the next write of the document drops its id.
 */
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Db } from "mongodb";
import { agencyOfTally, type Contributions, type TallyDelta } from "../../domain/index.js";

/** One batch's change of the tallies, under its journal's id (see tally-journal.ts). */
export interface TallyChange {
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

  /** Adds the tallies' agencies to the list (before their tallies are written: a listed agency without lines is harmless). */
  private async registerAgencies(tallyIds: Iterable<string>): Promise<void> {
    this.knownAgencies ??= new Set(await this.agencies());
    const fresh = new Set<string>();
    for (const tallyId of tallyIds) {
      const agency = agencyOfTally(tallyId);
      if (agency !== undefined && !this.knownAgencies.has(agency)) fresh.add(agency);
    }
    if (fresh.size === 0) return;
    await this.agenciesCollection().updateOne({ _id: AGENCIES }, { $addToSet: { codes: { $each: [...fresh] } } }, { upsert: true });
    for (const agency of fresh) this.knownAgencies.add(agency);
  }

  /**
   * Applies the change to each of its documents unless that document already lists it; each
   * write also drops the ids of changes `open` no longer reports open (their journal is done).
   * `stillOwned` is asked before every write (it throws when the caller may no longer write).
   */
  async apply(change: TallyChange, stillOwned: () => void, open: (ids: Iterable<string>) => Promise<Set<string>>): Promise<void> {
    const byTally = new Map<string, Array<[string, number]>>();
    for (const [tallyId, line, count] of change.deltas) {
      let entries = byTally.get(tallyId);
      if (!entries) byTally.set(tallyId, (entries = []));
      entries.push([line, count]);
    }
    if (byTally.size === 0) return;
    await this.registerAgencies(byTally.keys());
    let remaining = [...byTally.keys()];
    for (let attempt = 0; attempt < MAX_ATTEMPTS && remaining.length > 0; attempt++) {
      const stored = new Map((await this.collection.find({ _id: { $in: remaining } }).toArray()).map((document) => [document._id, document]));
      const listed = [...stored.values()].flatMap((document) => document.applied).filter((id) => id !== change.id);
      const stillOpen = await open(listed);
      const writes: AnyBulkWriteOperation<TallyDocument>[] = [];
      const written: string[] = [];
      for (const tallyId of remaining) {
        const document = stored.get(tallyId);
        if (document?.applied.includes(change.id)) continue;
        const counts = decodeCounts(document?.lines ?? "");
        for (const [line, count] of byTally.get(tallyId)!) counts.set(line, (counts.get(line) ?? 0) + count);
        const fields = { lines: encodeCounts(counts), applied: [...(document?.applied ?? []).filter((id) => stillOpen.has(id)), change.id] };
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
