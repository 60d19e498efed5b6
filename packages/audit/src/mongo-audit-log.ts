/**
 * The audit chain in one MongoDB collection, using only what MongoDB (and FerretDB) promise:
 * single-document atomicity, the unique `_id` index, and cheap operations by `_id` (FerretDB on
 * SQLite pushes down `_id` equality and `$in` for string ids only, so every id here is a string).
 *
 * Documents:
 *   - record n: `_id` = n as 12 zero-padded digits ("000000000042"), then the record's fields;
 *   - the head: `_id: "head"`, `{ seq, hash, at }`, a hint of where the chain ends.
 *
 * One chain, whatever the number of writers. A writer appends record n + 1 by inserting it with
 * prevHash = record n's hash. The unique `_id` decides a race: the loser gets error 11000 (another
 * writer took seq n + 1), walks forward by `_id` to the new end and seals its entry again there.
 * So every seq is taken once and every record names the hash of the record that really precedes
 * it: no fork. A record n + 1 is inserted only by a writer that has seen record n stored (it
 * inserted it, read it, or read a head naming it, and a head names only stored records), so
 * records never leave a hole; a missing seq is a deletion.
 *
 * After inserting, the writer advances the head, conditionally (`seq < n`), so the head never moves
 * back. The head only tells the next writer (and the verifier) where to start: a writer that
 * crashes between the insert and the head's advance leaves a head behind the chain's end, and the
 * next writer's insert at head + 1 fails with 11000 and walks past the crashed writer's record.
 * A crash before the insert leaves nothing. Every state between two writes is thus one valid
 * chain and a head at or behind its end, which append and verify both accept.
 *
 * Cost: an uncontended append is two round trips (insert, head update), plus one head read for
 * an instance's first append; appendMany inserts up to 100 records in one ordered insertMany.
 * An append told that another follows at once (`headLater`) leaves the head to that one: during a
 * burst of appends each costs one write, and the head catches up with the burst's last append
 * (or `advanceHead()`), the state a crash between insert and head advance leaves anyway.
 * Appends of one instance run one after another; appends of several instances are serialised by
 * the seq race, so a lost race costs one lookahead read ($in of the next ids) and a retry.
 */
import type { Collection, Db } from "mongodb";
import { checkRecord, GENESIS, sealRecords, validateEntry, type AuditEntry, type AuditRecord, type BreakReason, type ChainPosition } from "./chain.js";

export type AppendStep = "record-inserted" | "head-advanced";

export interface MongoAuditLogOptions {
  /** Collection name; default "audit_log". */
  collection?: string;
  /** The clock stamped on records; default the system clock. */
  now?: () => Date;
  /**
   * Called after each step of an append with the records concerned; a test throws from it to
   * stop the append where a crash would (e.g. "record-inserted": inserted, head not advanced).
   */
  onStep?: (step: AppendStep, records: readonly AuditRecord[]) => void | Promise<void>;
}

export interface AppendOptions {
  /**
   * Asked once the records are inserted: true when another append follows at once, which then
   * advances the head past these records too (the head is only a hint of where the chain ends).
   */
  headLater?: () => boolean;
}

export interface VerifyProgress {
  /** Records verified so far. */
  verified: number;
  /** Records the chain held at least when the verification began (the head's seq then). */
  expected: number;
}

export interface VerifyOptions {
  onProgress?: (progress: VerifyProgress) => void;
  /** Records read per round trip; default 500. */
  batchSize?: number;
  /** Chain positions published earlier (head() at some time): each must still hold that hash. */
  anchors?: readonly ChainPosition[];
}

export type VerifyResult = { ok: true; count: number; head: ChainPosition } | { ok: false; firstBrokenSeq: number; reason: BreakReason; detail: string; verified: number };

export interface ChainHead extends ChainPosition {
  /** The last record's time, absent for an empty chain. */
  at?: string;
}

/** Any document of the collection: a record, the head, or something else put there. */
type StoredDocument = { _id: string } & Record<string, unknown>;

interface HeadDocument {
  _id: "head";
  seq: number;
  hash: string;
  at: string;
}

export const DEFAULT_COLLECTION = "audit_log";
export const HEAD_ID = "head";
const ID_DIGITS = 12;
const MAX_SEQ = 10 ** ID_DIGITS - 1;
const INSERT_BATCH = 100;
const LOOKAHEAD = 32;
const MAX_READ = 1_000;
const RECORD_ID = /^\d{12}$/;
/** How many times a verification follows appends made meanwhile before it stops at an end. */
const MAX_REGROWN = 20;

interface EndChecks {
  /** Holes found filled when looked at again (appends running during the verification). */
  regrown: number;
}

/** The `_id` of record `seq`. */
export function recordId(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQ) throw new RangeError(`audit log: seq ${seq} is out of range`);
  return String(seq).padStart(ID_DIGITS, "0");
}

function idsFrom(fromSeq: number, count: number): string[] {
  const ids: string[] = [];
  for (let seq = fromSeq; seq < fromSeq + count && seq <= MAX_SEQ; seq++) ids.push(recordId(seq));
  return ids;
}

function toRecord(doc: StoredDocument): AuditRecord {
  const { _id: _storeId, ...record } = doc;
  return record as unknown as AuditRecord;
}

function isDuplicateKey(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { code?: unknown; writeErrors?: unknown };
  if (e.code === 11000) return true;
  const writeErrors = Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : [];
  return writeErrors.some((w: { code?: unknown }) => w.code === 11000);
}

/** How many documents of an ordered insertMany went in before it failed. */
function insertedBeforeFailure(error: unknown, attempted: number): number {
  const e = error as { writeErrors?: unknown; index?: unknown; result?: { insertedCount?: unknown }; insertedCount?: unknown };
  const writeErrors = (Array.isArray(e.writeErrors) ? e.writeErrors : e.writeErrors ? [e.writeErrors] : []) as { index?: unknown }[];
  const indexes = writeErrors.map((w) => w.index).filter((i): i is number => typeof i === "number");
  if (indexes.length > 0) return Math.min(...indexes);
  if (typeof e.index === "number") return e.index;
  if (attempted === 1) return 0;
  throw new Error("audit log: an insert failed without saying which document", { cause: error });
}

export class MongoAuditLog {
  /** Where this instance last saw the chain end (its own last record, or what it walked to). */
  private position: ChainPosition | undefined;
  /** This instance's appends, one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last record inserted whose head advance was left to a later append. */
  private headBehind: AuditRecord[] | undefined;

  private constructor(
    readonly collection: Collection<StoredDocument>,
    private readonly now: () => Date,
    private readonly onStep: MongoAuditLogOptions["onStep"],
  ) {}

  /** Opens the log on a database; creates nothing (records are found by `_id` alone). */
  static async open(db: Db, options: MongoAuditLogOptions = {}): Promise<MongoAuditLog> {
    const collection = db.collection<StoredDocument>(options.collection ?? DEFAULT_COLLECTION);
    return new MongoAuditLog(collection, options.now ?? (() => new Date()), options.onStep);
  }

  /** Appends one entry; resolves with the sealed record once it is stored. */
  async append(entry: AuditEntry): Promise<AuditRecord> {
    const [record] = await this.appendMany([entry]);
    return record!;
  }

  /**
   * Appends entries as consecutive records (another writer's records may come between two chunks
   * of 100). Every entry is validated before anything is written. On failure part of the entries
   * may have been stored, each as a valid record.
   */
  appendMany(entries: readonly AuditEntry[], options: AppendOptions = {}): Promise<AuditRecord[]> {
    let valid: AuditEntry[];
    try {
      valid = entries.map((entry) => validateEntry(entry));
    } catch (error) {
      return Promise.reject(error);
    }
    const at = this.now().toISOString();
    const run = this.queue.then(() => this.appendValid(valid, at, options.headLater));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Advances the head past the records whose appends left it to a later one (see AppendOptions); nothing when none did. */
  advanceHead(): Promise<void> {
    const run = this.queue.then(async () => {
      const behind = this.headBehind;
      if (!behind) return;
      await this.moveHead(behind.at(-1)!);
      this.headBehind = undefined;
      await this.onStep?.("head-advanced", behind);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendValid(entries: readonly AuditEntry[], at: string, headLater?: () => boolean): Promise<AuditRecord[]> {
    const written: AuditRecord[] = [];
    let position = this.position ?? (await this.readHead()) ?? GENESIS;
    while (written.length < entries.length) {
      const chunk = entries.slice(written.length, written.length + INSERT_BATCH);
      const records = sealRecords(position, chunk, at);
      let inserted = records.length;
      let lostRace = false;
      try {
        await this.collection.insertMany(
          records.map((record) => ({ _id: recordId(record.seq), ...record })),
          { ordered: true },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        inserted = insertedBeforeFailure(error, records.length);
        lostRace = true;
      }
      if (inserted > 0) {
        const mine = records.slice(0, inserted);
        const last = mine[mine.length - 1]!;
        written.push(...mine);
        position = { seq: last.seq, hash: last.hash };
        this.position = position;
        await this.onStep?.("record-inserted", mine);
        if (headLater?.() && written.length === entries.length) {
          this.headBehind = [...(this.headBehind ?? []), ...mine];
        } else {
          await this.moveHead(last);
          const advanced = [...(this.headBehind ?? []), ...mine];
          this.headBehind = undefined;
          await this.onStep?.("head-advanced", advanced);
        }
      }
      if (lostRace) {
        position = await this.walkForward(position);
        this.position = position;
      }
    }
    return written;
  }

  /** Moves the head to `record` unless it already stands there or beyond. */
  private async moveHead(record: AuditRecord): Promise<void> {
    try {
      await this.collection.updateOne({ _id: HEAD_ID, seq: { $lt: record.seq } }, { $set: { seq: record.seq, hash: record.hash, at: record.at } }, { upsert: true });
    } catch (error) {
      // The head exists at or beyond this seq: the upsert's insert lost to it, as it should.
      if (!isDuplicateKey(error)) throw error;
    }
  }

  private async readHead(): Promise<ChainHead | undefined> {
    const head = (await this.collection.findOne({ _id: HEAD_ID })) as HeadDocument | null;
    if (!head || !Number.isSafeInteger(head.seq) || typeof head.hash !== "string") return undefined;
    return { seq: head.seq, hash: head.hash, at: head.at };
  }

  /** From a stored position to the chain's end, by lookahead reads of the next ids. */
  private async walkForward(from: ChainPosition): Promise<ChainHead> {
    let position: ChainHead = from;
    const head = await this.readHead();
    if (head && head.seq > position.seq) position = head;
    for (;;) {
      const next = await this.read(position.seq + 1, LOOKAHEAD);
      let advanced = 0;
      for (const record of next) {
        if (record.seq !== position.seq + 1) break;
        position = { seq: record.seq, hash: record.hash, at: record.at };
        advanced++;
      }
      if (advanced < LOOKAHEAD) return position;
    }
  }

  /** Where the chain ends now (seq 0 and the genesis hash when empty): what a service publishes. */
  async head(): Promise<ChainHead> {
    return this.walkForward(GENESIS);
  }

  /** The records stored at seqs fromSeq … fromSeq + limit - 1, in seq order (holes skipped). */
  async read(fromSeq: number, limit: number): Promise<AuditRecord[]> {
    const docs = await this.readDocuments(fromSeq, limit);
    return docs.map(toRecord).sort((a, b) => a.seq - b.seq);
  }

  private async readDocuments(fromSeq: number, limit: number): Promise<StoredDocument[]> {
    if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new RangeError(`audit log: fromSeq must be a positive integer, got ${fromSeq}`);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_READ) throw new RangeError(`audit log: limit must be 1 to ${MAX_READ}, got ${limit}`);
    const ids = idsFrom(fromSeq, limit);
    if (ids.length === 0) return [];
    return this.collection.find({ _id: { $in: ids } }).toArray();
  }

  /** The last `n` records, oldest first. */
  async tail(n = 20): Promise<AuditRecord[]> {
    const end = await this.head();
    if (end.seq === 0 || n < 1) return [];
    const from = Math.max(1, end.seq - Math.min(n, MAX_READ) + 1);
    return this.read(from, end.seq - from + 1);
  }

  /**
   * Walks the whole chain by `_id` and checks every record's hash, seq and link, the head and the
   * anchors given. Reports the first broken link. Appends may run meanwhile: the verification
   * covers the chain as far as it reaches.
   */
  async verify(options: VerifyOptions = {}): Promise<VerifyResult> {
    const batchSize = Math.min(Math.max(1, Math.trunc(options.batchSize ?? 500)), MAX_READ);
    const anchors = new Map<number, string>();
    for (const anchor of options.anchors ?? []) anchors.set(anchor.seq, anchor.hash);
    // Read before the walk: the head then names a record the walk must reach.
    const head = await this.readHead();
    const expected = head?.seq ?? 0;
    let prev: ChainPosition = GENESIS;
    const ends: EndChecks = { regrown: 0 };
    const broken = (seq: number, reason: BreakReason, detail: string): VerifyResult => ({ ok: false, firstBrokenSeq: seq, reason, detail, verified: prev.seq });

    for (;;) {
      const from = prev.seq + 1;
      const byId = new Map<string, StoredDocument>();
      for (const doc of await this.readDocuments(from, batchSize)) byId.set(String(doc._id), doc);
      for (let seq = from; seq < from + batchSize; seq++) {
        const doc = byId.get(recordId(seq));
        if (doc === undefined) {
          const end = await this.classifyHole(seq, head, byId, ends);
          if (end === "grown") break; // appended meanwhile: read on from here
          if (end !== "end") return broken(seq, end.reason, end.detail);
          for (const [anchorSeq, anchorHash] of anchors) {
            if (anchorSeq > prev.seq) return broken(prev.seq + 1, "missing", `anchor ${anchorSeq} (${anchorHash}) lies beyond the chain's end ${prev.seq}: records were deleted`);
          }
          options.onProgress?.({ verified: prev.seq, expected: Math.max(expected, prev.seq) });
          return { ok: true, count: prev.seq, head: prev };
        }
        const link = checkRecord(prev, seq, doc);
        if (link) return broken(link.seq, link.reason, link.detail);
        const hash = doc.hash as string;
        const anchored = anchors.get(seq);
        if (anchored !== undefined && anchored !== hash) return broken(seq, "anchor-mismatch", `record ${seq} has hash ${hash}, but ${anchored} was published for it`);
        if (head && head.seq === seq && head.hash !== hash) return broken(seq, "head-mismatch", `the head names hash ${head.hash} for record ${seq}, which has ${hash}`);
        prev = { seq, hash };
      }
      options.onProgress?.({ verified: prev.seq, expected: Math.max(expected, prev.seq) });
    }
  }

  /**
   * No record at `seq`: the chain's end, a record appended since the batch was read ("grown"),
   * or a deletion (a later record exists, or the head named a later one).
   */
  private async classifyHole(seq: number, head: ChainHead | undefined, batch: Map<string, StoredDocument>, ends: EndChecks): Promise<"end" | "grown" | { reason: BreakReason; detail: string }> {
    const deleted = { reason: "missing" as const, detail: `no record ${seq}, though later records exist: it was deleted` };
    if (head && seq <= head.seq) return { ...deleted, detail: `no record ${seq}, though the head names record ${head.seq}: it was deleted` };
    for (const id of batch.keys()) if (RECORD_ID.test(id) && Number(id) > seq) return deleted;
    // Appends running meanwhile: follow them a while, then stop where the final look begins.
    if (ends.regrown < MAX_REGROWN && (await this.exists(seq))) {
      ends.regrown++;
      return "grown";
    }
    // A last look over every id (the only scan, once per verification): a record beyond a hole
    // that neither the head nor the lookahead can see. No writer inserts past a missing seq, so
    // while `seq` stays missing, any record id beyond it was left by a deletion.
    const laterIds: number[] = [];
    for await (const doc of this.collection.find({}, { projection: { _id: 1 } })) {
      const id = String(doc._id);
      if (RECORD_ID.test(id) && Number(id) > seq) laterIds.push(Number(id));
    }
    // Filled meanwhile: `seq` was the chain's end, and the ids seen beyond it are appends made
    // during the look. The verification covers the chain up to seq - 1; the next one covers them.
    if (await this.exists(seq)) return "end";
    if (laterIds.length > 0) return { ...deleted, detail: `no record ${seq}, though record ${Math.min(...laterIds)} exists: it was deleted` };
    return "end";
  }

  private async exists(seq: number): Promise<boolean> {
    return (await this.collection.findOne({ _id: recordId(seq) }, { projection: { _id: 1 } })) !== null;
  }
}
