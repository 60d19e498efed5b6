import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, startNats } from "@onestop/devservers";
import { serviceToken, startServiceProcess, testEnv, waitFor } from "@onestop/testkit";
import { client, DossierStream, submission } from "./helpers.js";

describe("a crash between the write and the publish", () => {
  it("still puts the accepted dossier on the bus exactly once, after restart", async () => {
    const env = testEnv();
    const dir = mkdtempSync(join(tmpdir(), "onestop-crash-"));
    const natsDir = join(dir, "nats");
    const port = await freePort();
    const serviceEnv = { MONGO_URL: env.mongoUrl, MONGO_DB: `${env.dbName}_crash`, NATS_URL: `nats://127.0.0.1:${port}`, GRPC_PORT: "0", OUTBOX_RETRY_MS: "200" };
    let nats = await startNats({ dir: natsDir, port });
    try {
      const first = await startServiceProcess("intake", serviceEnv);
      // The bus goes away: the write still succeeds (durable), the publish cannot.
      await nats.stop();
      const accepted = await client(first.httpUrl, await serviceToken()).submit(submission({ receivedAt: "2025-10-10T09:00:00+07:00" }));
      expect(accepted.status).toBe(201);
      // The process dies before it could ever publish.
      await first.stop("SIGKILL");

      nats = await startNats({ dir: natsDir, port });
      const second = await startServiceProcess("intake", serviceEnv);
      const stream = await DossierStream.open(nats.url);
      try {
        const events = await waitFor(
          async () => {
            const found = await stream.eventsOf(accepted.body.code);
            return found.length > 0 && found;
          },
          { timeoutMs: 15_000, description: "the relayed received event" },
        );
        await new Promise((resolve) => setTimeout(resolve, 1_000)); // further sweeps must not publish it again
        expect(await stream.eventsOf(accepted.body.code)).toHaveLength(1);
        expect(events[0]!.event.type).toBe("vn.onestop.dossier.received.v1");
      } finally {
        await stream.close();
        expect(await second.stop()).toBe(0);
      }
    } finally {
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
