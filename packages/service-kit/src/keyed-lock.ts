/**
 * Runs tasks for the same key one after another, tasks for different keys concurrently. FerretDB
 * applies a conditional update as read-then-write, so two writers of one document can interleave
 * and one write is lost; every writer of a document in a process takes the document's lock.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      // The last task of a key removes its entry so the map does not grow with every key seen.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
