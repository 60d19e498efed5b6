/**
 * REST :8084. Every /v1 route needs a verified bearer token (mounted after authenticateLimited);
 * who may do what is the shared Jurisdiction on the dossier's holders (receiving desk, deciding
 * agency): act (request, confirm, refund, settle) or read; reconciliation is the province
 * operators' and services'. Each change, read and refusal is on the audit record. The gateway's
 * IPN is outside /v1: it carries no token, its signature is its authentication.
 */
import express, { Router, type Request, type Response } from "express";
import { z } from "zod";
import { callerOf } from "@onestop/auth";
import type { AuditTrail } from "@onestop/audit";
import { localDateOf } from "@onestop/calendar";
import { ipnAnswer } from "@onestop/payment-gateway";
import type { Logger } from "@onestop/telemetry";
import { uuidv7 } from "uuidv7";
import type { GuardedPayments } from "../../app/guarded.js";
import type { Payments } from "../../app/payments.js";
import type { PaymentGateway } from "../../app/ports.js";
import type { PaymentState } from "../../domain/payment.js";
import { RSP_CODE_OF_OUTCOME } from "../gateway/vnpay-gateway.js";
import { parse } from "./problems.js";
import { paymentView } from "./views.js";

const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const instant = z
  .string()
  .regex(OFFSET_TIME, "RFC 3339 with an offset")
  .refine((v) => !Number.isNaN(Date.parse(v)) && v.slice(0, 4) >= "1900" && v.slice(0, 4) <= "2199", "not a real instant");
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD")
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), "not a real date");
const code = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, "letters, digits, . _ -");
const reason = z
  .string()
  .min(1)
  .max(500)
  .transform((v) => v.normalize("NFC"));
const dong = z.number().int("whole đồng").positive().max(1_000_000_000_000);
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, "a payment id");

const requestBody = z.strictObject({
  dossierCode: code,
  channel: z.enum(["OTHER_GATEWAY", "DESK", "BANK_TRANSFER", "NATIONAL_PLATFORM"]),
  returnUrl: z.url().max(500).optional(),
});
const confirmBody = z.strictObject({ succeeded: z.boolean(), at: instant, reference: code, reason: reason.optional() });
const refundBody = z.strictObject({ amount: dong, reason });
const settleBody = z.strictObject({ settledAt: instant });
const assessBody = z.strictObject({
  procedureCode: z.string().regex(/^\d\.\d{6}$/, "a procedure code d.dddddd"),
  channel: z.enum(["ONLINE", "IN_PERSON", "POSTAL"]),
  at: instant,
  facts: z.record(z.string().max(64), z.string().max(64)).default({}),
});
const reconcileBody = z.strictObject({ day, agencyCode: code });
const idempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "visible ASCII");

export interface RouterDeps {
  payments: Payments;
  guarded: GuardedPayments;
  audit: AuditTrail;
  gateways: ReadonlyMap<string, PaymentGateway>;
  log: Logger;
  now?: () => number;
}

const run = (handler: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: (error?: unknown) => void) => void handler(req, res).catch(next);

export function paymentsRouter(deps: RouterDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const json = express.json({ limit: "64kb" });
  const { guarded } = deps;
  const view = (state: PaymentState) => ({ payment: paymentView(state, now()) });
  const paymentId = (req: Request) => parse(uuid, req.params.paymentId, "paymentId");

  router.post(
    "/v1/payments",
    json,
    run(async (req, res) => {
      const body = parse(requestBody, req.body);
      const header = req.get("idempotency-key");
      const key = header === undefined ? uuidv7() : parse(idempotencyKey, header, "Idempotency-Key");
      const result = await guarded.request(callerOf(req, res), { dossierCode: body.dossierCode, channel: body.channel, idempotencyKey: key, ...(body.returnUrl ? { returnUrl: body.returnUrl } : {}) });
      res.status(result.created ? 201 : 200).json({ ...view(result.payment), ...(result.paymentUrl ? { paymentUrl: result.paymentUrl } : {}) });
    }),
  );
  router.get(
    "/v1/payments",
    run(async (req, res) => {
      const { dossierCode } = parse(z.strictObject({ dossierCode: code }), req.query, "(query)");
      res.json({ payments: (await guarded.ofDossier(callerOf(req, res), dossierCode)).map((state) => paymentView(state, now())) });
    }),
  );
  router.get(
    "/v1/payments/:paymentId",
    run(async (req, res) => {
      res.json(view(await guarded.get(callerOf(req, res), paymentId(req))));
    }),
  );
  router.post(
    "/v1/payments/:paymentId/confirmation",
    json,
    run(async (req, res) => {
      const id = paymentId(req);
      const body = parse(confirmBody, req.body);
      res.json(view(await guarded.confirm(callerOf(req, res), id, { succeeded: body.succeeded, at: Date.parse(body.at), reference: body.reference, reason: body.reason ?? "" })));
    }),
  );
  router.post(
    "/v1/payments/:paymentId/refund",
    json,
    run(async (req, res) => {
      const id = paymentId(req);
      res.json(view(await guarded.refund(callerOf(req, res), id, parse(refundBody, req.body))));
    }),
  );
  router.post(
    "/v1/payments/:paymentId/settlement",
    json,
    run(async (req, res) => {
      const id = paymentId(req);
      res.json(view(await guarded.settle(callerOf(req, res), id, Date.parse(parse(settleBody, req.body).settledAt))));
    }),
  );
  router.get(
    "/v1/dossiers/:dossierCode/fees",
    run(async (req, res) => {
      const doc = await guarded.fees(callerOf(req, res), parse(code, req.params.dossierCode, "dossierCode"));
      res.json({ dossierCode: doc._id, procedureCode: doc.procedureCode, channel: doc.channel, lines: doc.assessment.lines, total: doc.assessment.total, appliedRules: doc.assessment.appliedRules });
    }),
  );
  router.post(
    "/v1/dossiers/:dossierCode/fees/reassessment",
    json,
    run(async (req, res) => {
      const dossierCode = parse(code, req.params.dossierCode, "dossierCode");
      const known = deps.payments.knownFacts();
      const body = parse(
        z.strictObject({
          facts: z
            .record(z.string().max(64), z.enum(["true", "false"]))
            .refine((facts) => Object.keys(facts).length > 0, "at least one fact")
            .superRefine((facts, ctx) => {
              for (const name of Object.keys(facts)) if (!known.has(name)) ctx.addIssue({ code: "custom", path: [name], message: `unknown fact; the rules read ${[...known].sort().join(", ")}` });
            }),
        }),
        req.body,
      );
      const doc = await guarded.reassess(callerOf(req, res), dossierCode, body.facts);
      res.json({ dossierCode: doc._id, procedureCode: doc.procedureCode, channel: doc.channel, lines: doc.assessment.lines, total: doc.assessment.total, appliedRules: doc.assessment.appliedRules });
    }),
  );
  router.post(
    "/v1/fees/assessment",
    json,
    run(async (req, res) => {
      res.json(guarded.assess(callerOf(req, res), parse(assessBody, req.body)));
    }),
  );
  router.post(
    "/v1/reconciliations",
    json,
    run(async (req, res) => {
      const body = parse(reconcileBody, req.body);
      const doc = await guarded.reconcile(callerOf(req, res), body.day, body.agencyCode);
      res.json({ reconciliationId: doc.reconciliationId, day: doc.day, matchedCount: doc.result.matched.length, matchedAmount: doc.result.matchedAmount, mismatches: doc.result.mismatches });
    }),
  );
  router.get(
    "/v1/reconciliations/unreconciled",
    run(async (req, res) => {
      const items = await guarded.unreconciled(callerOf(req, res));
      res.json({
        payments: items.payments.map((doc) => paymentView(doc.state, now())),
        mismatches: items.mismatches.map((doc) => ({ reconciliationId: doc.reconciliationId, day: doc.day, ...doc.mismatch })),
      });
    }),
  );
  return router;
}

/** A gateway principal for the audit record of callbacks (no token: the signature authenticates). */
const gatewayCaller = (name: string, address: string | undefined) => ({
  principal: { subject: `gateway:${name}`, username: `gateway-${name}`, kind: "service" as const, roles: [] },
  from: { transport: "rest" as const, ...(address ? { address } : {}) },
});

/**
 * The gateway's IPN and the applicant's return page. A refused callback (tampered, replayed,
 * late, wrong amount) is logged and audited with the order reference and the answer only, never
 * the query (it may carry the payer's bank or card details).
 */
export function gatewayRouter(deps: RouterDeps): Router {
  const router = Router();
  for (const [name, gateway] of deps.gateways) {
    router.get(
      `/gateways/${name}/ipn`,
      run(async (req, res) => {
        const query = Object.fromEntries(Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
        let code = RSP_CODE_OF_OUTCOME.ERROR;
        let paymentId: string | undefined;
        let outcome = "ERROR";
        try {
          const result = await deps.payments.callback(gateway, query);
          code = RSP_CODE_OF_OUTCOME[result.outcome];
          outcome = result.outcome;
          paymentId = result.paymentId;
        } catch (error) {
          deps.log.error("gateway callback failed", { gateway: name, error });
        }
        if (outcome !== "CONFIRMED") deps.log.warn("gateway callback refused", { gateway: name, outcome, rspCode: code, paymentId });
        await deps.audit.record({
          caller: gatewayCaller(name, req.ip),
          action: "payment.callback",
          target: { type: "payment", id: paymentId ?? "unknown" },
          outcome: outcome === "CONFIRMED" ? "ok" : "denied",
          details: { outcome, rspCode: code },
        });
        res.json(ipnAnswer(code));
      }),
    );
    router.get(`/gateways/${name}/return`, (req, res) => {
      const query = Object.fromEntries(Object.entries(req.query).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
      const callback = gateway.readCallback(query);
      const title = !callback.signatureValid ? "Kết quả không hợp lệ" : callback.succeeded ? "Thanh toán thành công" : "Thanh toán không thành công";
      const amount = callback.amount === undefined ? "" : `<p>Số tiền: ${callback.amount.toLocaleString("vi-VN")} đồng</p>`;
      res
        .type("html")
        .send(
          `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${callback.signatureValid ? amount : ""}<p>Kết quả chính thức được cổng thanh toán xác nhận với cơ quan; ngày ${localDateOf(now())}.</p></body></html>`,
        );
    });
  }
  return router;
  function now() {
    return (deps.now ?? Date.now)();
  }
}
