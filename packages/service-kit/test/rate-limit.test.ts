import { describe, expect, it } from "vitest";
import type { Principal } from "@onestop/auth";
import { peerAddress, RateLimitedError, RateLimiter, takeToken } from "../src/rate-limit.js";

const person = (subject: string): Principal => ({ subject, kind: "user", roles: ["desk_officer"] });
const system = (subject: string): Principal => ({ subject, kind: "service", roles: ["service"] });

describe("takeToken (pure token bucket)", () => {
  const rate = { perMinute: 60, burst: 3 }; // one token a second, three at most

  it("starts full, spends a token per request, then says how long to wait", () => {
    let bucket;
    for (let i = 0; i < 3; i++) {
      const taken = takeToken(bucket, rate, 1_000);
      expect(taken.waitMs).toBe(0);
      bucket = taken.bucket;
    }
    const refused = takeToken(bucket, rate, 1_000);
    expect(refused.waitMs).toBe(1_000);
    expect(refused.bucket.tokens).toBe(0);
  });

  it("refills with time, never above the burst", () => {
    const empty = { tokens: 0, at: 0 };
    expect(takeToken(empty, rate, 500).waitMs).toBe(500);
    expect(takeToken(empty, rate, 1_000).waitMs).toBe(0);
    expect(takeToken(empty, rate, 3_600_000).bucket.tokens).toBe(2); // capped at 3, one taken
  });

  it("ignores a clock that goes back", () => {
    expect(takeToken({ tokens: 0, at: 10_000 }, rate, 5_000).waitMs).toBe(1_000);
  });
});

describe("RateLimiter", () => {
  const limits = { people: { perMinute: 60, burst: 2 }, services: { perMinute: 600, burst: 5 } };

  it("keeps one budget per subject: a caller over its limit is refused with a wait, another is not", () => {
    let now = 0;
    const limiter = new RateLimiter(limits, () => now);
    limiter.admit(person("a"));
    limiter.admit(person("a"));
    expect(() => limiter.admit(person("a"))).toThrow(RateLimitedError);
    try {
      limiter.admit(person("a"));
    } catch (error) {
      expect((error as RateLimitedError).retryAfterSeconds).toBe(1);
    }
    limiter.admit(person("b"));
    now += 1_000;
    limiter.admit(person("a"));
  });

  it("gives service accounts their own, higher limits", () => {
    const limiter = new RateLimiter(limits, () => 0);
    for (let i = 0; i < 5; i++) limiter.admit(system("desk-system"));
    expect(() => limiter.admit(system("desk-system"))).toThrow(RateLimitedError);
  });

  it("counts failed authentications per address, and refuses the address once they are spent", () => {
    let now = 0;
    const limiter = new RateLimiter(limits, () => now);
    limiter.admitAddress("10.0.0.1");
    limiter.failedAuthentication("10.0.0.1");
    limiter.failedAuthentication("10.0.0.1");
    limiter.failedAuthentication("10.0.0.1"); // over: not thrown, the next request is refused
    expect(() => limiter.admitAddress("10.0.0.1")).toThrow(RateLimitedError);
    limiter.admitAddress("10.0.0.2");
    now += 2_000;
    limiter.admitAddress("10.0.0.1");
  });

  it("bounds its memory: idle buckets are forgotten first", () => {
    let now = 0;
    const limiter = new RateLimiter(limits, () => now, 100);
    limiter.admit(person("busy"));
    limiter.admit(person("busy"));
    for (let i = 0; i < 200; i++) {
      now += 10;
      limiter.admit(person(`idle-${i}`));
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});

describe("peerAddress", () => {
  it("drops the scheme and port of a grpc-js peer", () => {
    expect(peerAddress("ipv4:127.0.0.1:50312")).toBe("127.0.0.1");
    expect(peerAddress("ipv6:[::1]:50312")).toBe("::1");
    expect(peerAddress("unix:/tmp/s")).toBe("/tmp/s");
  });
});
