/**
 * Change counters: per deciding agency, how many folds touched its dossiers, by the month (UTC+7)
 * of the business time each fold changed. A stored tally remembers the counters' sum it was
 * computed from; a counter that moved since means the tally may be stale. Counting too much only
 * costs a recomputation, counting too little would serve a stale tally, so every fold counts,
 * duplicates included (a redelivery after a crash between the facts write and the count counts).
 *
 * Increments for one agency are group-committed: while one `$inc` is in flight, the next ones
 * accumulate and go in the following write, so a busy agency costs one write per round trip, not
 * one per event. One writer per document in a process also keeps FerretDB's read-then-write
 * updates from losing increments.
 */
import type { Collection, Db } from "mongodb";
import { localDateOf } from "@onestop/calendar";
import type { DossierFacts, FactEvent, Level } from "../../domain/index.js";

/** Records waiting for their receipt have no agency: their changes are counted under this id. */
export const AWAITING_RECEIPT = "~awaiting-receipt";

export interface ChangeCounterDocument {
  _id: string;
  level?: Level;
  /** "YYYY-MM" -> folds that changed a fact of that month. */
  months: Record<string, number>;
}

export interface ChangeCount {
  agencyCode: string;
  level?: Level;
  month: string;
  count?: number;
}

interface Batch {
  level: Level | undefined;
  months: Map<string, number>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

export class ChangeCounters {
  private readonly pending = new Map<string, Batch>();
  private readonly writing = new Set<string>();

  constructor(readonly collection: Collection<ChangeCounterDocument>) {}

  static forFacts(db: Db, factsCollection: string): ChangeCounters {
    return new ChangeCounters(db.collection<ChangeCounterDocument>(`${factsCollection}_changes`));
  }

  /** Resolves once a write containing these increments is acknowledged. */
  count(changes: readonly ChangeCount[]): Promise<void> {
    return Promise.all(changes.map((change) => this.countOne(change))).then(() => undefined);
  }

  private countOne({ agencyCode, level, month, count = 1 }: ChangeCount): Promise<void> {
    let batch = this.pending.get(agencyCode);
    if (!batch) this.pending.set(agencyCode, (batch = { level: undefined, months: new Map(), waiters: [] }));
    if (level) batch.level = level;
    batch.months.set(month, (batch.months.get(month) ?? 0) + count);
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (!this.writing.has(agencyCode)) void this.drain(agencyCode);
    return done;
  }

  private async drain(agencyCode: string): Promise<void> {
    this.writing.add(agencyCode);
    try {
      for (let batch = this.pending.get(agencyCode); batch; batch = this.pending.get(agencyCode)) {
        this.pending.delete(agencyCode);
        try {
          const increments = Object.fromEntries([...batch.months].map(([month, n]) => [`months.${month}`, n]));
          await this.collection.updateOne(
            { _id: agencyCode },
            { $inc: increments, ...(batch.level ? { $set: { level: batch.level } } : {}) },
            { upsert: true },
          );
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error);
        }
      }
    } finally {
      this.writing.delete(agencyCode);
    }
  }
}

const monthOf = (at: string) => localDateOf(at).slice(0, 7);

/**
 * What one fold changes: the agency's count in the month of the event's business time (a fact at
 * `t` changes the dossier's view from `t` on, so only periods ending at or after `t`), and the
 * awaiting-receipt count while the record is, or was until now, without its receipt.
 */
export function changesOfFold(before: DossierFacts, after: DossierFacts, event: FactEvent): ChangeCount[] {
  const changes: ChangeCount[] = [];
  if (after.receipt) {
    const at = event.kind === "RECEIVED" ? event.receipt.receivedAt : event.at;
    changes.push({ agencyCode: after.receipt.agencyCode, level: after.receipt.level, month: monthOf(at) });
  }
  if (!before.receipt || !after.receipt) changes.push({ agencyCode: AWAITING_RECEIPT, month: "all" });
  return changes;
}

/** What writing whole records (a rebuild) changes: each agency once per month of receipt, plus the records without a receipt. */
export function changesOfRecords(records: readonly DossierFacts[]): ChangeCount[] {
  const changes = new Map<string, ChangeCount>();
  for (const { receipt } of records) {
    const change = receipt
      ? { agencyCode: receipt.agencyCode, level: receipt.level, month: monthOf(receipt.receivedAt) }
      : { agencyCode: AWAITING_RECEIPT, month: "all" };
    const key = `${change.agencyCode}|${change.month}`;
    const seen = changes.get(key);
    if (seen) seen.count = (seen.count ?? 1) + 1;
    else changes.set(key, { ...change, count: 1 });
  }
  return [...changes.values()];
}
