#!/usr/bin/env node
// onestop-sector-sim: runs the reference sector systems against a NATS server (and lienthong's webhooks).
//   NATS_URL=nats://127.0.0.1:4222 onestop-sector-sim --credentials .local/data/nats/credentials.json \
//     [--sectors sector-hotich,sector-cutru,sector-bhxh] [--delay-ms 500] [--refuse-share 0.1] \
//     [--duplicates] [--offline-after-ms 60000 --offline-for-ms 30000] \
//     [--webhook sector-bhxh=9101 --lienthong-url http://127.0.0.1:8082]   (secret from WEBHOOK_SECRET_SECTOR_BHXH)
// Each NATS sector connects as its own NATS user (its password from the credentials file, or
// NATS_USER / NATS_PASSWORD when one sector is named). Stops on SIGINT / SIGTERM.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SECTOR_SYSTEMS, type SectorSystem } from "@onestop/contracts";
import { startSectorSimulators } from "./start.js";

const { values } = parseArgs({
  options: {
    sectors: { type: "string", default: SECTOR_SYSTEMS.join(",") },
    credentials: { type: "string" },
    "delay-ms": { type: "string", default: "0" },
    "refuse-share": { type: "string", default: "0" },
    duplicates: { type: "boolean", default: false },
    "offline-after-ms": { type: "string" },
    "offline-for-ms": { type: "string" },
    webhook: { type: "string", multiple: true, default: [] },
    "lienthong-url": { type: "string", default: "http://127.0.0.1:8082" },
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
if (sectors.length === 1 && !credentials[sectors[0]!] && process.env.NATS_USER) credentials[sectors[0]!] = { user: process.env.NATS_USER, password: process.env.NATS_PASSWORD ?? "" };

const webhooks: Partial<Record<SectorSystem, { secret: string; port: number }>> = {};
for (const spec of values.webhook) {
  const [sector, port] = spec.split("=") as [SectorSystem, string | undefined];
  if (!sectors.includes(sector)) fail(`--webhook ${spec}: ${sector} is not among --sectors`);
  const variable = `WEBHOOK_SECRET_${sector.toUpperCase().replaceAll("-", "_")}`;
  const secret = process.env[variable];
  if (!secret || secret.length < 32) fail(`--webhook ${sector}: set ${variable} (at least 32 characters, the same as lienthong's SECTOR_WEBHOOKS)`);
  webhooks[sector] = { secret, port: number("webhook", port ?? "0", 65_535) };
}

const offline =
  values["offline-after-ms"] !== undefined ? { afterMs: number("offline-after-ms", values["offline-after-ms"]), forMs: number("offline-for-ms", values["offline-for-ms"] ?? "30000") } : undefined;
const running = await startSectorSimulators({
  natsUrl: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  credentials,
  sectors,
  webhooks,
  lienthongUrl: values["lienthong-url"],
  behaviour,
  ...(offline ? { offline } : {}),
});
const how = `delay ${behaviour.delayMs} ms, refusing ${behaviour.refuseShare * 100}%${behaviour.duplicateResults ? ", results twice" : ""}`;
for (const sector of Object.keys(running.nats)) process.stdout.write(`${sector}: answering its steps over NATS (${how})\n`);
for (const [sector, simulator] of Object.entries(running.webhooks)) process.stdout.write(`${sector}: answering its steps by webhook at ${simulator.url} (${how})\n`);
if (offline) process.stdout.write(`offline after ${offline.afterMs} ms for ${offline.forMs} ms\n`);

const stop = async () => {
  await running.stop();
  process.exit(0);
};
process.once("SIGINT", () => void stop());
process.once("SIGTERM", () => void stop());

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}
