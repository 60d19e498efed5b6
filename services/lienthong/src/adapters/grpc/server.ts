import { Metadata, Server, ServerCredentials, status, type handleUnaryCall, type StatusObject } from "@grpc/grpc-js";
import { authenticateCall, ForbiddenError, hasRole, type Caller, type TokenVerifier } from "@onestop/auth";
import type { Catalogue } from "@onestop/catalogue";
import { Bundle as BundleMessage, BundleDefinition, bundleStatusToJSON, BundleStatus, FieldError, LienthongServiceService, type LienthongServiceServer } from "@onestop/contracts";
import { authenticateCallLimited, GRPC_SERVER_OPTIONS, RETRY_AFTER_KEY, type RateLimiter } from "@onestop/service-kit";
import type { Logger } from "@onestop/telemetry";
import { bundleVerdict, type Bundle } from "../../domain/bundle.js";
import { ValidationError } from "../../app/errors.js";
import { noteSchema, parse, parseResult, parseStart, reasonSchema, reassignSchema } from "../../app/input.js";
import type { Lienthong } from "../../app/lienthong.js";
import { stepJson } from "../bus/bundle-events.js";
import { problemOf } from "../http/problems.js";

export const FIELD_ERRORS_KEY = "onestop-field-errors-bin";
export const RULE_KEY = "onestop-rule";

export interface LienthongGrpcDeps {
  app: Lienthong;
  catalogue: Catalogue;
  verifier: TokenVerifier;
  limiter?: RateLimiter;
  log: Logger;
}

const CODE_OF_HTTP_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.FAILED_PRECONDITION,
  429: status.RESOURCE_EXHAUSTED,
};

/** The status of a failed call: the REST problem's classification, field errors in the trailing metadata. */
export function statusOf(error: unknown): StatusObject {
  const problem = problemOf(error);
  const metadata = new Metadata();
  for (const fieldError of problem.errors ?? []) metadata.add(FIELD_ERRORS_KEY, Buffer.from(FieldError.encode(fieldError).finish()));
  if (problem.rule) metadata.set(RULE_KEY, problem.rule);
  const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
  if (retryAfter !== undefined) metadata.set(RETRY_AFTER_KEY, String(retryAfter));
  return { code: problem.rule === "CONCURRENT_UPDATES" ? status.ABORTED : (CODE_OF_HTTP_STATUS[problem.status] ?? status.INTERNAL), details: problem.detail, metadata };
}

/** The contract's Bundle (no applicant: lienthong keeps none; outputs only to whom they are for). */
export function bundleMessage(bundle: Bundle, now: string): BundleMessage {
  const verdict = bundleVerdict(bundle, now);
  return BundleMessage.fromJSON({
    bundleId: bundle.id,
    bundleCode: bundle.bundleCode,
    dossierCode: bundle.dossierCode,
    status: `BUNDLE_STATUS_${bundle.status}`,
    requestedAt: bundle.requestedAt,
    dueAt: bundle.dueAt,
    completedAt: bundle.completedAt ?? bundle.failedAt ?? "",
    steps: bundle.steps.map((step) => stepJson(bundle, step, now)),
    timeliness: `TIMELINESS_${verdict}`,
    receivingAgencyCode: bundle.receivingAgencyCode,
    attention: bundle.steps.filter((step) => step.status === "REFUSED" || step.status === "TIMED_OUT").map((step) => step.code),
    reason: bundle.reason ?? "",
  });
}

function service({ app, catalogue, verifier, limiter, log }: LienthongGrpcDeps): LienthongServiceServer {
  const unary =
    <Req, Res>(handle: (request: Req, caller: Caller) => Promise<Res> | Res): handleUnaryCall<Req, Res> =>
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
  const now = () => app.nowIso();
  const message = (bundle: Bundle) => ({ bundle: bundleMessage(bundle, now()) });
  return {
    requestBundle: unary(async (request, caller) => {
      if (!hasRole(caller.principal, "service")) throw new ForbiddenError("Chỉ hệ thống một cửa được nộp nhóm thủ tục trực tiếp");
      return message(await app.start(parseStart({ ...request, inputs: request.inputs, agencyCodes: Object.keys(request.agencyCodes).length > 0 ? request.agencyCodes : undefined }, new Date(now()))));
    }),
    getBundle: unary(async (request, caller) => message(request.bundleId ? await app.get(caller, request.bundleId) : await app.getByDossier(caller, request.dossierCode))),
    listBundles: unary(async (request, caller) => {
      const statusName = request.status === BundleStatus.BUNDLE_STATUS_UNSPECIFIED ? undefined : bundleStatusToJSON(request.status).replace("BUNDLE_STATUS_", "");
      if (statusName === "UNRECOGNIZED") throw new ValidationError([{ path: "status", message: "trạng thái không hợp lệ" }]);
      const limit = request.pageSize === 0 ? 100 : request.pageSize;
      if (limit < 1 || limit > 500) throw new ValidationError([{ path: "pageSize", message: "phải từ 1 đến 500" }]);
      const bundles = await app.list(caller, {
        limit,
        ...(statusName ? { status: statusName } : {}),
        ...(request.bundleCode ? { bundleCode: request.bundleCode } : {}),
        ...(request.pageToken ? { after: request.pageToken } : {}),
      });
      return { bundles: bundles.map((bundle) => bundleMessage(bundle, now())), nextPageToken: bundles.length === limit ? bundles.at(-1)!.id : "" };
    }),
    completeStep: unary(async (request, caller) => {
      const result = parseResult(
        request.bundleId,
        request.stepCode,
        { outcome: "COMPLETED", attempt: request.attempt || 1, at: request.completedAt, outputs: request.outputs, ...(request.resultNumber ? { resultNumber: request.resultNumber } : {}) },
        new Date(now()),
      );
      const outcome = await app.recordResult(result, caller);
      return message(outcome.bundle ?? (await app.get(caller, request.bundleId)));
    }),
    refuseStep: unary(async (request, caller) => {
      const result = parseResult(request.bundleId, request.stepCode, { outcome: "REFUSED", attempt: request.attempt || 1, at: request.refusedAt, reason: request.reason }, new Date(now()));
      const outcome = await app.recordResult(result, caller);
      return message(outcome.bundle ?? (await app.get(caller, request.bundleId)));
    }),
    retryStep: unary(async (request, caller) => {
      const { note: reason } = parse(noteSchema, { note: request.note });
      return message(await app.retry(caller, request.bundleId, request.stepCode, reason));
    }),
    reassignStep: unary(async (request, caller) => {
      const { agencyCode, reason } = parse(reassignSchema, { agencyCode: request.agencyCode, reason: request.reason });
      return message(await app.reassign(caller, request.bundleId, request.stepCode, agencyCode, reason));
    }),
    failBundle: unary(async (request, caller) => {
      const { reason } = parse(reasonSchema, { reason: request.reason });
      return message(await app.cancel(caller, request.bundleId, reason));
    }),
    listBundleDefinitions: unary(() => ({
      definitions: catalogue.bundles().map((bundle) =>
        BundleDefinition.fromJSON({
          code: bundle.code.toLowerCase(),
          name: bundle.name,
          onlineOnly: bundle.onlineOnly,
          ...(bundle.timeLimit ? { timeLimit: { amount: bundle.timeLimit.amount, unit: `TIME_UNIT_${bundle.timeLimit.unit}`, sameDay: bundle.timeLimit.sameDay } } : {}),
          steps: bundle.steps.map(({ procedure, route }) => ({
            stepCode: route?.code ?? "",
            procedureCode: procedure.code,
            name: procedure.name,
            handler: route?.agencyKind ?? "",
            dependsOn: route?.dependsOn ?? [],
            ...(route ? { timeLimit: { amount: route.timeLimit.amount, unit: `TIME_UNIT_${route.timeLimit.unit}`, sameDay: route.timeLimit.sameDay } } : {}),
          })),
        }),
      ),
    })),
  };
}

export interface RunningGrpcServer {
  port: number;
  stop(): Promise<void>;
}

/** Serves LienthongService on `host:port`, without TLS. */
export async function startLienthongGrpc(deps: LienthongGrpcDeps, port: number, host = "127.0.0.1"): Promise<RunningGrpcServer> {
  const server = new Server(GRPC_SERVER_OPTIONS);
  server.addService(LienthongServiceService, service(deps));
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, chosen) => (error ? reject(error) : resolve(chosen))));
  return {
    port: bound,
    stop: () =>
      new Promise((resolve) => {
        const force = setTimeout(() => (server.forceShutdown(), resolve()), 5_000);
        server.tryShutdown(() => (clearTimeout(force), resolve()));
      }),
  };
}
