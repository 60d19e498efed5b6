import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { loadShedding } from "../src/overload.js";

/** An app whose one route waits until the test lets it answer. */
async function appWithGate(maxInFlight: number) {
  const waiting: Array<() => void> = [];
  const shedding = loadShedding(maxInFlight, 2);
  const app = express();
  app.use(shedding);
  app.get("/slow", (_req, res) => void waiting.push(() => res.json({ ok: true })));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
  return { server, url, shedding, waiting, releaseAll: () => waiting.splice(0).forEach((answer) => answer()) };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe("loadShedding", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("answers the request past the limit 503 with Retry-After and a Vietnamese problem, at once", async () => {
    const gate = await appWithGate(2);
    server = gate.server;
    const held = [fetch(gate.url), fetch(gate.url)];
    await until(() => gate.waiting.length === 2);

    const refused = await fetch(gate.url);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("2");
    const problem = (await refused.json()) as { title: string; detail: string };
    expect(problem.title).toBe("Hệ thống đang quá tải");
    expect(problem.detail).toContain("thử lại sau 2 giây");

    gate.releaseAll();
    expect((await Promise.all(held)).map((answer) => answer.status)).toEqual([200, 200]);
  });

  it("frees the slot when a request finishes or its client goes away", async () => {
    const gate = await appWithGate(1);
    server = gate.server;
    const aborted = new AbortController();
    const abandoned = fetch(gate.url, { signal: aborted.signal }).catch(() => "aborted");
    await until(() => gate.waiting.length === 1);
    aborted.abort();
    expect(await abandoned).toBe("aborted");
    await until(() => gate.shedding.inFlight() === 0);

    const next = fetch(gate.url);
    await until(() => gate.waiting.length === 2);
    gate.releaseAll();
    expect((await next).status).toBe(200);
    expect(gate.shedding.inFlight()).toBe(0);
  });
});
