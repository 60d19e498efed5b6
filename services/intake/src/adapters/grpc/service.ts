import { status, type handleUnaryCall } from "@grpc/grpc-js";
import { authenticateCall, type Caller, type TokenVerifier } from "@onestop/auth";
import { localDateOf, type WorkingCalendar } from "@onestop/calendar";
import { summarize, type AgencyRegistry, type Catalogue, type Procedure } from "@onestop/catalogue";
import { Level, levelToJSON, timeUnitToJSON, type IntakeServiceServer, type ListProceduresRequest } from "@onestop/contracts";
import { authenticateCallLimited, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { computeDeadline, listNonWorkingDays } from "../../app/calendar-queries.js";
import { ValidationError } from "../../app/errors.js";
import type { Intake } from "../../app/intake.js";
import { isCalendarDate } from "../../app/validation.js";
import { lifecycleEventFromContract, submissionFromContract } from "../contract-requests.js";
import { agencyMessage, dossierMessage, eventAnswer, nonWorkingDayMessage, procedureMessage, receiptMessage, shortName } from "./messages.js";
import { statusOf } from "./status.js";

export interface IntakeGrpcDeps {
  intake: Intake;
  catalogue: Catalogue;
  registry: AgencyRegistry;
  calendar: WorkingCalendar;
  log: Logger;
  verifier: TokenVerifier;
  /** The per-client rate limit shared with the REST adapter; none when absent. */
  limiter?: RateLimiter;
  /** Clock for "today" (ListAgencies without a date) and for overdue verdicts; the system clock by default. */
  now?: () => Date;
}

/** Same bound as the REST Idempotency-Key header. */
const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/**
 * IntakeService over the intake use cases, with the REST API's validation and error classification.
 * Every call needs `authorization: Bearer …` metadata.
 */
export function intakeService({ intake, catalogue, registry, calendar, log, verifier, limiter, now = () => new Date() }: IntakeGrpcDeps): IntakeServiceServer {
  const unary = unaryWith(log, verifier, limiter);
  return {
    submitDossier: unary(async (request, caller) => {
      const { body, idempotencyKey } = submissionFromContract(request);
      if (idempotencyKey && idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
        throw new ValidationError([{ path: "idempotencyKey", message: `at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters` }]);
      }
      return receiptMessage(await intake.submit(caller, body, idempotencyKey));
    }),

    recordDossierEvent: unary(async (request, caller) => {
      const { code, body } = lifecycleEventFromContract(request);
      const { applied, dossier } = await intake.recordEvent(caller, code, body);
      return eventAnswer(dossier, request.eventId, applied);
    }),

    getDossier: unary(async (request, caller) => ({ dossier: dossierMessage(await intake.get(caller, request.code), now()) })),

    listProcedures: unary((request) => ({
      procedures: catalogue
        .procedures()
        .filter(procedureFilter(request))
        .map((p) => procedureMessage(summarize(p))),
    })),

    listAgencies: unary((request) => ({ agencies: registry.agenciesAt(agencyDate(request.at, now())).map(agencyMessage) })),

    computeDeadline: unary((request) =>
      computeDeadline({ from: request.from, amount: request.amount, unit: shortName(timeUnitToJSON(request.unit), "TIME_UNIT_"), sameDay: String(request.sameDay) }, calendar),
    ),

    listNonWorkingDays: unary((request) => ({ days: listNonWorkingDays({ year: request.year }, calendar).map(nonWorkingDayMessage) })),
  };
}

/** Wraps a handler: the caller authenticated, then its answer, or the status of what it threw (unexpected errors logged, never sent). */
function unaryWith(log: Logger, verifier: TokenVerifier, limiter: RateLimiter | undefined) {
  return <Req, Res>(handle: (request: Req, caller: Caller) => Promise<Res> | Res): handleUnaryCall<Req, Res> =>
    (call, callback) => {
      (limiter ? authenticateCallLimited(verifier, limiter, call) : authenticateCall(verifier, call))
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

/** The optional filters of ListProcedures: a sector, a level that handles the procedure. */
function procedureFilter({ sectorCode, level }: ListProceduresRequest): (procedure: Procedure) => boolean {
  const levelName = level === Level.LEVEL_UNSPECIFIED ? undefined : shortName(levelToJSON(level), "LEVEL_");
  if (level !== Level.LEVEL_UNSPECIFIED && !levelName) throw new ValidationError([{ path: "level", message: "unknown level" }]);
  return (procedure) => (sectorCode === "" || procedure.sectorCode === sectorCode) && (levelName === undefined || procedure.levels.some((l) => l === levelName));
}

/** ListAgencies' date: "YYYY-MM-DD", or today in Vietnam when empty. */
function agencyDate(at: string, now: Date): string {
  if (at === "") return localDateOf(now);
  if (!isCalendarDate(at)) throw new ValidationError([{ path: "at", message: "must be a date YYYY-MM-DD" }]);
  return at;
}
