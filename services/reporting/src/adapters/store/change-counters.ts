/**
 * Change counters: per deciding agency, how many folds touched its dossiers, by the month (UTC+7)
 * of the business time each fold changed. A stored tally remembers the counters' sum it was
 * computed from; a counter that moved since means the tally may be stale. Counting too much only
 * costs a recomputation, counting too little would serve a stale tally, so every fold counts,
 * duplicates included (a redelivery after a crash between the facts write and the count counts).
 *
 * All counters are one document, `$inc`-ed with every path at once: FerretDB rewrites a document
 * per update and scans the collection for it, so one small document is the cheap shape (a bulk
 * write of 200 agencies' updates took seconds). Increments are group-committed: while one write
 * is in flight, the next ones accumulate and go in the following one, so counting costs one write
 * per round trip, not one per event. One writer per process also keeps FerretDB's
 * read-then-write updates from losing increments.
 */
import type { Collection, Db } from "mongodb";
import { localDateOf } from "@onestop/calendar";
import type { AgencyChanges } from "../../app/ports.js";
import { agenciesOf, isComplete, type DossierFacts, type FactEvent, type Level } from "../../domain/index.js";

/** Records waiting for their receipt have no agency: their changes are counted under this id. */
export const AWAITING_RECEIPT = "~awaiting-receipt";
const COUNTERS_ID = "counters";

interface CountersDocument {
  _id: string;
  /**
   * Agency code (field-name escaped) -> the levels of the dossiers counted under it (a dossier
   * transferred from an agency of another level keeps its receipt's level) and "YYYY-MM" -> folds
   * that changed a fact of that month. `level` alone: written before `levels`, read as one level.
   */
  agencies?: Record<string, { level?: Level; levels?: Partial<Record<Level, boolean>>; months?: Record<string, number> }>;
}

/** Agency codes hold dots, which field names cannot: escaped like a URI component. */
const fieldOf = (agencyCode: string) => encodeURIComponent(agencyCode).replaceAll(".", "%2E");
const agencyOf = (field: string) => decodeURIComponent(field);

export interface ChangeCount {
  agencyCode: string;
  /** The level of the dossier counted (its receipt's). */
  level?: Level;
  month: string;
  count?: number;
}

interface Batch {
  increments: Map<string, number>;
  levels: Map<string, true>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

export class ChangeCounters {
  private next: Batch | undefined;
  private writing = false;

  constructor(readonly collection: Collection<CountersDocument>) {}

  static forFacts(db: Db, factsCollection: string): ChangeCounters {
    return new ChangeCounters(countersCollection(db, factsCollection));
  }

  /** Resolves once a write containing these increments is acknowledged. */
  count(changes: readonly ChangeCount[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    const batch: Batch = (this.next ??= { increments: new Map(), levels: new Map(), waiters: [] });
    for (const { agencyCode, level, month, count = 1 } of changes) {
      const path = `agencies.${fieldOf(agencyCode)}`;
      batch.increments.set(`${path}.months.${month}`, (batch.increments.get(`${path}.months.${month}`) ?? 0) + count);
      if (level) batch.levels.set(`${path}.levels.${level}`, true);
    }
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (!this.writing) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let batch = this.next; batch; batch = this.next) {
        this.next = undefined;
        try {
          const update = { $inc: Object.fromEntries(batch.increments), ...(batch.levels.size > 0 ? { $set: Object.fromEntries(batch.levels) } : {}) };
          await this.collection.updateOne({ _id: COUNTERS_ID }, update, { upsert: true });
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

export function countersCollection(db: Db, factsCollection: string): Collection<CountersDocument> {
  return db.collection<CountersDocument>(`${factsCollection}_changes`);
}

/** Every agency's counters, and the awaiting-receipt count apart. */
export async function readChangeCounters(collection: Collection<CountersDocument>): Promise<{ agencies: AgencyChanges[]; awaitingReceipt: number }> {
  const document = await collection.findOne({ _id: COUNTERS_ID });
  const agencies: AgencyChanges[] = [];
  let awaitingReceipt = 0;
  for (const [field, { level, levels = {}, months = {} }] of Object.entries(document?.agencies ?? {})) {
    const agencyCode = agencyOf(field);
    if (agencyCode === AWAITING_RECEIPT) awaitingReceipt = Object.values(months).reduce((sum, n) => sum + n, 0);
    else agencies.push({ agencyCode, levels: [...new Set([...(level ? [level] : []), ...(Object.keys(levels) as Level[])])], months });
  }
  return { agencies, awaitingReceipt };
}

const monthOf = (at: string) => localDateOf(at).slice(0, 7);

/**
 * What one fold changes: the count, in the month of the event's business time (a fact at `t`
 * changes the dossier's view from `t` on, so only periods ending at or after `t`), of every agency
 * that decided the dossier (the receipt's and each transfer's destination: the period's figures
 * credit one of them, and the event may move the dossier between them, as a transfer does), and
 * the awaiting-receipt count while the record is, or was until now, without its receipt. The
 * agencies of `after` include those of `before`: a fold only adds facts.
 */
export function changesOfFold(before: DossierFacts, after: DossierFacts, event: FactEvent): ChangeCount[] {
  const changes: ChangeCount[] = [];
  if (isComplete(after)) {
    const month = monthOf(event.kind === "RECEIVED" ? event.receipt.receivedAt : event.at);
    for (const agencyCode of agenciesOf(after)) changes.push({ agencyCode, level: after.receipt.level, month });
  }
  if (!before.receipt || !after.receipt) changes.push({ agencyCode: AWAITING_RECEIPT, month: "all" });
  return changes;
}

/**
 * What writing whole records (a rebuild) changes: every agency that decided a record (see
 * changesOfFold) once per month of receipt, plus the records without a receipt.
 */
export function changesOfRecords(records: readonly DossierFacts[]): ChangeCount[] {
  const changes = new Map<string, ChangeCount>();
  for (const record of records) {
    const changed: ChangeCount[] = isComplete(record)
      ? agenciesOf(record).map((agencyCode) => ({ agencyCode, level: record.receipt.level, month: monthOf(record.receipt.receivedAt) }))
      : [{ agencyCode: AWAITING_RECEIPT, month: "all" }];
    for (const change of changed) {
      const key = `${change.agencyCode}|${change.level ?? ""}|${change.month}`;
      const seen = changes.get(key);
      if (seen) seen.count = (seen.count ?? 1) + 1;
      else changes.set(key, { ...change, count: 1 });
    }
  }
  return [...changes.values()];
}
