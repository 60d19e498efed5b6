// What a simulator saw: each request, how it answered and when (tests read it; the benchmark times steps by it).
import type { StepRequested } from "@onestop/contracts";

export interface SeenRequest {
  bundleId: string;
  bundleCode: string;
  stepCode: string;
  attempt: number;
  agencyCode: string;
  /** PERSONAL DATA (the form fields and earlier steps' outputs). */
  inputs: Record<string, string>;
  answered: "COMPLETED" | "REFUSED" | "IGNORED";
  /** When the request came in and when the answer went out (epoch ms, sub-millisecond: the benchmark's per-step timings). */
  receivedAtMs: number;
  answeredAtMs?: number;
}

/** Epoch milliseconds with the monotonic clock's resolution. */
export const preciseNowMs = () => performance.timeOrigin + performance.now();

export function seenOf(request: StepRequested): Omit<SeenRequest, "answered" | "receivedAtMs"> {
  return { bundleId: request.bundleId, bundleCode: request.bundleCode, stepCode: request.stepCode, attempt: request.attempt, agencyCode: request.agencyCode, inputs: { ...request.inputs } };
}

const KEEP = 10_000;

/** Appends, forgetting the oldest past KEEP (a simulator may run for days in a demo). */
export function remember<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}
