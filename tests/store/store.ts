import { MongoClient, MongoServerError, type Collection, type Db, type Document } from "mongodb";
import { testEnv, uniqueName } from "@onestop/testkit";

/**
 * Two independent clients on this file's database, as two replicas of a service would be:
 * separate connection pools, so their operations really overlap on the server.
 */
export interface TwoClients {
  /** A fresh collection, seen through each client. */
  collection<T extends Document>(label: string): [Collection<T>, Collection<T>];
  /** Drops this file's database and closes both clients. */
  close(): Promise<void>;
}

export async function connectTwoClients(): Promise<TwoClients> {
  const env = testEnv();
  // Large pools so that hundreds of concurrent operations reach the server at once.
  const clients = [await MongoClient.connect(env.mongoUrl, { maxPoolSize: 64 }), await MongoClient.connect(env.mongoUrl, { maxPoolSize: 64 })] as const;
  const dbs: [Db, Db] = [clients[0].db(env.dbName), clients[1].db(env.dbName)];
  return {
    collection<T extends Document>(label: string): [Collection<T>, Collection<T>] {
      const name = uniqueName(label);
      return [dbs[0].collection<T>(name), dbs[1].collection<T>(name)];
    },
    async close() {
      try {
        // Bounded, so that a wedged server fails the hook instead of holding it for minutes.
        await within(15_000, dbs[0].dropDatabase(), "dropping the test database");
      } finally {
        await Promise.all(clients.map((client) => client.close(true)));
      }
    },
  };
}

/** Rejects when `promise` has not settled after `ms`: a wedged server must fail the test, not hang it. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/** 0, 1, …, n − 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
