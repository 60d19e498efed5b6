import { readFileSync } from "node:fs";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import mongoose, { type Connection } from "mongoose";
import type { BaseConfig } from "./config.js";

export type NatsAuth = Partial<Pick<BaseConfig, "NATS_USER" | "NATS_PASSWORD" | "NATS_CREDS" | "NATS_INBOX_PREFIX">>;

/**
 * Connects to NATS as the service's own user; `url` may list several servers separated by commas
 * (a cluster). Replies come to the user's private inbox prefix (default `_INBOX_<user>`), the
 * only one its permissions let it read.
 */
export function connectNats(url: string, name: string, auth: NatsAuth = {}): Promise<NatsConnection> {
  return connect({
    servers: url.split(",").map((server) => server.trim()),
    name,
    maxReconnectAttempts: -1,
    inboxPrefix: auth.NATS_INBOX_PREFIX ?? `_INBOX_${auth.NATS_USER ?? name}`,
    ...(auth.NATS_USER ? { user: auth.NATS_USER } : {}),
    ...(auth.NATS_PASSWORD ? { pass: auth.NATS_PASSWORD } : {}),
    ...(auth.NATS_CREDS ? { authenticator: credsAuthenticator(readFileSync(auth.NATS_CREDS)) } : {}),
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
