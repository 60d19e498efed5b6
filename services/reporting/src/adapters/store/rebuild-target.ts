/**
 * The collection a rebuild writes, chunk by chunk. A chunk holds one record per dossier; it goes in
 * by batches of INSERT_BATCH, WRITERS batches in flight (the store converts one while it commits
 * the other):
 *   - the batch's dossiers already stored are read in one `_id: {$in}` query (skipped for the first
 *     chunk of a new collection, known empty);
 *   - the others are inserted with one unordered `insertMany`, never meeting a duplicate (on
 *     FerretDB a duplicate makes the whole server-side batch go in again one document at a time);
 *   - each stored one is merged in memory (the fold is order-free and ignores known event ids, so
 *     the result is that of one fold of both) and, if that changed it, written back in one unordered
 *     bulk write, each update conditional on the version read; a record merged into one that already
 *     held all its facts (a chunk folded again after a resume) is not written at all.
 * A lost race (a duplicate on insert, an update whose version moved) is merged again one record at a
 * time. Nothing else writes the collection before the rebuild's catch-up, so these are rare.
 *
 * Inserted records are marked with the rebuild's attempt and chunk (`rebuildAttempt`,
 * `rebuildChunk`), so that a resumed rebuild counts the records an interrupted attempt inserted
 * in the chunk it was writing (after its last checkpoint) as new (`inserted`) when it writes that
 * chunk again, not as merges: its counters then equal those of a rebuild never interrupted.
 *
 * The kept tallies are summed as the records go in (each insert adds its record's contributions,
 * each merge replaces the stored record's by the merged one's), so the rebuild need not read the
 * collection again to derive them. Only while every write is known exactly: a resumed rebuild, a
 * failed write or a lost race falls back to deriving them from the records.
 */
import { MongoBulkWriteError, MongoServerError, type AnyBulkWriteOperation, type Collection } from "mongodb";
import { mergeFacts, type ContributionSum, type DossierFacts, type FactEvent } from "../../domain/index.js";
import type { ChunkOf, ChunkWritten, RebuildTarget } from "../../app/rebuild.js";
import { documentOf, factsOf, replacementOf, type FactsDocument } from "./facts-store.js";

/** Records per `insertMany` / `find` / bulk write. */
export const INSERT_BATCH = 1_000;
/** Batches written at the same time. */
export const WRITERS = 2;
const DUPLICATE_KEY = 11000;
const MAX_MERGE_ATTEMPTS = 32;

type TargetDocument = FactsDocument & { rebuildAttempt?: number; rebuildChunk?: number };

export interface RebuildTargetDeps {
  /** An empty sum of contributions, kept while the chunks are written. */
  newSum: () => ContributionSum;
  /** Writes the collection's kept tallies: `sum` when given, otherwise derived from its records. */
  deriveTallies: (sum?: ContributionSum) => Promise<void>;
  /** Folds one event into the collection's record (catch-up). */
  apply: (dossierCode: string, event: FactEvent) => Promise<boolean>;
}

export function rebuildTarget(collection: Collection<FactsDocument>, deps: RebuildTargetDeps): RebuildTarget {
  const target = collection as unknown as Collection<TargetDocument>;
  /**
   * The kept tallies of every record written, while each write is known exactly: from a new
   * rebuild's first chunk on, until a write fails or races (then they are derived from the records).
   */
  let sum: ContributionSum | undefined;
  return {
    name: collection.collectionName,
    writeChunk: async (records, chunk) => {
      // A new rebuild's first chunk: nothing can be stored yet.
      const knownEmpty = chunk !== undefined && chunk.attempt === 0 && chunk.chunk === 1;
      if (knownEmpty) sum = deps.newSum();
      const batches: DossierFacts[][] = [];
      for (let i = 0; i < records.length; i += INSERT_BATCH) batches.push(records.slice(i, i + INSERT_BATCH));
      const written: ChunkWritten = { inserted: 0, merged: 0 };
      let next = 0;
      const writer = async () => {
        for (let batch = batches[next++]; batch; batch = batches[next++]) {
          if (chunk?.stopping?.()) throw new Error("rebuild stopped");
          const { inserted, merged, exact } = await writeBatch(target, batch, chunk, knownEmpty, sum);
          if (!exact) sum = undefined;
          written.inserted += inserted;
          written.merged += merged;
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(WRITERS, batches.length) }, writer));
      } catch (error) {
        sum = undefined; // written in part: only the records can tell
        throw error;
      }
      return written;
    },
    deriveTallies: () => deps.deriveTallies(sum),
    apply: deps.apply,
  };
}

/**
 * Whether an earlier attempt inserted the record while writing this same chunk, which it never
 * checkpointed (a checkpointed chunk is not written again): then no checkpoint counted it. The
 * chunk folded again from the checkpoint holds the same dossiers as long as the stream and
 * REBUILD_CHUNK_DOSSIERS are the same; otherwise only the counters can be off, not the records.
 */
function insertedByInterruptedAttempt(document: TargetDocument, chunk: ChunkOf | undefined): boolean {
  return chunk !== undefined && document.rebuildAttempt !== undefined && document.rebuildAttempt < chunk.attempt && document.rebuildChunk === chunk.chunk;
}

/** `exact`: `sum` now holds every change the batch made (false when a write raced, merged again one by one). */
async function writeBatch(
  collection: Collection<TargetDocument>,
  batch: readonly DossierFacts[],
  chunk: ChunkOf | undefined,
  knownEmpty: boolean,
  sum: ContributionSum | undefined,
): Promise<ChunkWritten & { exact: boolean }> {
  const stored = new Map<string, TargetDocument>();
  if (!knownEmpty) for (const document of await collection.find({ _id: { $in: batch.map((record) => record.dossierCode) } }).toArray()) stored.set(document._id, document);
  const mark = chunk ? { rebuildAttempt: chunk.attempt, rebuildChunk: chunk.chunk } : {};
  const fresh: DossierFacts[] = [];
  const updates: Array<{ record: DossierFacts; before: DossierFacts; after: DossierFacts; write: AnyBulkWriteOperation<TargetDocument> }> = [];
  let inserted = 0;
  let merged = 0;
  for (const record of batch) {
    const document = stored.get(record.dossierCode);
    if (!document) {
      fresh.push(record);
      continue;
    }
    if (insertedByInterruptedAttempt(document, chunk)) inserted += 1;
    else merged += 1;
    const before = factsOf(document);
    const after = mergeFacts(before, record);
    if (after === before) continue;
    const { _id, update } = replacementOf(after, document.version + 1);
    updates.push({ record, before, after, write: { updateOne: { filter: { _id, version: document.version }, update } } });
  }
  const again: DossierFacts[] = [];
  if (fresh.length > 0) {
    const refused = await insertAll(
      collection,
      fresh.map((record) => ({ ...documentOf(record, 1), ...mark })),
    );
    for (const index of refused) again.push(fresh[index]!);
    const refusedAt = new Set(refused);
    if (sum) for (const [index, record] of fresh.entries()) if (!refusedAt.has(index)) sum.add(record);
    inserted += fresh.length - refused.length;
    merged += refused.length;
  }
  if (updates.length > 0) {
    const result = await collection.bulkWrite(
      updates.map(({ write }) => write),
      { ordered: false },
    );
    // Which one lost is not reported: merge them all again (those written merge to no change).
    if (result.matchedCount < updates.length) again.push(...updates.map(({ record }) => record));
    else if (sum) for (const { before, after } of updates) sum.add(before, -1).add(after);
  }
  for (const record of again) await mergeOne(collection, record);
  return { inserted, merged, exact: again.length === 0 };
}

/** Inserts the documents unordered; returns the indexes of those refused as duplicate keys. */
async function insertAll(collection: Collection<TargetDocument>, documents: TargetDocument[]): Promise<number[]> {
  try {
    await collection.insertMany(documents, { ordered: false });
    return [];
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const failures = [error.writeErrors].flat();
    if (failures.length === 0 || failures.some((failure) => failure.code !== DUPLICATE_KEY)) throw error;
    return failures.map((failure) => failure.index);
  }
}

/** Folds a record's facts into the stored record of its dossier, conditional on the version read, until it holds. */
async function mergeOne(collection: Collection<TargetDocument>, record: DossierFacts): Promise<void> {
  for (let attempt = 0; attempt < MAX_MERGE_ATTEMPTS; attempt++) {
    const stored = await collection.findOne({ _id: record.dossierCode });
    if (!stored) {
      try {
        await collection.insertOne(documentOf(record, 1));
        return;
      } catch (error) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) continue;
        throw error;
      }
    }
    const before = factsOf(stored);
    const after = mergeFacts(before, record);
    if (after === before) return;
    const { _id, update } = replacementOf(after, stored.version + 1);
    if ((await collection.updateOne({ _id, version: stored.version }, update)).matchedCount === 1) return;
  }
  throw new Error(`${record.dossierCode} kept changing while the rebuild merged it into ${collection.collectionName}`);
}
