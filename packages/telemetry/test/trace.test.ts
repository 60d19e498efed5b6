import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testEnv, waitFor } from "@onestop/testkit";

interface ExportedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

const SPAN_KIND = { SERVER: 1, PRODUCER: 3, CONSUMER: 4 } as const;

describe("one trace across HTTP, JetStream and MongoDB", () => {
  it("links the HTTP request, the publish, the consumer and its database write in a single trace", async () => {
    const env = testEnv();
    const script = fileURLToPath(new URL("./fixtures/traced-app.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=onestop:source", "--import", "tsx", script], {
      env: {
        ...process.env,
        ...env.natsEnv("harness"),
        MONGO_URL: env.mongoUrl,
        DB: env.dbName,
        STREAM: `${env.prefix}_TRACED`.toUpperCase(),
        SUBJECT_PREFIX: `${env.prefix}.traced`,
      },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      const port = await waitFor(() => /listening (\d+)/.exec(output)?.[1], { timeoutMs: 20_000, description: "traced app" });
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/dossiers/000.00.12.H10-250310-0001`, { method: "POST" })).status).toBe(202);

      const spans = await waitFor(
        async () => {
          const all = (await (await fetch(`${base}/spans`)).json()) as ExportedSpan[];
          return all.some((span) => span.attributes["db.system.name"] === "mongodb" && span.name.includes("insert")) && all;
        },
        { timeoutMs: 15_000, description: "the MongoDB insert span" },
      );
      const server = spans.find((s) => s.kind === SPAN_KIND.SERVER && s.name.startsWith("POST"));
      const publish = spans.find((s) => s.kind === SPAN_KIND.PRODUCER);
      const consume = spans.find((s) => s.kind === SPAN_KIND.CONSUMER);
      const insert = spans.find((s) => s.attributes["db.system.name"] === "mongodb" && s.name.includes("insert"));
      expect(server && publish && consume && insert, output).toBeTruthy();
      // One trace id over all four hops, each the child of the one before.
      expect(new Set([server!.traceId, publish!.traceId, consume!.traceId, insert!.traceId]).size).toBe(1);
      expect(consume!.parentSpanId).toBe(publish!.spanId);
      expect(insert!.parentSpanId).toBe(consume!.spanId);
      // Statements keep their shape only: no stored value reaches the trace.
      expect(insert!.attributes["db.query.text"]).not.toContain("000.00.12.H10-250310-0001");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
