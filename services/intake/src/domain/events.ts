import type { PauseReason } from "@onestop/calendar";
import type { BundleStepResult, Dossier, Outcome, ResultChannel } from "./dossier.js";

interface Base {
  eventId: string;
  /** Business time, ISO 8601 with +07:00. */
  at: string;
}

/** A change to a dossier's lifecycle, as sent by a one-stop system (`POST /v1/dossiers/{code}/events`). */
export type LifecycleEvent =
  | (Base & { type: "SUPPLEMENT_REQUESTED"; reason?: string })
  | (Base & { type: "SUPPLEMENT_RECEIVED" })
  | (Base & { type: "PAUSED"; reason: PauseReason })
  | (Base & { type: "RESUMED" })
  | (Base & { type: "DEADLINE_EXTENDED"; newDueDate: string; reason?: string })
  | (Base & { type: "TRANSFERRED"; toAgencyCode: string })
  | (Base & { type: "RESOLVED"; outcome: Outcome; results?: BundleStepResult[] })
  | (Base & { type: "RESULT_RETURNED"; channel: ResultChannel; electronic: boolean })
  | (Base & { type: "REFUSED"; reason?: string })
  | (Base & { type: "WITHDRAWN" })
  | (Base & { type: "CLOSED" })
  | (Base & { type: "EVALUATED"; rating: number });

/** The first event of every dossier: the receipt, carrying all of its facts. */
export interface ReceivedEvent extends Base {
  type: "RECEIVED";
  dossier: Omit<Dossier, "status" | "supplements" | "pauses" | "extensions" | "transfers" | "timeline">;
  /** A bundle's form fields, for lienthong's start command only (not kept on the dossier). PERSONAL DATA. */
  bundleInputs?: Record<string, string>;
}

export type DossierEvent = ReceivedEvent | LifecycleEvent;
