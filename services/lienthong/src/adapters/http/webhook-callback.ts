import express, { Router } from "express";
import { ForbiddenError } from "@onestop/auth";
import { LIENTHONG_STEPS, SECTOR_SYSTEMS, verifyWebhook, type SectorSystem } from "@onestop/contracts";
import type { RateLimiter } from "@onestop/service-kit";
import { ValidationError } from "../../app/errors.js";
import { parseResult } from "../../app/input.js";
import type { Lienthong } from "../../app/lienthong.js";
import type { SectorWebhooks } from "../webhook/sender.js";
import { sendProblem } from "./problems.js";

export interface WebhookCallbackDeps {
  app: Lienthong;
  webhooks: SectorWebhooks;
  limiter: RateLimiter;
}

const ID = /^[\x21-\x7e]{1,64}$/;

/**
 * `POST /webhooks/v1/<sector>/results`: a webhook sector system's answer to a step request, signed
 * with its shared secret like our requests (packages/contracts/src/webhook.ts). It may answer its
 * own steps only; an answer is applied once (by bundle, step and attempt), so sending it again is
 * harmless: `applied` says whether this one changed the bundle. Mounted before the bearer-token
 * routes: the signature is the authentication.
 */
export function webhookCallbackRouter({ app, webhooks, limiter }: WebhookCallbackDeps): Router {
  const router = Router();
  router.post("/webhooks/v1/:sector/results", express.raw({ type: () => true, limit: "256kb" }), async (req, res) => {
    const address = req.socket.remoteAddress ?? "unknown";
    limiter.admitAddress(address);
    const sector = req.params.sector as SectorSystem;
    const webhook = SECTOR_SYSTEMS.includes(sector) ? webhooks[sector] : undefined;
    const raw = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    const verdict = webhook ? verifyWebhook(webhook.secret, raw, req.headers as Record<string, string | undefined>) : ({ ok: false, reason: "UNKNOWN_SECTOR" } as const);
    if (!verdict.ok) {
      limiter.failedAuthentication(address);
      // No reason given: it would tell a forger which part failed.
      return sendProblem(res, { type: "urn:onestop:problem:unauthenticated", title: "Chưa xác thực", status: 401, detail: "Chữ ký webhook không hợp lệ hoặc đã hết hạn" });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new ValidationError([{ path: "(body)", message: "không phải JSON hợp lệ" }]);
    }
    const errors = (["bundleId", "stepCode"] as const).filter((field) => typeof body?.[field] !== "string" || !ID.test(body[field] as string));
    if (errors.length > 0) throw new ValidationError(errors.map((path) => ({ path, message: "thiếu hoặc không hợp lệ" })));
    const stepCode = body.stepCode as string;
    if (!LIENTHONG_STEPS.some((step) => step.sector === sector && step.stepCode === stepCode)) {
      throw new ForbiddenError(`Hệ thống ${sector} không trả kết quả bước ${stepCode}`);
    }
    const outcome = await app.recordResult(parseResult(body.bundleId as string, stepCode, body, new Date(app.nowIso())));
    res.json({ applied: outcome.applied });
  });
  return router;
}
