import { MongoBulkWriteError, MongoServerError, type AnyBulkWriteOperation, type Collection, type Db, type Filter } from "mongodb";
import { agenciesOf, emptyFacts, finishedAt, foldEvent, type DossierFacts, type FactEvent, type ReportScope } from "../../domain/index.js";
import type { DossierEvent } from "../../app/ports.js";
import type { RebuildableFactsStore, RebuildTarget } from "../../app/rebuild.js";
import { ChangeCounters, changesOfFold, type ChangeCount } from "./change-counters.js";
import { rebuildTarget } from "./rebuild-target.js";

/** One document per dossier: its facts plus the fields reports select on. */
export interface FactsDocument {
  _id: string;
  facts: DossierFacts;
  version: number;
  complete: boolean;
  /**
   * The agency that decided the dossier, or every one that did when it was transferred (receipt's
   * first): an array field matches equality and `$in` on any of its elements.
   */
  agencyCode?: string | string[];
  level?: string;
  sectorCode?: string;
  receivedAtMs?: number;
  /** Decision, refusal, withdrawal or closure; OPEN while processing (a number keeps range queries simple). */
  finishedAtMs: number;
}

const OPEN = Number.MAX_SAFE_INTEGER;
const BASE_NAME = "dossier_facts";
const META = "projection_meta";

/** Which collection holds the live projection (a rebuild writes a new one, then switches). */
interface ProjectionMeta {
  _id: string;
  active: string;
  switchedAt: Date;
}

async function prepared(db: Db, name: string): Promise<Collection<FactsDocument>> {
  const collection = db.collection<FactsDocument>(name);
  await collection.createIndex({ complete: 1, receivedAtMs: 1 }, { name: "complete_received" });
  await collection.createIndex({ agencyCode: 1, receivedAtMs: 1 }, { name: "agency_received" });
  return collection;
}
const DUPLICATE_KEY = 11000;
/**
 * Each lost version check means another writer of the record won, so n concurrent writers of one
 * dossier need at most n attempts: above the 8 messages each of the three fact consumers has in
 * flight, with room for a rebuild's catch-up and other instances.
 */
const MAX_WRITE_ATTEMPTS = 32;

/**
 * Other writers kept changing the record first, MAX_WRITE_ATTEMPTS times in a row: the event is
 * left to its redelivery.
 */
export class ConcurrentWriteError extends Error {
  override readonly name = "ConcurrentWriteError";
}

/** Replaces the stored record with `after` if its version is still the one read; false if another writer came first. */
async function replaced(collection: Collection<FactsDocument>, stored: FactsDocument, after: DossierFacts): Promise<boolean> {
  const { filter, update } = replacement(stored, after);
  const result = await collection.updateOne(filter, update);
  return result.matchedCount === 1;
}

/** The update that writes `after` over `stored`, conditional on the version read. */
function replacement(stored: FactsDocument, after: DossierFacts) {
  const { _id, ...fields } = documentOf(after, stored.version + 1);
  return { filter: { _id, version: stored.version }, update: { $set: fields } };
}

/** Inserts the dossier's first record; false if another writer created it first. */
async function insertedFirst(collection: Collection<FactsDocument>, facts: DossierFacts): Promise<boolean> {
  try {
    await collection.insertOne(documentOf(facts, 1));
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
    throw error;
  }
}

/** Runs the writes unordered; true when every one applied (no version lost, no record created meanwhile). */
async function allApplied(collection: Collection<FactsDocument>, writes: AnyBulkWriteOperation<FactsDocument>[]): Promise<boolean> {
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

/** One agency as a plain value (the common case, as stored before transfers counted), several as an array. */
const agencyField = (agencies: string[]): string | string[] => (agencies.length === 1 ? agencies[0]! : agencies);

export function documentOf(facts: DossierFacts, version: number): FactsDocument {
  const finished = finishedAt(facts);
  const receipt = facts.receipt;
  return {
    _id: facts.dossierCode,
    facts,
    version,
    complete: receipt !== undefined,
    ...(receipt ? { agencyCode: agencyField(agenciesOf({ ...facts, receipt })), level: receipt.level, sectorCode: receipt.sectorCode, receivedAtMs: Date.parse(receipt.receivedAt) } : {}),
    finishedAtMs: finished ? Date.parse(finished) : OPEN,
  };
}

/**
 * Every write of a record is conditional on the version read (optimistic concurrency): when
 * another writer — a consumer of another stream, a second delivery, a rebuild's catch-up, another
 * instance — changed the record meanwhile, nothing is written and the record is read and folded
 * again. The fold is order-free and ignores event ids it holds, so the retry gives the same record
 * as any serial order.
 */
export class MongoFactsStore implements RebuildableFactsStore {
  private readonly counters = new Map<string, ChangeCounters>();

  private constructor(
    private readonly db: Db,
    private collection: Collection<FactsDocument>,
  ) {}

  /** The change counters of a facts collection (stored tallies of that collection depend on them). */
  private countersOf(collection: Collection<FactsDocument>): ChangeCounters {
    const name = collection.collectionName;
    let counters = this.counters.get(name);
    if (!counters) this.counters.set(name, (counters = ChangeCounters.forFacts(this.db, name)));
    return counters;
  }

  /** Opens the active collection: "dossier_facts", or the one the last rebuild switched to. */
  static async open(db: Db): Promise<MongoFactsStore> {
    const meta = await db.collection<ProjectionMeta>(META).findOne({ _id: BASE_NAME });
    const collection = await prepared(db, meta?.active ?? BASE_NAME);
    return new MongoFactsStore(db, collection);
  }

  get activeCollection(): string {
    return this.collection.collectionName;
  }

  /** A new collection for a rebuild (`dossier_facts_v<ms>`), or with `name` the one an unfinished rebuild was writing; see rebuild-target.ts. */
  async createRebuildTarget(name = `${BASE_NAME}_v${Date.now()}`): Promise<RebuildTarget> {
    const collection = await prepared(this.db, name);
    return rebuildTarget(collection, {
      counters: this.countersOf(collection),
      apply: (dossierCode, event) => this.applyTo(() => collection, dossierCode, event),
    });
  }

  async switchTo(target: RebuildTarget): Promise<void> {
    await this.db.collection<ProjectionMeta>(META).updateOne({ _id: BASE_NAME }, { $set: { active: target.name, switchedAt: new Date() } }, { upsert: true });
    this.collection = this.db.collection<FactsDocument>(target.name);
  }

  apply(dossierCode: string, event: FactEvent): Promise<boolean> {
    return this.applyTo(() => this.collection, dossierCode, event);
  }

  /**
   * Folds the event into the record, then counts the change for the stored tallies (after the
   * write, and even when the event was a duplicate: see ChangeCounters).
   */
  private async applyTo(collectionNow: () => Collection<FactsDocument>, dossierCode: string, event: FactEvent): Promise<boolean> {
    // One collection for the whole read-then-write, even if a rebuild switches meanwhile.
    const collection = collectionNow();
    const { before, after } = await this.foldInto(collection, dossierCode, event);
    await this.countersOf(collection).count(changesOfFold(before, after, event));
    return after !== before;
  }

  /**
   * Folds a batch: the records it touches are read in one query (`_id: {$in}`), each is folded in
   * memory with all of its events and written once, in one bulk write, each write conditional on the
   * version read (an insert for a new record, refused by the `_id` if another writer created it).
   * If any write lost its race, the batch's records are folded again one event at a time (apply's
   * path): the fold ignores the event ids a record holds, so what was written is not folded twice.
   * Then the changes are counted, after the writes, as apply does.
   */
  async applyBatch(events: readonly DossierEvent[]): Promise<void> {
    // One collection for the whole batch, even if a rebuild switches meanwhile.
    const collection = this.collection;
    const byDossier = new Map<string, FactEvent[]>();
    for (const { dossierCode, event } of events) {
      const list = byDossier.get(dossierCode);
      if (list) list.push(event);
      else byDossier.set(dossierCode, [event]);
    }
    const stored = new Map((await collection.find({ _id: { $in: [...byDossier.keys()] } }).toArray()).map((document) => [document._id, document]));
    const changes: ChangeCount[] = [];
    const writes: AnyBulkWriteOperation<FactsDocument>[] = [];
    for (const [dossierCode, dossierEvents] of byDossier) {
      const document = stored.get(dossierCode);
      const before = document?.facts ?? emptyFacts(dossierCode);
      let after = before;
      for (const event of dossierEvents) {
        const next = foldEvent(after, event);
        changes.push(...changesOfFold(after, next, event));
        after = next;
      }
      if (after === before) continue;
      if (!document) writes.push({ insertOne: { document: documentOf(after, 1) } });
      else {
        writes.push({ updateOne: replacement(document, after) });
      }
    }
    if (writes.length > 0 && !(await allApplied(collection, writes))) {
      for (const { dossierCode, event } of events) {
        const { before, after } = await this.foldInto(collection, dossierCode, event);
        changes.push(...changesOfFold(before, after, event));
      }
    }
    await this.countersOf(collection).count(changes);
  }

  private async foldInto(collection: Collection<FactsDocument>, dossierCode: string, event: FactEvent): Promise<{ before: DossierFacts; after: DossierFacts }> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const stored = await collection.findOne({ _id: dossierCode });
      const before = stored?.facts ?? emptyFacts(dossierCode);
      const after = foldEvent(before, event);
      if (after === before) return { before, after };
      if (stored ? await replaced(collection, stored, after) : await insertedFirst(collection, after)) return { before, after };
    }
    throw new ConcurrentWriteError(`${dossierCode} kept changing concurrently`);
  }

  async candidates(fromMs: number, toMs: number, scope: ReportScope, agencyCodes?: readonly string[]): Promise<DossierFacts[]> {
    const filter: Filter<FactsDocument> = { complete: true, receivedAtMs: { $lte: toMs }, finishedAtMs: { $gte: fromMs } };
    if (scope.level) filter.level = scope.level;
    if (scope.agencyCode) filter.agencyCode = scope.agencyCode;
    if (agencyCodes) filter.agencyCode = scope.agencyCode ? { $in: agencyCodes.filter((code) => code === scope.agencyCode) } : { $in: [...agencyCodes] };
    if (scope.sectorCode) filter.sectorCode = scope.sectorCode;
    const documents = await this.collection.find(filter, { projection: { facts: 1 } }).toArray();
    return documents.map((document) => document.facts);
  }

  awaitingReceipt(): Promise<number> {
    return this.collection.countDocuments({ complete: false });
  }
}
