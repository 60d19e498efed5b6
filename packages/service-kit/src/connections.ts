import { connect, type NatsConnection } from "@nats-io/transport-node";
import mongoose, { type Connection } from "mongoose";

/** Connects to NATS; `url` may list several servers separated by commas (a cluster). */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(",").map((server) => server.trim()),
    name,
    maxReconnectAttempts: -1,
  });
}

/** Opens a dedicated mongoose connection (not the global one) to `dbName`. */
export async function connectStore(url: string, dbName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: 10_000,
    // Writes are acknowledged only once durable: journaled on a majority in a replica set.
    writeConcern: { w: "majority", j: true },
    autoIndex: true,
  });
  return connection.asPromise();
}
