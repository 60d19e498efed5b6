/**
 * The web UI's JSON API (`/api/*`), every call made as the signed-in person (their own token, so
 * each service judges what they may see or do; the console adds no rights):
 * - GET  /api/home: who is signed in, their quarter's figures, services and streams for operators;
 * - GET  /api/procedures, /api/agencies: the catalogue's procedures with their sectors' names and today's agencies (the delayed list's filters);
 * - GET  /api/dossiers/:code/timeline: the dossier (intake) and its timeline from every service;
 * - GET  /api/dossiers/:code/apology: the apology letter, once the extension is recorded;
 * - POST /api/dossiers/:code/apology {reason, newDueDate}: records the extension through intake
 *   (DEADLINE_EXTENDED, event id derived from the code, so a second click has no second effect;
 *   intake enforces "at most once, at least one day before the due date") and answers the letter;
 * - GET  /phieu-xin-loi/:code.pdf: the same letter as a PDF.
 */
import express, { Router, type Request, type Response } from "express";
import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { hasRole } from "@onestop/auth";
import type { AgencyRegistry, Catalogue } from "@onestop/catalogue";
import { IntakeServiceClient, type Dossier as DossierMessage } from "@onestop/contracts";
import type { Logger } from "@onestop/telemetry";
import type { NatsConnection } from "@nats-io/transport-node";
import { apologyLetter, apologyWindow, extendedDueDates, extensionRefusal, parseApologyRequest, vietnamDateOf, type ApologyLetter, type DossierFacts } from "./apology.js";
import type { ConsoleAuth } from "./auth.js";
import type { Forwarder } from "./forward.js";
import { quarterOf, vietnamToday, viewerOf } from "./home.js";
import { ROLE_LABELS } from "./page.js";
import { renderApologyPdf } from "./pdf.js";
import type { Session } from "./sessions.js";
import { serviceStatus, streamStatus } from "./status.js";
import { bundleItems, coveredDocumentIds, digitisationItems, intakeItems, mergeTimeline, paymentItems } from "./timeline.js";

export interface ApiDeps {
  auth: ConsoleAuth;
  forwarder: Forwarder;
  registry: AgencyRegistry;
  catalogue: Catalogue;
  /** intake's gRPC address (host:port): its GetDossier answers the timeline with Vietnamese summaries. */
  intakeGrpc: string;
  publicUrl: string;
  services: Array<{ name: string; url: string }>;
  nats: NatsConnection;
  log: Logger;
}

/** What the letter and its rules read of intake's REST view of a dossier (the applicant is masked there). */
interface IntakeView extends DossierFacts {
  code: string;
  procedureCode: string;
  agencyCode: string;
  receivedAt: string;
  timeline: Array<{ type: string; at: string; details?: Record<string, unknown> }>;
}

/** A dossier's components are a handful; more document reads than this would only slow the page. */
const MAX_DOCUMENTS = 30;

const DOSSIER_CODE = /^[A-Za-z0-9.\-_]{1,64}$/;

type Problem = { status: number; title: string; detail: string; errors?: Array<{ path: string; message: string }>; rule?: string };
const send = (res: Response, problem: Problem) =>
  res
    .status(problem.status)
    .set("Cache-Control", "no-store")
    .type("application/problem+json")
    .json({ type: `urn:onestop:problem:${problem.status}`, ...problem });

/** The apology's event id: one per dossier, so the extension is recorded at most once whatever the clicks. */
export const apologyEventId = (code: string) => `console-apology-${code}`;

/** The province of a unit (its parents walked up to a 2-digit code), as it stands today. */
function provinceOf(registry: AgencyRegistry, unitCode: string | undefined, today: string) {
  let unit = unitCode ? registry.unit(unitCode) : undefined;
  while (unit && unit.code.length > 2 && unit.parentCode) unit = registry.unit(unit.parentCode);
  return unit ? (registry.unitSuccessorAt(unit.code, today) ?? unit) : undefined;
}

export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  const grpc = new IntakeServiceClient(deps.intakeGrpc, credentials.createInsecure());
  const publicOrigin = new URL(deps.publicUrl).origin;

  const signedIn = (req: Request, res: Response): Session | undefined => {
    const session = deps.auth.sessionOf(req);
    if (!session) send(res, { status: 401, title: "Chưa đăng nhập", detail: "Vui lòng đăng nhập tại /dang-nhap" });
    return session;
  };

  /** intake's GetDossier with the person's token; a problem when refused or absent. */
  const dossierOf = async (session: Session, code: string): Promise<DossierMessage | Problem> => {
    const access = await deps.auth.accessToken(session);
    if (!access) return { status: 401, title: "Phiên đăng nhập đã hết hạn", detail: "Vui lòng đăng nhập lại tại /dang-nhap" };
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${access.token}`);
    return new Promise((resolve) =>
      grpc.getDossier({ code }, metadata, { deadline: Date.now() + 10_000 }, (error: ServiceError | null, response) => {
        if (!error && response?.dossier) return resolve(response.dossier);
        const status = error?.code === 5 ? 404 : error?.code === 7 ? 403 : error?.code === 16 ? 401 : 502;
        const detail =
          status === 404 ? `Không có hồ sơ ${code}` : status === 403 ? "Tài khoản của bạn không có quyền xem hồ sơ này" : status === 401 ? "Vui lòng đăng nhập lại" : "Dịch vụ tiếp nhận không trả lời";
        resolve({ status, title: status === 404 ? "Không tìm thấy" : status === 403 ? "Không có quyền" : "Không lấy được hồ sơ", detail });
      }),
    );
  };

  /** Another service's JSON about the dossier, or undefined (absent, refused, not running yet). */
  const optional = async (session: Session, service: "lienthong" | "payment" | "digitisation", path: string): Promise<unknown> => {
    const result = await deps.forwarder.call(session, service, path, { headers: { accept: "application/json" } });
    if (result.kind !== "answered" || !result.response.ok) return undefined;
    return result.response.json().catch(() => undefined);
  };

  const agencyName = (code: string) => deps.registry.successorAt(code, vietnamToday(new Date()))?.name ?? deps.registry.agency(code)?.name ?? `Cơ quan mã ${code}`;
  const procedureName = (code: string) => deps.catalogue.procedure(code)?.name ?? code;

  router.get("/api/home", async (req, res) => {
    const session = signedIn(req, res);
    if (!session) return;
    const at = new Date();
    const report = await quarterOf(deps.forwarder, session, deps.registry, at);
    if (report === "signed-out") return send(res, { status: 401, title: "Phiên đăng nhập đã hết hạn", detail: "Vui lòng đăng nhập lại tại /dang-nhap" });
    const status = hasRole(session.principal, "province_operator")
      ? { services: await Promise.all(deps.services.map(({ name, url }) => serviceStatus(name, url))), streams: await streamStatus(deps.nats) }
      : undefined;
    const viewer = viewerOf(session, deps.registry, vietnamToday(at));
    res.set("Cache-Control", "no-store").json({ viewer: { ...viewer, roleNames: viewer.roles.map((role) => ROLE_LABELS[role]) }, report, ...(status ? { status } : {}), at: at.toISOString() });
  });

  router.get("/api/procedures", (req, res) => {
    if (!signedIn(req, res)) return;
    const procedures = deps.catalogue.procedures().map(({ code, name, sectorCode, sectorName, levels }) => ({ code, name, sectorCode, sectorName, levels }));
    res.set("Cache-Control", "private, max-age=300").json(procedures);
  });

  router.get("/api/agencies", (req, res) => {
    if (!signedIn(req, res)) return;
    const agencies = deps.registry.agenciesAt(vietnamToday(new Date())).map(({ code, name, level }) => ({ code, name, level }));
    res.set("Cache-Control", "private, max-age=300").json(agencies);
  });

  router.get("/api/dossiers/:code/timeline", async (req, res) => {
    const session = signedIn(req, res);
    if (!session) return;
    const code = req.params.code;
    if (!DOSSIER_CODE.test(code)) return send(res, { status: 400, title: "Yêu cầu không hợp lệ", detail: "Mã hồ sơ không hợp lệ", errors: [{ path: "code", message: "Mã hồ sơ không hợp lệ" }] });
    const dossier = await dossierOf(session, code);
    if ("title" in dossier) return send(res, dossier);
    const found = dossier as DossierMessage;
    const path = `/v1/dossiers/${encodeURIComponent(code)}`;
    const [bundle, payments, digitisation] = await Promise.all([
      optional(session, "lienthong", `${path}/bundle`),
      optional(session, "payment", `/v1/payments?dossierCode=${encodeURIComponent(code)}`),
      optional(session, "digitisation", `${path}/digitisation`),
    ]);
    const documents = await Promise.all(
      coveredDocumentIds(digitisation)
        .slice(0, MAX_DOCUMENTS)
        .map((id) => optional(session, "digitisation", `/v1/documents/${encodeURIComponent(id)}`)),
    );
    const timeline = mergeTimeline(intakeItems(found.timeline), bundleItems(bundle), paymentItems(payments), digitisationItems(documents));
    res.set("Cache-Control", "no-store").json({
      dossier: {
        code: found.code,
        procedureCode: found.procedureCode,
        procedureName: procedureName(found.procedureCode),
        sectorCode: found.sectorCode,
        agencyCode: found.agencyCode,
        agencyName: agencyName(found.agencyCode),
        receivedAt: found.receivedAt,
        originalDueAt: found.originalDueAt,
        dueAt: found.dueAt,
        resolvedAt: found.resolvedAt,
        deadlineExtended: found.deadlineExtended,
        supplementRequests: found.supplementRequests,
      },
      sources: { intake: true, lienthong: bundle !== undefined, payment: payments !== undefined, digitisation: digitisation !== undefined },
      timeline,
    });
  });

  /** intake's view of the dossier as the signed-in person may read it, or a problem. */
  const intakeView = async (session: Session, code: string): Promise<IntakeView | Problem> => {
    const result = await deps.forwarder.call(session, "intake", `/v1/dossiers/${encodeURIComponent(code)}`, { headers: { accept: "application/json" } });
    if (result.kind === "signed-out") return { status: 401, title: "Phiên đăng nhập đã hết hạn", detail: "Vui lòng đăng nhập lại tại /dang-nhap" };
    if (result.kind === "unreachable") return { status: 502, title: "Dịch vụ không trả lời", detail: "Dịch vụ tiếp nhận không trả lời" };
    if (result.response.status === 404) return { status: 404, title: "Không tìm thấy", detail: `Không có hồ sơ ${code}` };
    if (result.response.status === 403) return { status: 403, title: "Không có quyền", detail: "Tài khoản của bạn không có quyền xem hồ sơ này" };
    if (!result.response.ok) return { status: 502, title: "Không lấy được hồ sơ", detail: `Dịch vụ tiếp nhận trả lời mã ${result.response.status}` };
    return (await result.response.json()) as IntakeView;
  };

  /** The letter of a dossier whose extension is recorded (its DEADLINE_EXTENDED entry, with reason and date); null before. */
  const letterOf = (view: IntakeView): ApologyLetter | null => {
    const extension = view.timeline.find((entry) => entry.type === "DEADLINE_EXTENDED");
    const dates = extendedDueDates(view);
    if (!extension || !dates) return null;
    const today = vietnamToday(new Date());
    const province = provinceOf(deps.registry, deps.registry.agency(view.agencyCode)?.unitCode, today);
    return apologyLetter({
      dossierCode: view.code,
      procedureName: procedureName(view.procedureCode),
      agencyName: agencyName(view.agencyCode),
      ...(province ? { parentName: `Ủy ban nhân dân ${province.name.replace(/^Tỉnh /, "tỉnh ")}` } : {}),
      place: province?.name.replace(/^(Tỉnh|Thành phố) /, "") ?? "",
      receivedAt: view.receivedAt,
      ...dates,
      reason: typeof extension.details?.reason === "string" ? extension.details.reason : "(không ghi lý do)",
      issuedAt: extension.at,
    });
  };

  /** The letter once issued, else whether one may still be issued today (and until when, to which dates). */
  const apologyOf = (view: IntakeView) => ({ letter: letterOf(view), window: apologyWindow(view, vietnamDateOf(new Date())) });

  router.get("/api/dossiers/:code/apology", async (req, res) => {
    const session = signedIn(req, res);
    if (!session) return;
    const code = req.params.code;
    if (!DOSSIER_CODE.test(code)) return send(res, { status: 400, title: "Yêu cầu không hợp lệ", detail: "Mã hồ sơ không hợp lệ", errors: [{ path: "code", message: "Mã hồ sơ không hợp lệ" }] });
    const view = await intakeView(session, code);
    if (!("timeline" in view)) return send(res, view);
    res.set("Cache-Control", "no-store").json(apologyOf(view));
  });

  router.post("/api/dossiers/:code/apology", express.json({ limit: "16kb" }), async (req, res) => {
    const session = signedIn(req, res);
    if (!session) return;
    if (req.get("origin") !== publicOrigin) return send(res, { status: 403, title: "Không có quyền", detail: "Yêu cầu ghi phải xuất phát từ bảng điều hành" });
    const code = req.params.code;
    if (!DOSSIER_CODE.test(code)) return send(res, { status: 400, title: "Yêu cầu không hợp lệ", detail: "Mã hồ sơ không hợp lệ", errors: [{ path: "code", message: "Mã hồ sơ không hợp lệ" }] });
    const parsed = parseApologyRequest(req.body);
    if (!parsed.ok) return send(res, { status: 400, title: "Yêu cầu không hợp lệ", detail: `Trường không hợp lệ: ${parsed.errors.map((e) => e.path).join(", ")}`, errors: parsed.errors });
    const before = await intakeView(session, code);
    if (!("timeline" in before)) return send(res, before);
    const window = apologyWindow(before, vietnamDateOf(new Date()));
    if (!window.open) return send(res, { status: 409, title: "Không hẹn lại được ngày trả kết quả", detail: window.message, rule: window.rule });
    const event = { eventId: apologyEventId(code), type: "DEADLINE_EXTENDED", at: new Date().toISOString(), newDueDate: parsed.value.newDueDate, reason: parsed.value.reason };
    const result = await deps.forwarder.call(session, "intake", `/v1/dossiers/${encodeURIComponent(code)}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: Buffer.from(JSON.stringify(event)),
    });
    if (result.kind === "signed-out") return send(res, { status: 401, title: "Phiên đăng nhập đã hết hạn", detail: "Vui lòng đăng nhập lại tại /dang-nhap" });
    if (result.kind === "unreachable") return send(res, { status: 502, title: "Dịch vụ không trả lời", detail: "Dịch vụ tiếp nhận không trả lời" });
    const { response } = result;
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { rule?: string; errors?: Array<{ path: string; message: string }> };
      if (response.status === 409) return send(res, { status: 409, title: "Không hẹn lại được ngày trả kết quả", detail: extensionRefusal(body.rule), ...(body.rule ? { rule: body.rule } : {}) });
      if (response.status === 403) return send(res, { status: 403, title: "Không có quyền", detail: "Tài khoản của bạn không được xử lý hồ sơ này" });
      if (response.status === 404) return send(res, { status: 404, title: "Không tìm thấy", detail: `Không có hồ sơ ${code}` });
      if (response.status === 400) return send(res, { status: 400, title: "Yêu cầu không hợp lệ", detail: "Dịch vụ tiếp nhận từ chối dữ liệu", ...(body.errors ? { errors: body.errors } : {}) });
      return send(res, { status: 502, title: "Dịch vụ không trả lời", detail: `Dịch vụ tiếp nhận trả lời mã ${response.status}` });
    }
    const after = await intakeView(session, code);
    if (!("timeline" in after)) return send(res, after);
    deps.log.info("apology letter issued", { dossier: code, subject: session.principal.subject });
    res.status(201).set("Cache-Control", "no-store").json(apologyOf(after));
  });

  router.get("/phieu-xin-loi/:file", async (req, res) => {
    const session = signedIn(req, res);
    if (!session) return;
    const code = /^(.+)\.pdf$/.exec(req.params.file)?.[1];
    if (!code || !DOSSIER_CODE.test(code)) return send(res, { status: 404, title: "Không tìm thấy", detail: "Không có phiếu này" });
    const view = await intakeView(session, code);
    if (!("timeline" in view)) return send(res, view);
    const letter = letterOf(view);
    if (!letter) return send(res, { status: 404, title: "Chưa có phiếu xin lỗi", detail: "Hồ sơ chưa được hẹn lại ngày trả kết quả" });
    const pdf = await renderApologyPdf(letter);
    res.set("Cache-Control", "no-store").type("application/pdf").attachment(`phieu-xin-loi_${code}.pdf`).send(pdf);
  });

  return router;
}
