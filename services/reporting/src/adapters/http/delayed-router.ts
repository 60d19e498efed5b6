import { Router } from "express";
import type { AuditTrail } from "@onestop/audit";
import { callerOf, principalOf, type Jurisdiction } from "@onestop/auth";
import { delayedJson, type DelayedQueries } from "../../app/delayed.js";
import { parseDelayedQuery } from "../../app/params.js";

/**
 * GET /v1/reports/delayed: overdue and at-risk open dossiers, with who holds them (filters
 * `agency`, `level`, `sector`, `procedure`, `status`, `withinDays`; `pageSize`, `pageToken`).
 * Mounted after `authenticate`; narrowed to the scope the caller may read, as every report.
 */
export function delayedRouter({ delayed, jurisdiction, audit }: { delayed: DelayedQueries; jurisdiction: Jurisdiction; audit: AuditTrail }): Router {
  const router = Router();
  router.get("/v1/reports/delayed", async (req, res) => {
    const parsed = parseDelayedQuery(req.query);
    if (!parsed.ok) {
      res
        .status(400)
        .type("application/problem+json")
        .json({
          type: "urn:onestop:problem:invalid-request",
          title: "Invalid request",
          status: 400,
          detail: `bad query parameter(s): ${[...new Set(parsed.errors.map((e) => e.path))].join(", ")}`,
          errors: parsed.errors,
        });
      return;
    }
    const request = parsed.value;
    const scope = await audit.authorised(callerOf(req, res), "report.read", { type: "report-scope", id: request.scope.agencyCode ?? "*" }, () =>
      jurisdiction.reportScopeFor(principalOf(res), request.scope),
    );
    const page = await delayed.list({ ...request, scope });
    res.json({ ...page, scope, dossiers: page.dossiers.map(delayedJson) });
  });
  return router;
}
