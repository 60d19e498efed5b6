// Starts the local NATS and FerretDB on chosen ports (NATS_PORT, NATS_MONITOR_PORT, MONGO_PORT),
// waits for their health, prints the URLs, and stops them on Ctrl-C.
//   pnpm --filter @onestop/infra servers
import { portsFromEnv, startLocalServers, untilInterrupted } from "./local-servers.js";

const servers = await startLocalServers(portsFromEnv(process.env));
console.log(`NATS_URL=${servers.nats.url}   (monitoring ${servers.nats.monitorUrl})`);
console.log(`NATS users and passwords (NATS_USER / NATS_PASSWORD; "harness" for tools): .local/data/nats/credentials.json`);
console.log(`MONGO_URL=${servers.ferret.url}`);
console.log("Ctrl-C to stop.");
await untilInterrupted();
await servers.stop();
