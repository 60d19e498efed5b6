#!/usr/bin/env node
// onestop-sector-sim: runs the reference sector systems against a NATS server.
//   NATS_URL=nats://127.0.0.1:4222 onestop-sector-sim --credentials .local/data/nats/credentials.json \
//     [--sectors sector-hotich,sector-cutru,sector-bhxh] [--delay-ms 500] [--refuse-share 0.1] \
//     [--duplicates] [--offline-after-ms 60000 --offline-for-ms 30000]
// Each sector connects as its own NATS user (its password from the credentials file, or
// NATS_USER / NATS_PASSWORD when one sector is named). Stops on SIGINT / SIGTERM.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { inboxPrefixOf, SECTOR_SYSTEMS, type SectorSystem } from "@onestop/contracts";
import { SectorSimulator } from "./simulator.js";

const { values } = parseArgs({
  options: {
    sectors: { type: "string", default: SECTOR_SYSTEMS.join(",") },
    credentials: { type: "string" },
    "delay-ms": { type: "string", default: "0" },
    "refuse-share": { type: "string", default: "0" },
    duplicates: { type: "boolean", default: false },
    "offline-after-ms": { type: "string" },
    "offline-for-ms": { type: "string" },
  },
});

const sectors = values.sectors.split(",").map((name) => name.trim()) as SectorSystem[];
for (const sector of sectors) if (!SECTOR_SYSTEMS.includes(sector)) fail(`unknown sector ${sector}; one of ${SECTOR_SYSTEMS.join(", ")}`);
const number = (name: string, value: string | undefined, max = Infinity) => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > max) fail(`--${name} must be a number from 0 to ${max}`);
  return parsed;
};
const behaviour = { delayMs: number("delay-ms", values["delay-ms"]), refuseShare: number("refuse-share", values["refuse-share"], 1), duplicateResults: values.duplicates };
const credentials = values.credentials ? (JSON.parse(readFileSync(values.credentials, "utf8")) as Record<string, { user: string; password: string }>) : {};

const simulators: SectorSimulator[] = [];
for (const sector of sectors) {
  const own = credentials[sector] ?? (process.env.NATS_USER && sectors.length === 1 ? { user: process.env.NATS_USER, password: process.env.NATS_PASSWORD ?? "" } : undefined);
  const nats = await connect({
    servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
    name: sector,
    inboxPrefix: inboxPrefixOf(own?.user ?? sector),
    ...(own ? { user: own.user, pass: own.password } : {}),
  });
  simulators.push(await SectorSimulator.start({ nats, sector, behaviour }));
  process.stdout.write(`${sector}: answering its steps (delay ${behaviour.delayMs} ms, refusing ${behaviour.refuseShare * 100}%${behaviour.duplicateResults ? ", results twice" : ""})\n`);
}

if (values["offline-after-ms"] !== undefined) {
  const after = number("offline-after-ms", values["offline-after-ms"]);
  const forMs = number("offline-for-ms", values["offline-for-ms"] ?? "30000");
  setTimeout(() => {
    process.stdout.write(`offline for ${forMs} ms\n`);
    for (const simulator of simulators) void simulator.goOffline(forMs);
  }, after).unref();
}

const stop = async () => {
  await Promise.all(simulators.map((simulator) => simulator.stop()));
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
