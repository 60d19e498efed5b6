import { status, type handleUnaryCall } from "@grpc/grpc-js";
import type { AuditTrail } from "@onestop/audit";
import { authenticateCall, type Caller, type Jurisdiction, type TokenVerifier } from "@onestop/auth";
import type { ReportScope } from "../../domain/index.js";
import {
  Level,
  levelToJSON,
  type GetIndicators766Request,
  type GetQuarterlyReportRequest,
  type GetTthcReportRequest,
  type ReportingServiceServer,
  type TraceDelayedDossiersRequest,
} from "@onestop/contracts";
import type { DelayedQueries } from "../../app/delayed.js";
import { traceDelayedRequest, traceDelayedResponse } from "./delayed-messages.js";
import { authenticateCallLimited, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { parseIndicatorsQuery, parseQuarterlyQuery, parseTthcQuery, type Parsed, type ParseContext } from "../../app/params.js";
import type { ReportQueries } from "../../app/reports.js";
import { indicatorsResponse, quarterlyResponse, tthcResponse } from "./messages.js";
import { InvalidArgumentError, statusOf } from "./status.js";

export interface ReportingGrpcDeps {
  reports: Pick<ReportQueries, "tthc" | "quarterly" | "indicators">;
  /** The first day of a quarter's period in the month before it (1: calendar quarters). */
  quarterStartDay: number;
  log: Logger;
  verifier: TokenVerifier;
  /** The per-client rate limit shared with the REST adapter; none when absent. */
  limiter?: RateLimiter;
  /** Narrows every request to the scope its caller may read. */
  jurisdiction: Jurisdiction;
  /** Records every refusal. */
  audit: AuditTrail;
  /** Clock for "not in the future" checks; the system clock by default. */
  now?: () => Date;
  /** TraceDelayedDossiers; UNIMPLEMENTED without it. */
  delayed?: DelayedQueries;
}

const TRACE_NOT_IMPLEMENTED = "Chức năng truy vết hồ sơ chậm muộn (TraceDelayedDossiers) chưa được triển khai trong dịch vụ báo cáo.";

/**
 * ReportingService over the report queries, with the REST API's parameter rules (src/app/params.ts).
 * Every call needs `authorization: Bearer …` metadata and reads only its caller's scope.
 */
export function reportingService({ reports, quarterStartDay, log, verifier, limiter, jurisdiction, audit, now = () => new Date(), delayed }: ReportingGrpcDeps): ReportingServiceServer {
  const authenticated = (call: Parameters<typeof authenticateCall>[1]) => (limiter ? authenticateCallLimited(verifier, limiter, call) : authenticateCall(verifier, call));
  const unary = unaryWith(log, authenticated);
  const scopeFor = (caller: Caller, scope: ReportScope): Promise<ReportScope> =>
    audit.authorised(caller, "report.read", { type: "report-scope", id: scope.agencyCode ?? "*" }, () => jurisdiction.reportScopeFor(caller.principal, scope));
  const context = (): ParseContext => ({ quarterStartDay, now: now() });
  return {
    getTthcReport: unary(async (request: GetTthcReportRequest, caller) => {
      const { period, scope } = valid(parseTthcQuery(tthcQuery(request), context()));
      return tthcResponse(await reports.tthc(period, await scopeFor(caller, scope)));
    }),

    getQuarterlyReport: unary(async (request: GetQuarterlyReportRequest, caller) => {
      const { period, scope } = valid(parseQuarterlyQuery(quarterlyQuery(request), context()));
      return quarterlyResponse(await reports.quarterly(period, await scopeFor(caller, scope)));
    }),

    getIndicators766: unary(async (request: GetIndicators766Request, caller) => {
      const { period, scope } = valid(parseIndicatorsQuery(indicatorsQuery(request), context(), { quarters: false }));
      return indicatorsResponse(await reports.indicators(period, await scopeFor(caller, scope)));
    }),

    traceDelayedDossiers: delayed
      ? unary(async (request: TraceDelayedDossiersRequest, caller) => {
          const parsed = valid(traceDelayedRequest(request));
          return traceDelayedResponse(await delayed.list({ ...parsed, scope: await scopeFor(caller, parsed.scope) }));
        })
      : (call, callback) =>
          void authenticated(call).then(
            () => callback({ code: status.UNIMPLEMENTED, details: TRACE_NOT_IMPLEMENTED }),
            (error: unknown) => callback(statusOf(error)),
          ),
  };
}

/** Wraps a handler: the caller authenticated, then its answer, or the status of what it threw (unexpected errors logged, never sent). */
function unaryWith(log: Logger, authenticated: (call: Parameters<typeof authenticateCall>[1]) => Promise<Caller>) {
  return <Req, Res>(handle: (request: Req, caller: Caller) => Promise<Res>): handleUnaryCall<Req, Res> =>
    (call, callback) => {
      authenticated(call)
        .then((caller) => handle(call.request, caller))
        .then(
          (response) => callback(null, response),
          (error: unknown) => {
            const answer = statusOf(error);
            if (answer.code === status.INTERNAL) log.error("grpc call failed", { method: call.getPath(), error });
            callback(answer);
          },
        );
    };
}

// The requests are read through the REST query rules: each field under its query parameter's name,
// proto3 defaults (empty text, 0, LEVEL_UNSPECIFIED) meaning "not given". Errors are named back
// after the request's fields.

const FIELD_OF_PARAMETER: Record<string, string> = { agency: "agencyCode", sector: "sectorCode" };

function valid<T>(parsed: Parsed<T>): T {
  if (parsed.ok) return parsed.value;
  throw new InvalidArgumentError(parsed.errors.map((error) => ({ ...error, path: FIELD_OF_PARAMETER[error.path] ?? error.path })));
}

function given(parameters: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ""));
}

/** "LEVEL_COMMUNE" -> "COMMUNE"; a number outside the enum is passed on for the rules to reject. */
function levelParameter(level: Level): string | undefined {
  if (level === Level.LEVEL_UNSPECIFIED) return undefined;
  const name = levelToJSON(level);
  return name.startsWith("LEVEL_") ? name.slice("LEVEL_".length) : String(level);
}

const numberParameter = (value: number) => (value === 0 ? undefined : String(value));

const tthcQuery = (request: GetTthcReportRequest) =>
  given({
    period: request.period,
    from: request.from,
    to: request.to,
    level: levelParameter(request.level),
    agency: request.agencyCode,
    sector: request.sectorCode,
  });

const quarterlyQuery = (request: GetQuarterlyReportRequest) =>
  given({ year: numberParameter(request.year), quarter: numberParameter(request.quarter), level: levelParameter(request.level), agency: request.agencyCode });

const indicatorsQuery = (request: GetIndicators766Request) => given({ from: request.from, to: request.to, agency: request.agencyCode });
