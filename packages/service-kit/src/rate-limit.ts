import type { RequestHandler, Response } from "express";
import { authenticate, authenticateCall, AuthenticationError, principalOf, type Caller, type Principal, type TokenVerifier } from "@onestop/auth";

/** A token bucket's settings: `perMinute` tokens added per minute, at most `burst` held. */
export interface Rate {
  perMinute: number;
  burst: number;
}

export interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/**
 * Takes one token from `bucket` (undefined: a new, full one) at `now`. Pure: returns the bucket
 * after the attempt and 0 when the token was taken, else the milliseconds until one is there.
 */
export function takeToken(bucket: Bucket | undefined, rate: Rate, now: number): { bucket: Bucket; waitMs: number } {
  const perMs = rate.perMinute / 60_000;
  const elapsed = bucket ? Math.max(0, now - bucket.at) : 0;
  const tokens = bucket ? Math.min(rate.burst, bucket.tokens + elapsed * perMs) : rate.burst;
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, waitMs: 0 };
  return { bucket: { tokens, at: now }, waitMs: perMs > 0 ? Math.ceil((1 - tokens) / perMs) : Number.POSITIVE_INFINITY };
}

/** The caller has spent its budget: 429 with Retry-After on REST, RESOURCE_EXHAUSTED on gRPC. */
export class RateLimitedError extends Error {
  override readonly name = "RateLimitedError";
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limit exceeded; retry after ${retryAfterSeconds} s`);
  }
}

export interface RateLimits {
  /** People (officers, operators, viewers): per subject. Also each address's budget of failed authentications. */
  people: Rate;
  /** Service accounts (systems using client credentials: one-stop systems, sector software): per subject. */
  services: Rate;
}

/** Vietnamese wording of the 429 problem, as every other problem the platform answers to people. */
export function rateLimitProblem(error: RateLimitedError) {
  return {
    type: "urn:onestop:problem:rate-limited",
    title: "Quá nhiều yêu cầu",
    status: 429 as const,
    detail: `Đã vượt quá số yêu cầu cho phép trong một phút; vui lòng thử lại sau ${error.retryAfterSeconds} giây.`,
  };
}

/**
 * Per-client token buckets, shared by a service's REST and gRPC adapters (one budget per caller
 * whatever the protocol). Callers are keyed by their verified token's subject, with the limits of
 * their kind (people or service accounts); a request whose token does not verify counts against
 * its remote address, so guessing tokens is throttled too without a valid caller's budget being
 * touched. Memory is bounded: beyond `maxClients` buckets, full (idle) ones are forgotten first.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { bucket: Bucket; rate: Rate }>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
    private readonly maxClients = 100_000,
  ) {}

  /** Takes a token for a verified caller, or throws RateLimitedError. */
  admit(caller: Principal): void {
    this.take(`sub:${caller.subject}`, caller.kind === "service" ? this.limits.services : this.limits.people);
  }

  /** Before authentication: throws RateLimitedError when `address` has used up its failed authentications. */
  admitAddress(address: string): void {
    const held = this.buckets.get(`addr:${address}`);
    if (!held) return;
    // Only looked at: a token is taken by failedAuthentication, not by every request from the address.
    const { waitMs } = takeToken(held.bucket, held.rate, this.now());
    if (waitMs > 0) throw new RateLimitedError(Math.ceil(waitMs / 1_000));
  }

  /** Counts a request whose token did not verify against its address. */
  failedAuthentication(address: string): void {
    try {
      this.take(`addr:${address}`, this.limits.people);
    } catch {
      // Already over: the next request from the address is refused by admitAddress.
    }
  }

  private take(key: string, rate: Rate): void {
    const now = this.now();
    const { bucket, waitMs } = takeToken(this.buckets.get(key)?.bucket, rate, now);
    this.buckets.delete(key); // re-inserted last: the map's order is least recently used first
    this.buckets.set(key, { bucket, rate });
    if (this.buckets.size > this.maxClients) this.forget(now);
    if (waitMs > 0) throw new RateLimitedError(Math.ceil(waitMs / 1_000));
  }

  private forget(now: number): void {
    const target = Math.floor(this.maxClients * 0.9);
    // A bucket that is full again holds nothing a new one would not: those go first, then the least recently used.
    for (const [key, { bucket, rate }] of this.buckets) {
      if (this.buckets.size <= target) return;
      if (bucket.tokens + ((now - bucket.at) * rate.perMinute) / 60_000 >= rate.burst) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) return;
      this.buckets.delete(key);
    }
  }

  /** How many clients have a bucket (tests). */
  get size(): number {
    return this.buckets.size;
  }
}

/** Answers 429 with Retry-After and the Vietnamese problem. */
export function sendRateLimited(res: Response, error: RateLimitedError): void {
  res.status(429).set("Retry-After", String(error.retryAfterSeconds)).type("application/problem+json").json(rateLimitProblem(error));
}

/**
 * `authenticate(verifier)` with the per-client rate limit: an address that failed authentication
 * too often is refused before its token is even checked; a verified caller past its budget gets 429.
 */
export function authenticateLimited(verifier: TokenVerifier, limiter: RateLimiter): RequestHandler {
  const verify = authenticate(verifier);
  return (req, res, next) => {
    const address = req.socket.remoteAddress ?? "unknown";
    try {
      limiter.admitAddress(address);
    } catch (error) {
      return sendRateLimited(res, error as RateLimitedError);
    }
    res.once("finish", () => {
      if (res.statusCode === 401) limiter.failedAuthentication(address);
    });
    verify(req, res, (error?: unknown) => {
      if (error) return next(error);
      try {
        limiter.admit(principalOf(res));
      } catch (limited) {
        return sendRateLimited(res, limited as RateLimitedError);
      }
      next();
    });
  };
}

/** "ipv4:127.0.0.1:53422" or "ipv6:[::1]:53422" (grpc-js `call.getPeer()`) -> the address alone. */
export function peerAddress(peer: string): string {
  const withoutScheme = peer.replace(/^(ipv4|ipv6|unix):/, "");
  const bracketed = /^\[([^\]]+)\]/.exec(withoutScheme);
  if (bracketed) return bracketed[1]!;
  return withoutScheme.replace(/:\d+$/, "");
}

/**
 * gRPC's `authenticateCall` with the same rate limit as REST: the caller of a call, or
 * AuthenticationError, or RateLimitedError (answer it RESOURCE_EXHAUSTED).
 */
export async function authenticateCallLimited(verifier: TokenVerifier, limiter: RateLimiter, call: Parameters<typeof authenticateCall>[1]): Promise<Caller> {
  const address = peerAddress(call.getPeer());
  limiter.admitAddress(address);
  let caller: Caller;
  try {
    caller = await authenticateCall(verifier, call);
  } catch (error) {
    if (error instanceof AuthenticationError) limiter.failedAuthentication(address);
    throw error;
  }
  limiter.admit(caller.principal);
  return caller;
}

/** Metadata key of the seconds to wait, on a RESOURCE_EXHAUSTED answer (as the REST Retry-After header). */
export const RETRY_AFTER_KEY = "retry-after";
