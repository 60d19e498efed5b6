import express, { Router } from "express";
import { callerOf, type TokenVerifier } from "@onestop/auth";
import { authenticateLimited, type RateLimiter } from "@onestop/service-kit";
import type { WorkingCalendar } from "@onestop/calendar";
import { summarize, type AgencyRegistry, type Catalogue } from "@onestop/catalogue";
import type { Intake } from "../../app/intake.js";
import { computeDeadline, listNonWorkingDays } from "../../app/calendar-queries.js";
import { ValidationError } from "../../app/errors.js";
import { isCalendarDate } from "../../app/validation.js";

export const BODY_LIMIT = "256kb";
/** No request body nests deeper than a few levels; a 256 KiB one can nest 100 000 deep and overflow the stack of whatever walks it. */
export const MAX_BODY_DEPTH = 32;

export interface IntakeRouterDeps {
  intake: Intake;
  catalogue: Catalogue;
  registry: AgencyRegistry;
  calendar: WorkingCalendar;
  verifier: TokenVerifier;
  /** The per-client rate limit, shared with the gRPC adapter. */
  limiter: RateLimiter;
}

/**
 * REST API v1 of intake; errors reach the problem handler. Every route needs a bearer token; what
 * the caller may do with a dossier is the use cases' to decide (app/intake.ts).
 */
export function intakeRouter({ intake, catalogue, registry, calendar, verifier, limiter }: IntakeRouterDeps): Router {
  const router = Router();
  router.use("/v1", authenticateLimited(verifier, limiter));
  router.use(express.json({ limit: BODY_LIMIT }));
  router.use((req, _res, next) => {
    const tooDeep = tooDeepField(req.body, MAX_BODY_DEPTH);
    if (tooDeep) throw new ValidationError([{ path: tooDeep, message: `nested deeper than ${MAX_BODY_DEPTH} levels` }]);
    next();
  });

  router.post("/v1/dossiers", async (req, res) => {
    const key = req.get("Idempotency-Key");
    if (key !== undefined && (key.length === 0 || key.length > 200)) {
      throw new ValidationError([{ path: "Idempotency-Key", message: "must be 1 to 200 characters" }]);
    }
    const result = await intake.submit(callerOf(req, res), req.body, key);
    res
      .status(201)
      .location(`/v1/dossiers/${encodeURIComponent(result.receipt.code)}`)
      .json(result.receipt);
  });

  router.post("/v1/dossiers/:code/events", async (req, res) => {
    res.json((await intake.recordEvent(callerOf(req, res), req.params.code, req.body)).dossier);
  });

  router.get("/v1/dossiers/:code", async (req, res) => {
    res.json(await intake.get(callerOf(req, res), req.params.code));
  });

  router.get("/v1/procedures", (_req, res) => {
    res.json(catalogue.procedures().map(summarize));
  });

  router.get("/v1/agencies", (req, res) => {
    const at = String(req.query.at ?? "");
    if (!isCalendarDate(at)) throw new ValidationError([{ path: "at", message: "must be a date YYYY-MM-DD" }]);
    res.json(
      registry.agenciesAt(at).map(({ code, name, level, unitCode, validFrom, validTo, successorCode }) => ({
        code,
        name,
        level,
        unitCode,
        validFrom,
        validTo: validTo ?? null,
        ...(successorCode ? { successorCode } : {}),
      })),
    );
  });

  router.get("/v1/calendar/deadline", (req, res) => {
    res.json(computeDeadline(req.query, calendar));
  });

  router.get("/v1/calendar/non-working-days", (req, res) => {
    res.json(listNonWorkingDays(req.query, calendar));
  });

  return router;
}

/**
 * The member of `body` holding values nested deeper than `limit` (its top-level name, "(body)" for
 * the body itself), or undefined. Walked without recursion, and no further than `limit` + 1.
 */
export function tooDeepField(body: unknown, limit: number): string | undefined {
  const stack: Array<[unknown, number, string]> = [[body, 0, "(body)"]];
  while (stack.length > 0) {
    const [node, depth, field] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth >= limit) return field;
    for (const [key, child] of Object.entries(node)) {
      stack.push([child, depth + 1, depth === 0 && !Array.isArray(node) ? key : field]);
    }
  }
  return undefined;
}
