import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { natsEnv, startNatsCluster, type NatsCluster, type NatsClusterNode } from "@onestop/devservers";
import { serviceToken, startServiceProcess, testEnv, waitFor, type ServiceProcess } from "@onestop/testkit";
import { client, DossierStream, submission } from "./helpers.js";

/** Submits dossiers four at a time until stopped; keeps the codes intake answered 201 for. */
function steadyLoad(submit: () => Promise<{ status: number; body: { code?: string | undefined } }>) {
  const accepted: string[] = [];
  const refused = new Map<number, number>();
  let running = true;
  const worker = async () => {
    while (running) {
      const answer = await submit().catch(() => ({ status: 0, body: { code: undefined } }));
      if (answer.status === 201 && answer.body.code) accepted.push(answer.body.code);
      else refused.set(answer.status, (refused.get(answer.status) ?? 0) + 1);
    }
  };
  const workers = Array.from({ length: 4 }, () => worker());
  return {
    accepted,
    refused,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("intake on a 3-node NATS cluster (streams R3, sync_interval: always)", () => {
  const env = testEnv();
  let dir: string;
  let cluster: NatsCluster;
  let intake: ServiceProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "onestop-cluster-"));
    cluster = await startNatsCluster({ dir, profile: "durable", authorization: true });
    intake = await startServiceProcess("intake", {
      MONGO_URL: env.mongoUrl,
      MONGO_DB: `${env.dbName}_cluster`,
      ...natsEnv(cluster, "intake"),
      NATS_STREAM_REPLICAS: "3",
      GRPC_PORT: "0",
      OUTBOX_RETRY_MS: "200",
      RATE_LIMIT_PER_MINUTE: "100000",
    });
  }, 120_000);

  afterAll(async () => {
    await intake?.stop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses no accepted dossier when the stream leader is killed under load and every node restarts in turn", async () => {
    const harness = cluster.credentials!.harness!;
    const connection = { servers: cluster.url.split(","), user: harness.user, pass: harness.password, inboxPrefix: harness.inboxPrefix };
    const api = client(intake.httpUrl, await serviceToken());
    const load = steadyLoad(() => api.submit(submission()));
    const nc = await connect({ ...connection, maxReconnectAttempts: -1 });
    const jsm = await jetstreamManager(nc);
    const nodeLeading = async (): Promise<NatsClusterNode> => {
      const leader = await waitFor(async () => (await jsm.streams.info("DOSSIER")).cluster?.leader, { timeoutMs: 20_000, description: "a DOSSIER leader" });
      return cluster.nodes.find((node) => node.name === leader)!;
    };
    try {
      await waitFor(() => load.accepted.length >= 20, { timeoutMs: 20_000, description: "the first accepted dossiers" });
      expect((await jsm.streams.info("DOSSIER")).config.num_replicas).toBe(3);

      // A crash of the node holding the stream's leadership, under load.
      const leader = await nodeLeading();
      await leader.kill();
      await pause(3_000);
      const duringOutage = load.accepted.length;
      await leader.start();

      // A rolling restart: each node shut down cleanly and back before the next.
      for (const node of cluster.nodes) {
        await node.stop();
        await pause(1_000);
        await node.start();
      }
      await pause(1_000);
      await load.stop();
      expect(load.accepted.length).toBeGreaterThan(duringOutage);

      const stream = await DossierStream.open(connection);
      try {
        const receivedOnce = await waitFor(
          async () => {
            const counts = await stream.receivedCounts();
            return load.accepted.every((code) => counts.has(code)) && counts;
          },
          { timeoutMs: 60_000, intervalMs: 1_000, description: "every accepted dossier's received event on the stream" },
        );
        const doubled = load.accepted.filter((code) => receivedOnce.get(code) !== 1);
        expect(doubled).toEqual([]);
        console.info(
          `3-node cluster: ${load.accepted.length} dossiers accepted through a leader crash and a rolling restart, 0 lost, 0 doubled; other answers: ${JSON.stringify(Object.fromEntries(load.refused))}`,
        );
      } finally {
        await stream.close();
      }
      // Every replica holds the same messages once the cluster has settled.
      const replicas = await Promise.all(
        cluster.nodes.map(async (node) => {
          const response = await fetch(`${node.monitorUrl}/jsz?streams=true`);
          const jsz = (await response.json()) as { account_details?: Array<{ stream_detail?: Array<{ name: string; state: { messages: number } }> }> };
          return jsz.account_details?.flatMap((account) => account.stream_detail ?? []).find((s) => s.name === "DOSSIER")?.state.messages;
        }),
      );
      expect(new Set(replicas).size).toBe(1);
    } finally {
      await load.stop();
      await nc.close();
    }
  }, 150_000);
});
