// When a failed webhook delivery is tried again: exponential backoff from `baseMs`, doubled per
// attempt up to `capMs`, with up to a fifth of jitter so that deliveries that failed together do
// not all come back in the same instant; after `maxAttempts` it is given up (the step's own
// timers then warn and escalate, and an operator may retry the step).

export interface RetryPolicy {
  baseMs: number;
  capMs: number;
  maxAttempts: number;
}

export type AfterFailure = { retry: true; atMs: number } | { retry: false };

/** `attempts`: how many were made, this failed one included; `random` in [0, 1). */
export function afterFailure(policy: RetryPolicy, attempts: number, nowMs: number, random: () => number = Math.random): AfterFailure {
  if (attempts >= policy.maxAttempts) return { retry: false };
  const delay = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return { retry: true, atMs: nowMs + Math.round(delay * (1 + 0.2 * random())) };
}
