import type { AnyBulkWriteOperation, Collection, Db, Filter, UpdateFilter } from "mongodb";
import { defaultCalendar, type WorkingCalendar } from "@onestop/calendar";
import {
  agenciesOf,
  ContributionSum,
  contributionsOf,
  emptyFacts,
  finishedAt,
  foldEvent,
  parseSeries,
  talliesFingerprint,
  tallyDeltas,
  type DossierFacts,
  type FactEvent,
  type PeriodSeries,
  type ReportScope,
  type TallyDelta,
} from "../../domain/index.js";
import type { DossierEvent } from "../../app/ports.js";
import type { RebuildableFactsStore, RebuildTarget } from "../../app/rebuild.js";
import { allApplied } from "./conditional-writes.js";
import { KeptTallies } from "./kept-tallies.js";
import { rebuildTarget } from "./rebuild-target.js";
import { newId, TallyJournal, type JournalEntry, type JournalStep, type JournalTiming } from "./tally-journal.js";

/** One document per dossier: its facts plus the fields reports select on. */
export interface FactsDocument {
  _id: string;
  /**
   * The facts as JSON text (see factsJsonOf): FerretDB decodes and encodes a document field by
   * field, so one string costs it far less to read and write than the same facts as fields.
   */
  factsJson: string;
  /** The facts as fields, as written before `factsJson`: read when `factsJson` is absent. */
  facts?: DossierFacts;
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
  /** The write that made this version: tells a writer whether its conditional write won. */
  writeId?: string;
  /** The journal of the batch that made this version: while it exists, its tally change may not be applied yet (see tally-journal.ts). */
  journal?: string;
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

/** One agency as a plain value (the common case, as stored before transfers counted), several as an array. */
const agencyField = (agencies: string[]): string | string[] => (agencies.length === 1 ? agencies[0]! : agencies);

/** The facts as text, keys always in the same order: equal facts give equal text, however they were folded. */
export function factsJsonOf(facts: DossierFacts): string {
  return JSON.stringify({ dossierCode: facts.dossierCode, ...(facts.receipt ? { receipt: facts.receipt } : {}), events: facts.events });
}

/** A stored record's facts. */
export function factsOf(document: Pick<FactsDocument, "factsJson" | "facts">): DossierFacts {
  return document.factsJson !== undefined ? (JSON.parse(document.factsJson) as DossierFacts) : document.facts!;
}

/** The fields a record's write sets, and the old layout's field it drops. */
export function replacementOf(facts: DossierFacts, version: number, writeId?: string, journal?: string) {
  const { _id, ...fields } = documentOf(facts, version, writeId, journal);
  const update: UpdateFilter<FactsDocument> = { $set: fields, $unset: { facts: "" as const } };
  return { _id, update };
}

export function documentOf(facts: DossierFacts, version: number, writeId?: string, journal?: string): FactsDocument {
  const finished = finishedAt(facts);
  const receipt = facts.receipt;
  return {
    _id: facts.dossierCode,
    factsJson: factsJsonOf(facts),
    version,
    complete: receipt !== undefined,
    ...(receipt ? { agencyCode: agencyField(agenciesOf({ ...facts, receipt })), level: receipt.level, sectorCode: receipt.sectorCode, receivedAtMs: Date.parse(receipt.receivedAt) } : {}),
    finishedAtMs: finished ? Date.parse(finished) : OPEN,
    ...(writeId ? { writeId } : {}),
    ...(journal ? { journal } : {}),
  };
}

export interface FactsStoreOptions {
  /** The periods whose tallies are kept (default: months, quarters, half-years and years, calendar cut). */
  series?: readonly PeriodSeries[];
  calendar?: WorkingCalendar;
  timing?: JournalTiming;
  /** Called after each step of the tally protocol: a test throws there to crash between steps. */
  onStep?: (step: JournalStep) => void;
}

interface Planned {
  dossierCode: string;
  document: FactsDocument | undefined;
  after: DossierFacts;
  writeId: string;
  deltas: TallyDelta[];
}

/** Business time of an event: the facts it can change are those of periods ending at or after it. */
const businessMs = (event: FactEvent) => Date.parse(event.kind === "RECEIVED" ? event.receipt.receivedAt : event.at);

function byDossierOf(events: readonly DossierEvent[]): Map<string, FactEvent[]> {
  const byDossier = new Map<string, FactEvent[]>();
  for (const { dossierCode, event } of events) {
    const list = byDossier.get(dossierCode);
    if (list) list.push(event);
    else byDossier.set(dossierCode, [event]);
  }
  return byDossier;
}

/**
 * Every write of a record is conditional on the version read (optimistic concurrency): when
 * another writer — a consumer of another stream, a second delivery, a rebuild's catch-up, another
 * instance — changed the record meanwhile, nothing is written and the record is read and folded
 * again. The fold is order-free and ignores event ids it holds, so the retry gives the same record
 * as any serial order. Each batch's tally change goes through a journal, completed before the
 * fold returns (see tally-journal.ts), so the kept tallies are current when the events are acknowledged.
 */
export class MongoFactsStore implements RebuildableFactsStore {
  private readonly tallies = new Map<string, KeptTallies>();
  readonly series: readonly PeriodSeries[];
  private readonly calendar: WorkingCalendar;
  private readonly journals = new Map<string, TallyJournal>();

  private constructor(
    private readonly db: Db,
    private collection: Collection<FactsDocument>,
    options: FactsStoreOptions,
  ) {
    this.series = options.series ?? parseSeries("1,3,6,12", 1);
    this.calendar = options.calendar ?? defaultCalendar;
    this.options = options;
  }

  private readonly options: FactsStoreOptions;

  /** The tally journal of a facts collection. */
  private journalOf(name: string): TallyJournal {
    let journal = this.journals.get(name);
    if (!journal) this.journals.set(name, (journal = TallyJournal.forFacts(this.db, name, this.options.timing, this.options.onStep)));
    return journal;
  }

  /** The kept tallies of a facts collection. */
  talliesOf(name = this.collection.collectionName): KeptTallies {
    let tallies = this.tallies.get(name);
    if (!tallies) this.tallies.set(name, (tallies = KeptTallies.forFacts(this.db, name)));
    return tallies;
  }

  /**
   * Opens the active collection ("dossier_facts", or the one the last rebuild switched to) and
   * derives its tallies again if they were kept for other periods or by another version (see
   * deriveTallies): before any fold, so no consumer may run yet.
   */
  static async open(db: Db, options: FactsStoreOptions = {}): Promise<MongoFactsStore> {
    const meta = await db.collection<ProjectionMeta>(META).findOne({ _id: BASE_NAME });
    const collection = await prepared(db, meta?.active ?? BASE_NAME);
    const store = new MongoFactsStore(db, collection, options);
    if ((await store.talliesOf().fingerprint()) !== store.fingerprint) await store.deriveTallies(collection);
    return store;
  }

  get fingerprint(): string {
    return talliesFingerprint(this.series);
  }

  get activeCollection(): string {
    return this.collection.collectionName;
  }

  /**
   * The tallies from scratch (or `summed`, the sum a rebuild kept while writing the records): every
   * record's contributions added up, then written in place of the
   * old ones, the fingerprint last (a crash before it means derive again). Open journals are
   * dropped first: the records' facts, which the sum reads, already hold their changes.
   * Reads the whole collection: for a rebuild, an upgrade, a check.
   */
  async deriveTallies(collection: Collection<FactsDocument>, summed?: ContributionSum): Promise<void> {
    let sum = summed;
    if (!sum) {
      sum = this.newSum();
      for await (const document of collection.find({}, { projection: { factsJson: 1, facts: 1 } })) sum.add(factsOf(document));
    }
    const tallies = this.talliesOf(collection.collectionName);
    await tallies.collection.deleteMany({});
    await this.journalOf(collection.collectionName).clear();
    await tallies.replaceAll(sum.tallies, this.fingerprint);
  }

  private newSum(): ContributionSum {
    return new ContributionSum({ series: this.series, calendar: this.calendar });
  }

  /** A new collection for a rebuild (`dossier_facts_v<ms>`), or with `name` the one an unfinished rebuild was writing; see rebuild-target.ts. */
  async createRebuildTarget(name = `${BASE_NAME}_v${Date.now()}`): Promise<RebuildTarget> {
    const collection = await prepared(this.db, name);
    return rebuildTarget(collection, {
      newSum: () => this.newSum(),
      deriveTallies: (sum) => this.deriveTallies(collection, sum),
      apply: async (dossierCode, event) => (await this.applyTo(collection, [{ dossierCode, event }])).size > 0,
    });
  }

  async switchTo(target: RebuildTarget): Promise<void> {
    await this.db.collection<ProjectionMeta>(META).updateOne({ _id: BASE_NAME }, { $set: { active: target.name, switchedAt: new Date() } }, { upsert: true });
    this.collection = this.db.collection<FactsDocument>(target.name);
  }

  async apply(dossierCode: string, event: FactEvent): Promise<boolean> {
    return (await this.applyTo(this.collection, [{ dossierCode, event }])).size > 0;
  }

  /**
   * Folds a batch: the records it touches are read in one query (`_id: {$in}`), each is folded in
   * memory with all of its events and written once, in one bulk write, each write conditional on the
   * version read (an insert for a new record, refused by the `_id` if another writer created it)
   * and naming the batch's journal; then their tally changes are applied (tally-journal.ts). Records whose
   * write lost its race are read and folded again; the fold ignores the event ids a record holds.
   */
  async applyBatch(events: readonly DossierEvent[]): Promise<void> {
    await this.applyTo(this.collection, events);
  }

  /** Returns the dossiers whose record changed. */
  private async applyTo(collection: Collection<FactsDocument>, events: readonly DossierEvent[]): Promise<Set<string>> {
    const tallies = this.talliesOf(collection.collectionName);
    const journal = this.journalOf(collection.collectionName);
    const byDossier = byDossierOf(events);
    const changed = new Set<string>();
    let unwritten = [...byDossier.keys()];
    for (let attempt = 0; unwritten.length > 0; attempt++) {
      if (attempt === MAX_WRITE_ATTEMPTS) throw new ConcurrentWriteError(`${unwritten[0]} kept changing concurrently`);
      const stored = await journal.settled(collection, tallies, unwritten);
      const plans = unwritten.flatMap((dossierCode) => this.plan(dossierCode, stored.get(dossierCode), byDossier.get(dossierCode)!) ?? []);
      if (plans.length === 0) break;
      const id = newId();
      const entries: JournalEntry[] = plans.map(({ dossierCode, writeId, deltas }) => ({ dossierCode, writeId, deltas }));
      const won = await journal.run(collection, tallies, id, entries, async () => {
        const winners = await this.written(collection, plans, id);
        return entries.filter((entry) => winners.has(entry.dossierCode));
      });
      for (const entry of won) changed.add(entry.dossierCode);
      unwritten = plans.filter((plan) => !changed.has(plan.dossierCode)).map((plan) => plan.dossierCode);
    }
    return changed;
  }

  /** The record after the events, and its tally change; undefined when the events change nothing. */
  private plan(dossierCode: string, document: FactsDocument | undefined, events: readonly FactEvent[]): Planned | undefined {
    const before = document ? factsOf(document) : emptyFacts(dossierCode);
    let after = before;
    let sinceMs = Infinity;
    for (const event of events) {
      const next = foldEvent(after, event);
      if (next !== after) sinceMs = Math.min(sinceMs, businessMs(event));
      after = next;
    }
    if (after === before) return undefined;
    const options = { series: this.series, calendar: this.calendar, sinceMs };
    // A record not stored yet counts nowhere (not even as awaiting its receipt).
    const deltas = tallyDeltas(contributionsOf(after, options), document ? contributionsOf(before, options) : new Map());
    return { dossierCode, document, after, writeId: newId(), deltas };
  }

  /** Writes the planned records, each conditional on the version read and naming the batch's journal; returns the dossiers whose write won. */
  private async written(collection: Collection<FactsDocument>, plans: readonly Planned[], journal: string): Promise<Set<string>> {
    const writes: AnyBulkWriteOperation<FactsDocument>[] = plans.map(({ document, after, writeId }) => {
      if (!document) return { insertOne: { document: documentOf(after, 1, writeId, journal) } };
      const { _id, update } = replacementOf(after, document.version + 1, writeId, journal);
      return { updateOne: { filter: { _id, version: document.version }, update } };
    });
    if (await allApplied(collection, writes)) return new Set(plans.map((plan) => plan.dossierCode));
    const now = new Map((await collection.find({ _id: { $in: plans.map((plan) => plan.dossierCode) } }, { projection: { writeId: 1 } }).toArray()).map((document) => [document._id, document.writeId]));
    return new Set(plans.filter((plan) => now.get(plan.dossierCode) === plan.writeId).map((plan) => plan.dossierCode));
  }

  async candidates(fromMs: number, toMs: number, scope: ReportScope): Promise<DossierFacts[]> {
    const filter: Filter<FactsDocument> = { complete: true, receivedAtMs: { $lte: toMs }, finishedAtMs: { $gte: fromMs } };
    if (scope.level) filter.level = scope.level;
    if (scope.agencyCode) filter.agencyCode = scope.agencyCode;
    if (scope.sectorCode) filter.sectorCode = scope.sectorCode;
    const documents = await this.collection.find(filter, { projection: { factsJson: 1, facts: 1 } }).toArray();
    return documents.map(factsOf);
  }
}
