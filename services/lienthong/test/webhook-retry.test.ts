import { describe, expect, it } from "vitest";
import { afterFailure } from "../src/domain/webhook-retry.js";

const policy = { baseMs: 1_000, capMs: 60_000, maxAttempts: 5 };
const noJitter = () => 0;

describe("webhook retries", () => {
  it("given a first failure, then the next attempt comes after the base delay, doubling after each further failure", () => {
    expect(afterFailure(policy, 1, 0, noJitter)).toEqual({ retry: true, atMs: 1_000 });
    expect(afterFailure(policy, 2, 0, noJitter)).toEqual({ retry: true, atMs: 2_000 });
    expect(afterFailure(policy, 4, 10_000, noJitter)).toEqual({ retry: true, atMs: 18_000 });
  });

  it("never waits longer than the cap (plus its jitter)", () => {
    expect(afterFailure({ ...policy, maxAttempts: 100 }, 30, 0, noJitter)).toEqual({ retry: true, atMs: 60_000 });
    expect(afterFailure({ ...policy, maxAttempts: 100 }, 30, 0, () => 0.999)).toEqual({ retry: true, atMs: 71_988 });
  });

  it("adds at most a fifth of jitter", () => {
    const { atMs } = afterFailure(policy, 1, 0, () => 0.5) as { atMs: number };
    expect(atMs).toBe(1_100);
  });

  it("gives up after the most attempts", () => {
    expect(afterFailure(policy, 5, 0, noJitter)).toEqual({ retry: false });
    expect(afterFailure(policy, 6, 0, noJitter)).toEqual({ retry: false });
  });
});
