import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFerretDb, startNats, startObjectStore, startTestIssuer, type FerretDbServer, type NatsServer, type ObjectStoreServer, type TestIssuer } from "@onestop/devservers";
import type { TestProject } from "vitest/node";
import { mongoContainerRequested, startMongoContainer, type StartedStore } from "./mongo-container.js";
import type {} from "./provided.js";

/**
 * Starts one real nats-server and one FerretDB for the whole run, unless NATS_URL / MONGO_URL
 * point at servers already running (a real MongoDB replica set, a NATS cluster). With
 * ONESTOP_TESTCONTAINERS=mongodb the store is a MongoDB replica set in Docker instead of FerretDB.
 * Also starts a test OIDC issuer (discovery + JWKS) whose key test files sign tokens with, and the
 * S3-compatible object store (versitygw) unless S3_ENDPOINT names one (with S3_REGION,
 * S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY); each test file uses its own bucket.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), "onestop-test-"));
  const started: Array<NatsServer | FerretDbServer | StartedStore | TestIssuer | ObjectStoreServer> = [];
  try {
    const issuer = await startTestIssuer();
    started.push(issuer);
    project.provide("oidcIssuer", issuer.issuer);
    project.provide("oidcPrivateJwk", JSON.stringify(issuer.privateJwk));
    if (process.env.NATS_URL) {
      project.provide("natsUrl", process.env.NATS_URL);
      // An external server's users, as startNats writes them: { "<user>": { user, password, inboxPrefix } }.
      const credentialsFile = process.env.ONESTOP_NATS_CREDENTIALS;
      project.provide("natsCredentials", credentialsFile ? JSON.parse(readFileSync(credentialsFile, "utf8")) : {});
    } else {
      // Authorization on, as in production; "*": each test file names its own reporting durables.
      const nats = await startNats({ dir: join(dir, "nats"), profile: "fast", authorization: { reportingConsumer: "*" } });
      started.push(nats);
      project.provide("natsUrl", nats.url);
      project.provide("natsCredentials", nats.credentials ?? {});
      project.provide("natsMonitorUrl", nats.monitorUrl);
    }
    if (process.env.MONGO_URL) {
      project.provide("mongoUrl", process.env.MONGO_URL);
    } else if (mongoContainerRequested()) {
      const mongo = await startMongoContainer();
      started.push(mongo);
      project.provide("mongoUrl", mongo.url);
    } else {
      const ferret = await startFerretDb({ dir: join(dir, "ferretdb") });
      started.push(ferret);
      project.provide("mongoUrl", ferret.url);
    }
    if (process.env.S3_ENDPOINT) {
      project.provide("objectStore", {
        S3_ENDPOINT: process.env.S3_ENDPOINT,
        S3_REGION: process.env.S3_REGION ?? "us-east-1",
        S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID ?? "",
        S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY ?? "",
      });
    } else {
      const objects = await startObjectStore({ dir: join(dir, "s3") });
      started.push(objects);
      project.provide("objectStore", objects.settings);
      project.provide("objectStoreDir", objects.objectsDir);
    }
  } catch (error) {
    await Promise.all(started.map((server) => server.stop()));
    throw error;
  }
  return async () => {
    await Promise.all(started.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
}
