import { formatInstant } from "@onestop/calendar";
import { Timeliness, type DelayedDossier as DelayedMessage, type TraceDelayedDossiersRequest, type TraceDelayedDossiersResponse } from "@onestop/contracts";
import type { DelayedPage } from "../../app/delayed.js";
import { parseDelayedQuery, type DelayedRequest, type Parsed } from "../../app/params.js";

/**
 * TraceDelayedDossiers through the REST query rules. The list is of open dossiers as they stand
 * now (overdue or at risk); `from` / `to` (dossiers resolved late in a period) are not served
 * here: those are counted in the statistics form's column (10). Errors name the request's fields.
 */
export function traceDelayedRequest(request: TraceDelayedDossiersRequest): Parsed<DelayedRequest> {
  const query: Record<string, string> = {};
  if (request.agencyCode) query.agency = request.agencyCode;
  if (request.sectorCode) query.sector = request.sectorCode;
  if (request.pageSize) query.pageSize = String(request.pageSize);
  if (request.pageToken) query.pageToken = request.pageToken;
  const parsed = parseDelayedQuery(query);
  const unsupported = [
    ...(request.from ? [{ path: "from", message: "not supported: the list holds the dossiers open now; late resolved ones are in the statistics form" }] : []),
    ...(request.to ? [{ path: "to", message: "not supported: the list holds the dossiers open now; late resolved ones are in the statistics form" }] : []),
  ];
  const renamed = (errors: Array<{ path: string; message: string }>) =>
    errors.map((error) => ({ ...error, path: ({ agency: "agencyCode", sector: "sectorCode", pageToken: "pageToken", pageSize: "pageSize" } as Record<string, string>)[error.path] ?? error.path }));
  if (!parsed.ok || unsupported.length > 0) return { ok: false, errors: [...renamed(parsed.ok ? [] : parsed.errors), ...unsupported] };
  return parsed;
}

export function traceDelayedResponse(page: DelayedPage): TraceDelayedDossiersResponse {
  return {
    dossiers: page.dossiers.map((dossier): DelayedMessage => {
      const dueAt = dossier.dueAtMs === null ? "" : formatInstant(dossier.dueAtMs);
      const overdue = dossier.status === "OVERDUE";
      return {
        dossierCode: dossier.dossierCode,
        procedureCode: dossier.procedureCode,
        sectorCode: dossier.sectorCode,
        agencyCode: dossier.agencyCode,
        receivedAt: dossier.receivedAt,
        dueAt,
        resolvedAt: "",
        overdueWorkingDays: dossier.overdueWorkingDays,
        // Who holds it: the deciding agency since the receipt or its last transfer.
        slices: [
          {
            agencyCode: dossier.agencyCode,
            role: dossier.agencyCode === dossier.receivingAgencyCode && dossier.heldSince === dossier.receivedAt ? "desk" : "lead",
            startedAt: dossier.heldSince,
            dueAt,
            finishedAt: "",
            timeliness: overdue ? Timeliness.TIMELINESS_PENDING_OVERDUE : Timeliness.TIMELINESS_PENDING_NOT_DUE,
          },
        ],
        lateAgencyCodes: overdue ? [dossier.agencyCode] : [],
      };
    }),
    nextPageToken: page.nextPageToken ?? "",
    asOf: page.asOf,
    lagEvents: page.lagEvents,
  };
}
