import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { natsAccounts } from "@onestop/contracts";
import { natsConfig, serverBinary } from "@onestop/devservers";

const compose = (path: string) => fileURLToPath(new URL(`../../infra/compose/${path}`, import.meta.url));
const NODES = ["nats-1", "nats-2", "nats-3"];
const SERVICES = ["intake", "lienthong", "digitisation", "payment", "reporting", "console"];

interface ComposeService {
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  volumes?: string[];
  command?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** The first `key: value` of a nats-server config, as written (the settings compared below are scalars). */
function setting(config: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}\\s*:\\s*(\\S+)`, "m").exec(config)?.[1];
}

describe("the production deployment's configuration (infra/compose)", () => {
  const file = parse(readFileSync(compose("docker-compose.yml"), "utf8"), { merge: true }) as ComposeFile;

  it("each NATS node's config is accepted by the real nats-server's parser (nats-server -t)", () => {
    const passwords = Object.fromEntries(natsAccounts().map((account) => [`NATS_PASSWORD_${account.user.toUpperCase().replaceAll("-", "_")}`, "secret"]));
    for (const node of NODES) {
      expect(() => execFileSync(serverBinary("nats-server"), ["-t", "-c", compose(`nats/${node}.conf`)], { env: { ...process.env, ...passwords }, stdio: "pipe" })).not.toThrow();
    }
  });

  it("runs the cluster the tested local cluster runs: same JetStream durability, limits and cluster name", () => {
    const local = natsConfig({ dir: "/tmp/x", port: 4222, monitorPort: 8222, profile: "durable", cluster: { name: "onestop", port: 6222, peers: [6223, 6224] } });
    for (const node of NODES) {
      const deployed = readFileSync(compose(`nats/${node}.conf`), "utf8");
      for (const key of ["sync_interval", "max_payload", "max_memory_store", "max_file_store"]) expect([node, key, setting(deployed, key)]).toEqual([node, key, setting(local, key)]);
      expect(setting(deployed.slice(deployed.indexOf("cluster {")), "name")).toBe("onestop");
      expect(deployed.match(/nats-route:\/\/nats-\d:6222/g)).toEqual(NODES.map((peer) => `nats-route://${peer}:6222`));
    }
  });

  it("points every service at all three NATS nodes and the whole replica set, with streams of three replicas", () => {
    const mongoMembers = Object.keys(file.services).filter((name) => /^mongo-\d$/.test(name));
    expect(mongoMembers).toHaveLength(3);
    for (const member of mongoMembers) expect(file.services[member]!.command).toEqual(expect.arrayContaining(["--replSet", "rs0"]));
    for (const name of SERVICES) {
      const env = file.services[name]?.environment;
      expect(env, name).toBeDefined();
      expect(env!.NATS_URL!.split(",")).toEqual(NODES.map((node) => `nats://${node}:4222`));
      expect(env!.NATS_STREAM_REPLICAS).toBe(String(NODES.length));
      // A seed list is not a WHATWG URL: mongodb://host1,host2,host3/?replicaSet=rs0
      const [, hosts, query] = /^mongodb:\/\/([^/]+)\/\?(.*)$/.exec(env!.MONGO_URL!) ?? [];
      expect(hosts?.split(",")).toEqual(mongoMembers.map((member) => `${member}:27017`));
      expect(new URLSearchParams(query).get("replicaSet")).toBe("rs0");
      // Each service connects as its own NATS user, which the generated authorization.conf declares.
      expect(env!.NATS_USER).toBe(name);
    }
    const authorization = readFileSync(compose("nats/authorization.conf"), "utf8");
    for (const name of SERVICES) expect(authorization).toContain(`{ user: "${name}", password: $NATS_PASSWORD_${name.toUpperCase()}`);
  });

  it("names only services and volumes it declares", () => {
    for (const [name, service] of Object.entries(file.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) expect([name, dependency, dependency in file.services]).toEqual([name, dependency, true]);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (!source.startsWith(".")) expect([name, source, source in file.volumes]).toEqual([name, source, true]);
      }
    }
  });
});
