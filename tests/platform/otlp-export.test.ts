import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { serviceAuthorization, startServiceProcess, testEnv, waitFor } from "@onestop/testkit";

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    request.on("end", () => resolve(text));
  });
}

describe("telemetry export chosen by the environment", () => {
  it("sends a service's spans to the OTLP endpoint named by OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    const env = testEnv();
    const received: Array<{ path: string; text: string }> = [];
    const collector = createServer(async (request, response) => {
      received.push({ path: request.url ?? "", text: await body(request) });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const intake = await startServiceProcess("intake", {
      ...env.natsEnv("intake"),
      MONGO_URL: env.mongoUrl,
      MONGO_DB: `${env.dbName}_otlp`,
      GRPC_PORT: "0",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_SERVICE_NAME: "intake-under-test",
    });
    try {
      expect((await fetch(`${intake.httpUrl}/v1/procedures`, { headers: await serviceAuthorization() })).status).toBe(200);
    } finally {
      expect(await intake.stop()).toBe(0); // shutdown flushes the batch of spans
      await waitFor(() => received.some((r) => r.path === "/v1/traces"), { description: "an OTLP trace export" });
      await new Promise<void>((resolve) => collector.close(() => resolve()));
    }
    const traces = received
      .filter((r) => r.path === "/v1/traces")
      .map((r) => r.text)
      .join("");
    expect(traces).toContain("intake-under-test");
    expect(traces).toContain("/v1/procedures");
  });
});
