/**
 * Rebuilds as persisted: one document per rebuild in `rebuilds` (keyed by the rebuild's id), and
 * the latest one's id in `projection_meta` (`_id: "rebuild"`), so that everything is read by `_id`.
 *
 * A rebuild's document holds its progress (shown by the API), its checkpoint (the streams'
 * positions up to which every message is in records durably written, and the counters there), its
 * history, and its lease: `owner` (a token unique to the process running it), `ownerInstance` (the
 * instance's stable name) and `leaseUntilMs`. Every write by the runner is an update conditional on
 * `owner` being its token, so once another instance has taken the rebuild over, the previous
 * holder's writes match nothing and it stops. Taking over is one conditional update too
 * (`findOneAndUpdate` on `_id` + unfinished + lease expired, or + same instance), atomic on a single
 * document (MongoDB; FerretDB with the write-serialising patch), so two instances never both win.
 * Starting a rebuild claims the latest-id pointer with a compare-and-set on its previous value (or
 * an insert under the `_id` index the first time): two concurrent starts, one winner.
 *
 * The lease compares instance clocks (each writes its own now + lease): they are assumed to agree
 * within much less than the lease (30 s by default).
 */
import { MongoServerError, type Collection, type Db } from "mongodb";
import { isFinished, UNFINISHED_STATES, type Owner, type RebuildCheckpoint, type RebuildHistoryEntry, type RebuildProgress, type RebuildStates, type StoredRebuild } from "../../app/rebuild.js";

interface RebuildDocument {
  _id: string;
  progress: Omit<RebuildProgress, "history">;
  checkpoint: RebuildCheckpoint;
  attempt: number;
  history: RebuildHistoryEntry[];
  owner: string | null;
  ownerInstance: string | null;
  leaseUntilMs: number;
}

interface LatestPointer {
  _id: string;
  latest: string;
}

const POINTER_ID = "rebuild";
const DUPLICATE_KEY = 11000;

const withoutHistory = ({ history: _history, ...progress }: RebuildProgress): Omit<RebuildProgress, "history"> => progress;

const unowned = ({ owner: _owner, leaseUntil: _leaseUntil, ...progress }: RebuildProgress): RebuildProgress => progress;

function storedOf(document: RebuildDocument): StoredRebuild {
  return { progress: { ...document.progress, history: document.history }, checkpoint: document.checkpoint, attempt: document.attempt };
}

export class MongoRebuildStates implements RebuildStates {
  private readonly rebuilds: Collection<RebuildDocument>;
  private readonly meta: Collection<LatestPointer>;

  constructor(db: Db) {
    this.rebuilds = db.collection<RebuildDocument>("rebuilds");
    this.meta = db.collection<LatestPointer>("projection_meta");
  }

  async latest(): Promise<StoredRebuild | undefined> {
    const pointer = await this.meta.findOne({ _id: POINTER_ID });
    return pointer ? this.get(pointer.latest) : undefined;
  }

  async get(id: string): Promise<StoredRebuild | undefined> {
    const document = await this.rebuilds.findOne({ _id: id });
    return document ? storedOf(document) : undefined;
  }

  async create(rebuild: StoredRebuild, owner: Owner, leaseUntilMs: number): Promise<{ created: true } | { created: false; running: StoredRebuild | undefined }> {
    const pointer = await this.meta.findOne({ _id: POINTER_ID });
    if (pointer) {
      const latest = await this.get(pointer.latest);
      if (latest && !isFinished(latest.progress.state)) return { created: false, running: latest };
    }
    const id = rebuild.progress.id;
    await this.rebuilds.insertOne({
      _id: id,
      progress: withoutHistory(rebuild.progress),
      checkpoint: rebuild.checkpoint,
      attempt: rebuild.attempt,
      history: rebuild.progress.history,
      owner: owner.token,
      ownerInstance: owner.instance,
      leaseUntilMs,
    });
    let claimed: boolean;
    if (pointer) claimed = (await this.meta.updateOne({ _id: POINTER_ID, latest: pointer.latest }, { $set: { latest: id } })).matchedCount === 1;
    else {
      try {
        await this.meta.insertOne({ _id: POINTER_ID, latest: id });
        claimed = true;
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === DUPLICATE_KEY)) throw error;
        claimed = false;
      }
    }
    if (claimed) return { created: true };
    // Another start won the pointer: this one never was.
    await this.rebuilds.deleteOne({ _id: id });
    return { created: false, running: await this.latest() };
  }

  async takeOver(id: string, owner: Owner, nowMs: number, leaseUntilMs: number, entry: RebuildHistoryEntry): Promise<StoredRebuild | undefined> {
    const update = { $set: { owner: owner.token, ownerInstance: owner.instance, leaseUntilMs }, $inc: { attempt: 1 }, $push: { history: entry } };
    const unfinished = { "progress.state": { $in: [...UNFINISHED_STATES] } };
    // The same instance restarted (its process died holding the lease), or nobody renewed the lease in time.
    for (const filter of [
      { _id: id, ownerInstance: owner.instance, ...unfinished },
      { _id: id, leaseUntilMs: { $lt: nowMs }, ...unfinished },
    ]) {
      const document = await this.rebuilds.findOneAndUpdate(filter, update, { returnDocument: "after" });
      if (document) return storedOf(document);
    }
    return undefined;
  }

  async save(id: string, owner: Owner, changes: { progress: RebuildProgress; checkpoint?: RebuildCheckpoint; leaseUntilMs: number }, entry?: RebuildHistoryEntry): Promise<boolean> {
    const $set = { progress: withoutHistory(changes.progress), leaseUntilMs: changes.leaseUntilMs, ...(changes.checkpoint ? { checkpoint: changes.checkpoint } : {}) };
    const result = await this.rebuilds.updateOne({ _id: id, owner: owner.token }, { $set, ...(entry ? { $push: { history: entry } } : {}) });
    return result.matchedCount === 1;
  }

  async release(id: string, owner: Owner, progress: RebuildProgress, entry: RebuildHistoryEntry): Promise<void> {
    await this.rebuilds.updateOne(
      { _id: id, owner: owner.token },
      { $set: { progress: withoutHistory(unowned(progress)), owner: null, ownerInstance: null, leaseUntilMs: 0 }, $push: { history: entry } },
    );
  }
}
