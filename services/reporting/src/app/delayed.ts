import { formatInstant, type WorkingCalendar } from "@onestop/calendar";
import { selectDelayed, type DelayedDossier, type OpenDossier } from "../domain/index.js";
import type { DelayedRequest } from "./params.js";
import type { LagProbe } from "./ports.js";
import type { Freshness } from "./reports.js";

/** The open dossiers of an agency, or of every agency (the read model's buckets). */
export interface OpenDossiers {
  openDossiers(agencyCode?: string): Promise<OpenDossier[]>;
}

export interface DelayedPage extends Freshness {
  dossiers: DelayedDossier[];
  /** All the delayed dossiers the filters select, over every page. */
  total: number;
  counts: { overdue: number; atRisk: number };
  /** The next page's token; absent on the last page. */
  nextPageToken?: string;
}

/** The delayed-dossiers query: the read model's open dossiers judged at the time of the question. */
export class DelayedQueries {
  constructor(private readonly deps: { store: OpenDossiers; lag: LagProbe; calendar: WorkingCalendar; now?: () => Date }) {}

  async list(request: DelayedRequest): Promise<DelayedPage> {
    const lagEvents = await this.deps.lag.pendingEvents();
    const now = this.deps.now?.() ?? new Date();
    const open = await this.deps.store.openDossiers(request.scope.agencyCode);
    const filter = {
      ...request.scope,
      ...(request.procedureCode ? { procedureCode: request.procedureCode } : {}),
    };
    const all = selectDelayed(open, filter, now.getTime(), this.deps.calendar, request.withinDays);
    const overdue = all.filter((d) => d.status === "OVERDUE").length;
    const selected = request.status ? all.filter((d) => d.status === request.status) : all;
    const end = request.offset + request.pageSize;
    return {
      asOf: formatInstant(now),
      lagEvents,
      dossiers: selected.slice(request.offset, end),
      total: selected.length,
      counts: { overdue, atRisk: all.length - overdue },
      ...(end < selected.length ? { nextPageToken: String(end) } : {}),
    };
  }
}

/** A delayed dossier as the APIs answer it: instants as RFC 3339 with +07:00. */
export function delayedJson(dossier: DelayedDossier) {
  const { dueAtMs, ...rest } = dossier;
  return { ...rest, dueAt: dueAtMs === null ? null : formatInstant(dueAtMs) };
}
