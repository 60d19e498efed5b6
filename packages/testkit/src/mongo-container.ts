/**
 * Opt-in real MongoDB for the test run: with ONESTOP_TESTCONTAINERS=mongodb (and no MONGO_URL) the
 * global set-up starts a single-member MongoDB replica set in Docker through
 * @testcontainers/mongodb instead of FerretDB. Our machines have no Docker engine, so this path
 * runs only where one exists; the package is imported only when the variable asks for it.
 */

export interface StartedStore {
  /** Connection string without a database name. */
  url: string;
  stop(): Promise<void>;
}

const variable = "ONESTOP_TESTCONTAINERS";

/** Whether the run asked for a MongoDB container; an unknown value is an error, not a silent FerretDB run. */
export function mongoContainerRequested(): boolean {
  const value = process.env[variable];
  if (!value) return false;
  if (value === "mongodb") return true;
  throw new Error(`${variable}=${value} is not supported: the only value is "mongodb"`);
}

export async function startMongoContainer(): Promise<StartedStore> {
  const image = process.env.ONESTOP_MONGO_IMAGE ?? "mongo:7.0";
  const { MongoDBContainer } = await import("@testcontainers/mongodb");
  const container = await new MongoDBContainer(image).start().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${variable}=mongodb: could not start ${image} through testcontainers; it needs a running Docker ` +
        `engine (DOCKER_HOST or /var/run/docker.sock). Unset ${variable} to use FerretDB. Cause: ${reason}`,
      { cause: error },
    );
  });
  // The set's only member is announced under the container's host name, which this host cannot
  // resolve: talk to the mapped port directly instead of discovering the replica set.
  const url = `${container.getConnectionString()}/?directConnection=true`;
  return {
    url,
    stop: async () => {
      await container.stop();
    },
  };
}
