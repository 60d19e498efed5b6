import { Router, type ErrorRequestHandler, type Request, type Response } from "express";
import type { AuditTrail } from "@onestop/audit";
import { authProblemOf, callerOf, principalOf, type Jurisdiction } from "@onestop/auth";
import { RateLimitedError, sendRateLimited } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { parseIndicatorsQuery, parseQuarterlyQuery, parseTthcQuery, type FieldError, type Parsed, type ParseContext } from "../../app/params.js";
import type { ReportQueries } from "../../app/reports.js";
import { RebuildInProgressError, RebuildStartRaceError, type Rebuilder } from "../../app/rebuild.js";
import { indicatorsWorkbook, quarterlyWorkbook, tthcWorkbook } from "../xlsx/workbooks.js";

const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function badRequest(res: Response, errors: FieldError[]): void {
  res
    .status(400)
    .type("application/problem+json")
    .json({
      type: "urn:onestop:problem:invalid-request",
      title: "Invalid request",
      status: 400,
      detail: `bad query parameter(s): ${[...new Set(errors.map((e) => e.path))].join(", ")}`,
      errors,
    });
}

function sendXlsx(res: Response, name: string, body: Buffer): void {
  res.type(XLSX_TYPE).attachment(`${name}.xlsx`).send(body);
}

function parsedOr400<T>(res: Response, parsed: Parsed<T>): T | undefined {
  if (parsed.ok) return parsed.value;
  badRequest(res, parsed.errors);
  return undefined;
}

export interface RouterDeps {
  reports: ReportQueries;
  /** Narrows every request to the scope its caller may read. */
  jurisdiction: Jurisdiction;
  /** Records freezes and every refusal. */
  audit: AuditTrail;
  quarterStartDay: number;
  now?: () => Date;
}

/**
 * GET /v1/reports/tthc, /v1/reports/quarterly, /v1/reports/indicators-766 (JSON or `format=xlsx`);
 * POST /v1/reports/tthc/freeze freezes a published form (province operators and services).
 * Mounted after `authenticate`: each request reads only the scope its caller may read.
 */
export function reportsRouter({ reports, jurisdiction, audit, quarterStartDay, now = () => new Date() }: RouterDeps): Router {
  const router = Router();
  const context = (): ParseContext => ({ quarterStartDay, now: now() });
  const scopeOf = <S extends { agencyCode?: string }>(req: Request, res: Response, action: string, scope: S) =>
    audit.authorised(callerOf(req, res), action, { type: "report-scope", id: scope.agencyCode ?? "*" }, () => jurisdiction.reportScopeFor(principalOf(res), scope));

  router.get("/v1/reports/tthc", async (req, res) => {
    const request = parsedOr400(res, parseTthcQuery(req.query, context()));
    if (!request) return;
    const { report, frozen, ...freshness } = await reports.tthc(request.period, await scopeOf(req, res, "report.read", request.scope));
    if (request.format === "xlsx") sendXlsx(res, `thong-ke-tthc_${request.period.from}_${request.period.to}`, await tthcWorkbook(report, freshness));
    else res.json({ ...freshness, ...report, frozen });
  });

  router.post("/v1/reports/tthc/freeze", async (req, res) => {
    const request = parsedOr400(res, parseTthcQuery(req.query, context()));
    if (!request) return;
    if (request.format !== "json") return badRequest(res, [{ path: "format", message: "a frozen form is stored as JSON" }]);
    const caller = callerOf(req, res);
    const target = { type: "report", id: `tthc:${request.period.from}:${request.period.to}:${request.scope.agencyCode ?? "*"}` };
    await audit.authorised(caller, "report.freeze", target, () => jurisdiction.assertMayOperate(caller.principal));
    const scope = await scopeOf(req, res, "report.freeze", request.scope);
    await audit.record({ caller, action: "report.freeze", target, outcome: "ok" });
    const result = await reports.freezeTthc(request.period, scope);
    if (result.created) {
      res.status(201).json({ asOf: result.asOf, lagEvents: result.lagEvents, frozenAt: result.frozenAt, ...result.report });
    } else {
      res
        .status(409)
        .type("application/problem+json")
        .json({
          type: "urn:onestop:problem:conflict",
          title: "Already frozen",
          status: 409,
          detail: `this period and scope were frozen at ${result.frozenAt}; later changes show as a restatement`,
          frozenAt: result.frozenAt,
        });
    }
  });

  router.get("/v1/reports/quarterly", async (req, res) => {
    const request = parsedOr400(res, parseQuarterlyQuery(req.query, context()));
    if (!request) return;
    const result = await reports.quarterly(request.period, await scopeOf(req, res, "report.read", request.scope));
    if (request.format === "xlsx") {
      sendXlsx(res, `bieu-mau-3_${request.year}-Q${request.quarter}`, await quarterlyWorkbook(result.report, result.period, result.scope, result));
    } else res.json({ asOf: result.asOf, lagEvents: result.lagEvents, year: request.year, quarter: request.quarter, period: result.period, scope: result.scope, ...result.report });
  });

  router.get("/v1/reports/indicators-766", async (req, res) => {
    const request = parsedOr400(res, parseIndicatorsQuery(req.query, context()));
    if (!request) return;
    const result = await reports.indicators(request.period, await scopeOf(req, res, "report.read", request.scope));
    if (request.format === "xlsx") {
      sendXlsx(res, `bo-chi-so-766_${request.period.from}_${request.period.to}`, await indicatorsWorkbook(result.report, result.period, result.scope, result));
    } else res.json({ asOf: result.asOf, lagEvents: result.lagEvents, period: result.period, scope: result.scope, ...result.report });
  });

  return router;
}

/**
 * POST /v1/admin/rebuild starts a rebuild in the background: 202 with its progress and a
 * Location to poll, 409 while another one is unfinished (on this instance or another, or waiting
 * to be resumed). GET /v1/admin/rebuild (the latest) and GET /v1/admin/rebuild/{id} answer its
 * progress, as persisted (so also after a restart, and from any instance) or as this instance
 * sees it while running it, with its history (started, resumed, stopped, switched, done or
 * failed); 404 when there is none. Province operators and services only.
 */
export function adminRouter(rebuilder: Rebuilder, jurisdiction: Jurisdiction, audit: AuditTrail): Router {
  const router = Router();
  router.use("/v1/admin", async (req, res, next) => {
    const caller = callerOf(req, res);
    await audit.authorised(caller, `admin.${req.method.toLowerCase()}`, { type: "path", id: req.path.slice(0, 128) /* the audit record's bound on an id */ }, () =>
      jurisdiction.assertMayOperate(caller.principal),
    );
    next();
  });
  const notFound = (res: Response, detail: string) => res.status(404).type("application/problem+json").json({ type: "urn:onestop:problem:not-found", title: "No such rebuild", status: 404, detail });
  router.post("/v1/admin/rebuild", async (req, res) => {
    try {
      await audit.record({ caller: callerOf(req, res), action: "report.rebuild", target: { type: "projection", id: "dossier_facts" }, outcome: "ok" });
      const progress = await rebuilder.start();
      res.status(202).location(`/v1/admin/rebuild/${progress.id}`).json(progress);
    } catch (error) {
      // Losing a race to a concurrent start is a conflict too (found by fuzzing: it was a 500).
      if (!(error instanceof RebuildInProgressError || error instanceof RebuildStartRaceError)) throw error;
      res
        .status(409)
        .type("application/problem+json")
        .json({
          type: "urn:onestop:problem:conflict",
          title: "Rebuild running",
          status: 409,
          detail: error.message,
          ...(error instanceof RebuildInProgressError ? { running: error.running } : {}),
        });
    }
  });
  router.get("/v1/admin/rebuild", async (_req, res) => {
    const progress = await rebuilder.progress();
    if (progress) res.json(progress);
    else notFound(res, "no rebuild has run");
  });
  router.get("/v1/admin/rebuild/:id", async (req, res) => {
    const progress = await rebuilder.progress(req.params.id);
    if (progress) res.json(progress);
    else notFound(res, `no rebuild ${req.params.id}`);
  });
  return router;
}

/** Anything thrown by a route: its auth problem (401/403), else a 500 problem without internals. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const authProblem = authProblemOf(error);
    if (authProblem) {
      res.status(authProblem.status).type("application/problem+json").json(authProblem);
      return;
    }
    if (error instanceof RateLimitedError) return sendRateLimited(res, error);
    // What express raises for a client's mistake (a path parameter whose percent-encoding is broken): its 4xx, not a 500.
    const clientStatus = (error as { status?: unknown; expose?: unknown }).status;
    if (typeof clientStatus === "number" && clientStatus >= 400 && clientStatus < 500 && (error as { expose?: unknown }).expose !== false) {
      const errors = clientStatus === 400 ? [{ path: "(path)", message: "malformed percent-encoding" }] : undefined;
      res
        .status(clientStatus)
        .type("application/problem+json")
        .json({ type: "urn:onestop:problem:invalid-request", title: "Invalid request", status: clientStatus, detail: "the request could not be read", ...(errors ? { errors } : {}) });
      return;
    }
    log.error("request failed", { error });
    res.status(500).type("application/problem+json").json({
      type: "urn:onestop:problem:internal",
      title: "Internal error",
      status: 500,
      detail: "the report could not be computed",
    });
  };
}
