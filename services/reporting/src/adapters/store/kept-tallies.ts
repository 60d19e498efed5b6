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
import type { AnyBulkWriteOperation, Collection, Db } from "mongodb";
import { ownerOfTally, type Contributions, type TallyDelta } from "../../domain/index.js";
import { allApplied } from "./conditional-writes.js";

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

/** Every owner (agency or group) with a tally: a query without an agency reads its groups' documents by id. */
interface OwnersDocument {
  _id: string;
  codes: string[];
}

/** What the tallies were derived with (series, start day, classification version): another means derive them again. */
interface MetaDocument {
  _id: string;
  fingerprint: string;
}

const OWNERS = "~owners";
const META = "~meta";
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
  private knownOwners: Set<string> | undefined;

  constructor(readonly collection: Collection<TallyDocument>) {}

  static forFacts(db: Db, factsCollection: string): KeptTallies {
    return new KeptTallies(db.collection<TallyDocument>(`${factsCollection}_period_tallies`));
  }

  private meta(): Collection<MetaDocument> {
    return this.collection as unknown as Collection<MetaDocument>;
  }

  private ownersCollection(): Collection<OwnersDocument> {
    return this.collection as unknown as Collection<OwnersDocument>;
  }

  async fingerprint(): Promise<string | undefined> {
    return (await this.meta().findOne({ _id: META }))?.fingerprint;
  }

  /** Every owner (agency or group) that has a tally. */
  async owners(): Promise<string[]> {
    return (await this.ownersCollection().findOne({ _id: OWNERS }))?.codes ?? [];
  }

  /** Adds the tallies' owners to the list (before their tallies are written: a listed owner without lines is harmless). */
  private async registerOwners(tallyIds: Iterable<string>): Promise<void> {
    this.knownOwners ??= new Set(await this.owners());
    const fresh = new Set<string>();
    for (const tallyId of tallyIds) {
      const owner = ownerOfTally(tallyId);
      if (owner !== undefined && !this.knownOwners.has(owner)) fresh.add(owner);
    }
    if (fresh.size === 0) return;
    await this.ownersCollection().updateOne({ _id: OWNERS }, { $addToSet: { codes: { $each: [...fresh] } } }, { upsert: true });
    for (const owner of fresh) this.knownOwners.add(owner);
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
    await this.registerOwners(byTally.keys());
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
    this.knownOwners = undefined;
    const documents: TallyDocument[] = [];
    const owners = new Set<string>();
    for (const [tallyId, lines] of tallies) {
      if (lines.size === 0) continue;
      documents.push({ _id: tallyId, rev: 1, lines: encodeCounts(lines), applied: [] });
      const owner = ownerOfTally(tallyId);
      if (owner !== undefined) owners.add(owner);
    }
    for (let i = 0; i < documents.length; i += WRITE_BATCH) await this.collection.insertMany(documents.slice(i, i + WRITE_BATCH), { ordered: false });
    await this.ownersCollection().insertOne({ _id: OWNERS, codes: [...owners] });
    await this.meta().insertOne({ _id: META, fingerprint });
  }
}
