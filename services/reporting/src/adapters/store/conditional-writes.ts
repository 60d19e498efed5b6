import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from "mongodb";

const DUPLICATE_KEY = 11000;

/**
 * Runs conditional updates and inserts unordered; true when every one applied: no update lost its
 * condition (a version, a revision), no insert met a document created meanwhile.
 */
export async function allApplied<T extends Document>(collection: Collection<T>, writes: AnyBulkWriteOperation<T>[]): Promise<boolean> {
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
