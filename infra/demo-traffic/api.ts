// The services' REST APIs as the demo traffic calls them: every call with the service account's
// bearer token, JSON in and out, and a bounded wait so that a stuck service slows the demo
// rather than piling up requests.
import type { TokenSource } from "@onestop/auth";

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export interface ServiceUrls {
  intake: string;
  lienthong: string;
  digitisation: string;
  payment: string;
}

const TIMEOUT_MS = 15_000;

export class Api {
  constructor(
    readonly urls: ServiceUrls,
    private readonly tokens: TokenSource,
  ) {}

  async send<T = Record<string, unknown>>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${await this.tokens.token()}`,
        ...(body === undefined || body instanceof FormData ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    const json = response.headers.get("content-type")?.includes("json") && text ? (JSON.parse(text) as T) : ({} as T);
    return { status: response.status, body: json };
  }

  get<T = Record<string, unknown>>(url: string): Promise<Answer<T>> {
    return this.send<T>("GET", url);
  }

  post<T = Record<string, unknown>>(url: string, body: unknown, idempotencyKey?: string): Promise<Answer<T>> {
    return this.send<T>("POST", url, body, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {});
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks `probe` every `everyMs` until it gives a value, or gives undefined after `timeoutMs`. */
export async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 1_000): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(everyMs);
  }
  return undefined;
}
