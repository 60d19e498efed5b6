import express, { Router } from "express";
import { callerOf, type TokenVerifier } from "@onestop/auth";
import type { Catalogue } from "@onestop/catalogue";
import { authenticateLimited, type RateLimiter } from "@onestop/service-kit";
import { ValidationError } from "../../app/errors.js";
import { parse, parseResult, parseStart, reasonSchema, reassignSchema } from "../../app/input.js";
import type { Lienthong } from "../../app/lienthong.js";
import { ForbiddenError, hasRole } from "@onestop/auth";
import { bundleView } from "./views.js";

export interface LienthongRouterDeps {
  app: Lienthong;
  catalogue: Catalogue;
  verifier: TokenVerifier;
  limiter: RateLimiter;
}

const STATUSES = ["IN_PROGRESS", "COMPLETED", "FAILED", "NEEDS_ATTENTION"];

/**
 * REST API v1 of lienthong. Every route needs a bearer token; who may read or act on a bundle is
 * the use cases' to decide (app/lienthong.ts): operators act, sector systems answer their steps.
 */
export function lienthongRouter({ app, catalogue, verifier, limiter }: LienthongRouterDeps): Router {
  const router = Router();
  router.use("/v1", authenticateLimited(verifier, limiter));
  router.use(express.json({ limit: "256kb" }));
  const view = (bundle: Parameters<typeof bundleView>[0]) => bundleView(bundle, app.nowIso());

  router.get("/v1/bundle-definitions", (_req, res) => {
    res.json(catalogue.bundles().map(({ code, name, nationalCode, onlineOnly, timeLimit, routing }) => ({ code, name, nationalCode, onlineOnly, timeLimit, routing })));
  });

  router.post("/v1/bundles", async (req, res) => {
    const caller = callerOf(req, res);
    if (!hasRole(caller.principal, "service")) throw new ForbiddenError("Chỉ hệ thống một cửa được nộp nhóm thủ tục trực tiếp");
    const bundle = await app.start(parseStart(req.body, new Date(app.nowIso())));
    res.status(201).location(`/v1/bundles/${bundle.id}`).json(view(bundle));
  });

  router.get("/v1/bundles", async (req, res) => {
    const status = req.query.status === undefined ? undefined : String(req.query.status);
    if (status !== undefined && !STATUSES.includes(status)) throw new ValidationError([{ path: "status", message: `phải là một trong ${STATUSES.join(", ")}` }]);
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new ValidationError([{ path: "limit", message: "phải là số nguyên từ 1 đến 500" }]);
    const bundleCode = req.query.bundleCode === undefined ? undefined : String(req.query.bundleCode);
    const after = req.query.after === undefined ? undefined : String(req.query.after);
    const bundles = await app.list(callerOf(req, res), { limit, ...(status ? { status } : {}), ...(bundleCode ? { bundleCode } : {}), ...(after ? { after } : {}) });
    res.json({ bundles: bundles.map(view), ...(bundles.length === limit ? { next: bundles.at(-1)!.id } : {}) });
  });

  router.get("/v1/bundles/:id", async (req, res) => {
    res.json(view(await app.get(callerOf(req, res), req.params.id)));
  });

  router.get("/v1/dossiers/:code/bundle", async (req, res) => {
    res.json(view(await app.getByDossier(callerOf(req, res), req.params.code)));
  });

  router.post("/v1/bundles/:id/steps/:step/result", async (req, res) => {
    const outcome = await app.recordResult(parseResult(req.params.id, req.params.step, req.body, new Date(app.nowIso())), callerOf(req, res));
    res.json({ applied: outcome.applied, ...(outcome.bundle ? { bundle: view(outcome.bundle) } : {}) });
  });

  router.post("/v1/bundles/:id/steps/:step/retry", async (req, res) => {
    const { reason } = parse(reasonSchema, req.body);
    res.json(view(await app.retry(callerOf(req, res), req.params.id, req.params.step, reason)));
  });

  router.post("/v1/bundles/:id/steps/:step/reassign", async (req, res) => {
    const { agencyCode, reason } = parse(reassignSchema, req.body);
    res.json(view(await app.reassign(callerOf(req, res), req.params.id, req.params.step, agencyCode, reason)));
  });

  router.post("/v1/bundles/:id/cancel", async (req, res) => {
    const { reason } = parse(reasonSchema, req.body);
    res.json(view(await app.cancel(callerOf(req, res), req.params.id, reason)));
  });

  return router;
}
