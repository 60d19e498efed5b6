/**
 * The delayed-dossiers read model: every open dossier's summary (domain/delayed.ts), kept in
 * per-agency buckets so that one agency's list is a handful of `_id` reads, whatever the number
 * of dossiers (FerretDB indexes `_id` only; any other filter scans the collection).
 *
 * - `delayed_dossiers`: one record per dossier, `_id` = its code: the facts the summary is derived
 *   from (the dossier stream's lifecycle facts only), a version (writes are conditional on it) and
 *   every agency whose bucket may hold its summary.
 * - `delayed_buckets`: `_id` = `<agency>#<n>` (n < BUCKETS, from the dossier code): the summaries
 *   of the open dossiers that agency holds now, one field per dossier (its code in base64url, as a
 *   field name may not hold the code's dots). Each bucket change is a `$set` / `$unset` of single
 *   fields: one document's atomic update, commutative between dossiers.
 * - `delayed_agencies`: one document listing the agencies that ever had a bucket (the province-wide list reads them all).
 *
 * Exactly once without a ledger: a record keeps its events' ids and the fold ignores those. Every
 * delivery of a batch re-derives the buckets of all its dossiers from their records, so a crash
 * between the record's write and the bucket's is healed by the redelivery; after writing the
 * buckets the versions are read again, and a dossier that another writer changed meanwhile is
 * synced again (the later write then wins, whatever order the two bucket writes took).
 */
import { createHash } from "node:crypto";
import type { AnyBulkWriteOperation, Collection, Db } from "mongodb";
import { agenciesHeld, type WorkingCalendar } from "@onestop/calendar";
import { emptyFacts, foldEvent, openDossierOf, clockAt, type DossierFacts, type FactEvent, type OpenDossier } from "../../domain/index.js";
import type { DossierEvent, FactsStore } from "../../app/ports.js";
import { allApplied } from "./conditional-writes.js";

/** Buckets per agency: a list reads this many documents; a bucket holds about 1/BUCKETS of the agency's open dossiers. */
export const BUCKETS = 8;
const MAX_ATTEMPTS = 32;

/** The facts the summary needs: the receipt and what moves the clock or the holder. */
const KEPT_KINDS: ReadonlySet<FactEvent["kind"]> = new Set([
  "RECEIVED",
  "SUPPLEMENT_REQUESTED",
  "SUPPLEMENT_RECEIVED",
  "PAUSED",
  "RESUMED",
  "DEADLINE_EXTENDED",
  "TRANSFERRED",
  "RESOLVED",
  "REFUSED",
  "WITHDRAWN",
  "CLOSED",
]);

interface DelayedRecord {
  _id: string;
  factsJson: string;
  version: number;
  /** Every agency whose bucket may hold the summary (all that held the dossier). */
  agencies: string[];
}

type StoredSummary = OpenDossier & { v: number };

interface Bucket {
  _id: string;
  entries?: Record<string, StoredSummary>;
}

interface AgencyList {
  _id: string;
  codes: string[];
}

export type DelayedStep = "records-written" | "buckets-written";

export const fieldOf = (dossierCode: string) => Buffer.from(dossierCode).toString("base64url");

export function bucketOf(agencyCode: string, dossierCode: string): string {
  const n = createHash("sha1").update(dossierCode).digest().readUInt32BE(0) % BUCKETS;
  return `${agencyCode}#${n}`;
}

export const bucketsOfAgency = (agencyCode: string) => Array.from({ length: BUCKETS }, (_, n) => `${agencyCode}#${n}`);

export class MongoDelayedStore {
  private constructor(
    private readonly records: Collection<DelayedRecord>,
    private readonly buckets: Collection<Bucket>,
    private readonly agencies: Collection<AgencyList>,
    private readonly calendar: WorkingCalendar,
    private readonly prefix: string,
    private readonly onStep?: (step: DelayedStep) => void,
  ) {}

  /** `onStep`: called after each step of a batch; a test throws there to crash between steps. */
  static open(db: Db, calendar: WorkingCalendar, options: { prefix?: string; onStep?: (step: DelayedStep) => void } = {}): MongoDelayedStore {
    const prefix = options.prefix ?? "delayed";
    return new MongoDelayedStore(db.collection(`${prefix}_dossiers`), db.collection(`${prefix}_buckets`), db.collection(`${prefix}_agencies`), calendar, prefix, options.onStep);
  }

  /** Folds a batch of events (any stream; the dossier stream's lifecycle facts are kept) and brings the buckets of its dossiers up to date. */
  async applyBatch(events: readonly DossierEvent[]): Promise<void> {
    const byDossier = new Map<string, FactEvent[]>();
    for (const { dossierCode, event } of events) {
      if (!KEPT_KINDS.has(event.kind)) continue;
      const list = byDossier.get(dossierCode);
      if (list) list.push(event);
      else byDossier.set(dossierCode, [event]);
    }
    if (byDossier.size === 0) return;
    const { records, created } = await this.fold(byDossier);
    this.onStep?.("records-written");
    await this.sync(records, created);
  }

  /**
   * Writes each dossier's record with its events; returns every record of the batch as it now
   * stands, and those this batch created (never in a bucket before).
   */
  private async fold(byDossier: Map<string, FactEvent[]>): Promise<{ records: Map<string, DelayedRecord>; created: Set<string> }> {
    const result = new Map<string, DelayedRecord>();
    const created = new Set<string>();
    let pending = [...byDossier.keys()];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) throw new Error(`delayed: ${pending[0]} kept changing concurrently`);
      const stored = new Map((await this.records.find({ _id: { $in: pending } }).toArray()).map((record) => [record._id, record]));
      const writes: AnyBulkWriteOperation<DelayedRecord>[] = [];
      const planned: DelayedRecord[] = [];
      for (const code of pending) {
        const before = stored.get(code);
        const facts = before ? (JSON.parse(before.factsJson) as DossierFacts) : emptyFacts(code);
        let after = facts;
        for (const event of byDossier.get(code)!) after = foldEvent(after, event);
        if (after === facts && before) {
          result.set(code, before);
          continue;
        }
        const record: DelayedRecord = { _id: code, factsJson: JSON.stringify(after), version: (before?.version ?? 0) + 1, agencies: agenciesOfFacts(after, before?.agencies ?? []) };
        planned.push(record);
        writes.push(
          before
            ? { updateOne: { filter: { _id: code, version: before.version }, update: { $set: { factsJson: record.factsJson, version: record.version, agencies: record.agencies } } } }
            : { insertOne: { document: record } },
        );
      }
      if (writes.length === 0) break;
      const won = (record: DelayedRecord) => {
        result.set(record._id, record);
        if (record.version === 1) created.add(record._id);
      };
      if (await allApplied(this.records, writes)) {
        planned.forEach(won);
        break;
      }
      // Some lost their race: keep the winners (their version is ours), fold the others again.
      const now = new Map((await this.records.find({ _id: { $in: planned.map((r) => r._id) } }, { projection: { version: 1, factsJson: 1 } }).toArray()).map((r) => [r._id, r]));
      pending = [];
      for (const record of planned) {
        if (now.get(record._id)?.factsJson === record.factsJson && now.get(record._id)?.version === record.version) won(record);
        else pending.push(record._id);
      }
    }
    return { records: result, created };
  }

  /** Brings the buckets in line with the records; again for those another writer changed meanwhile. */
  private async sync(records: Map<string, DelayedRecord>, created: Set<string>): Promise<void> {
    let current = records;
    for (let attempt = 0; current.size > 0; attempt++) {
      if (attempt === MAX_ATTEMPTS) throw new Error("delayed: buckets kept changing concurrently");
      await this.writeBuckets([...current.values()], attempt === 0 ? created : new Set());
      const versions = await this.records.find({ _id: { $in: [...current.keys()] } }, { projection: { version: 1 } }).toArray();
      const changed = versions.filter((record) => record.version !== current.get(record._id)?.version).map((record) => record._id);
      current = changed.length ? new Map((await this.records.find({ _id: { $in: changed } }).toArray()).map((record) => [record._id, record])) : new Map();
    }
  }

  /** `created`: records this batch created; those not open have no summary to remove anywhere. */
  private async writeBuckets(records: DelayedRecord[], created: Set<string>): Promise<void> {
    const updates = new Map<string, { $set: Record<string, StoredSummary>; $unset: Record<string, ""> }>();
    const change = (bucket: string) => {
      let update = updates.get(bucket);
      if (!update) updates.set(bucket, (update = { $set: {}, $unset: {} }));
      return update;
    };
    const holders = new Set<string>();
    for (const record of records) {
      const summary = openDossierOf(JSON.parse(record.factsJson) as DossierFacts, this.calendar);
      if (!summary && created.has(record._id)) continue;
      const field = `entries.${fieldOf(record._id)}`;
      for (const agency of record.agencies) {
        if (summary && summary.agencyCode === agency) {
          change(bucketOf(agency, record._id)).$set[field] = { ...summary, v: record.version };
          holders.add(agency);
        } else change(bucketOf(agency, record._id)).$unset[field] = "";
      }
    }
    const writes: AnyBulkWriteOperation<Bucket>[] = [...updates].map(([_id, { $set, $unset }]) => ({
      updateOne: {
        filter: { _id },
        update: { ...(Object.keys($set).length ? { $set } : {}), ...(Object.keys($unset).length ? { $unset } : {}) },
        upsert: true,
      },
    }));
    if (writes.length > 0) await this.buckets.bulkWrite(writes, { ordered: false });
    this.onStep?.("buckets-written");
    if (holders.size > 0) await this.agencies.updateOne({ _id: "agencies" }, { $addToSet: { codes: { $each: [...holders] } } }, { upsert: true });
  }

  /** The open dossiers held by `agencyCode`, or by every agency when absent: BUCKETS `_id` reads per agency. */
  async openDossiers(agencyCode?: string): Promise<OpenDossier[]> {
    const agencies = agencyCode ? [agencyCode] : ((await this.agencies.findOne({ _id: "agencies" }))?.codes ?? []);
    if (agencies.length === 0) return [];
    const buckets = await this.buckets.find({ _id: { $in: agencies.flatMap(bucketsOfAgency) } }).toArray();
    const open: OpenDossier[] = [];
    for (const bucket of buckets) for (const { v: _v, ...summary } of Object.values(bucket.entries ?? {})) open.push(summary);
    return open;
  }

  /** Empties the read model (tests, a rebuild from the streams). */
  async clear(): Promise<void> {
    await Promise.all([this.records.deleteMany({}), this.buckets.deleteMany({}), this.agencies.deleteMany({})]);
  }

  get collections(): string[] {
    return [`${this.prefix}_dossiers`, `${this.prefix}_buckets`, `${this.prefix}_agencies`];
  }
}

/** Every agency that held the dossier (the receipt's and each transfer's destination), with those already recorded. */
function agenciesOfFacts(facts: DossierFacts, known: readonly string[]): string[] {
  const held = facts.receipt ? agenciesHeld(clockAt({ ...facts, receipt: facts.receipt })) : [];
  return [...new Set([...known, ...held])];
}

/**
 * The facts store as the consumers see it, each batch also folded into the delayed read model
 * (both at once; both are idempotent, so a failure of either redelivers the batch to both).
 */
export function alsoFoldingDelayed(store: FactsStore, delayed: MongoDelayedStore): FactsStore {
  return {
    apply: (dossierCode, event) => store.apply(dossierCode, event),
    candidates: (fromMs, toMs, scope) => store.candidates(fromMs, toMs, scope),
    applyBatch: async (events) => void (await Promise.all([store.applyBatch(events), delayed.applyBatch(events)])),
  };
}
