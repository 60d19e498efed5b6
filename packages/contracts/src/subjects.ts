// The bus map: JetStream streams, the subject of every event type and the proto message of its
// `data`. proto/asyncapi.yaml is rendered from this file (pnpm --filter @onestop/contracts asyncapi).
import { DeadLetter } from "./gen/onestop/common/v1/dead_letter.js";
import * as digitisation from "./gen/onestop/digitisation/v1/events.js";
import * as dossier from "./gen/onestop/dossier/v1/events.js";
import * as intake from "./gen/onestop/dossier/v1/intake_service.js";
import * as lienthong from "./gen/onestop/lienthong/v1/events.js";
import { RequestBundleRequest } from "./gen/onestop/lienthong/v1/lienthong_service.js";
import * as payment from "./gen/onestop/payment/v1/events.js";
import { agencyCodeFromToken, agencyToken, assertBundleCode, assertConsumerName, assertStepCode, isAgencyToken, isCodeToken, isConsumerToken, RESERVED_BUNDLE_TOKEN } from "./tokens.js";

export { agencyCodeFromToken, agencyToken, RESERVED_BUNDLE_TOKEN } from "./tokens.js";

// ---------------------------------------------------------------------------------------------
// Streams

export interface StreamDeclaration {
  readonly name: string;
  readonly subjects: readonly string[];
  readonly description: string;
}

export const STREAMS = {
  DOSSIER: {
    name: "DOSSIER",
    subjects: ["dossier.>"],
    description: "Dossier lifecycle events: dossier.<agency token>.<event>.",
  },
  INTAKE_CMD: {
    name: "INTAKE_CMD",
    subjects: ["intake.cmd.>", "intake.rejected"],
    description: "Commands to intake from one-stop systems (intake.cmd.submit, intake.cmd.event) and their rejections.",
  },
  LIENTHONG: {
    name: "LIENTHONG",
    subjects: ["lienthong.>"],
    description: "Linked processing: lienthong.<bundle>.<step>.<event> and lienthong.bundle.<event>.",
  },
  DIGITISATION: {
    name: "DIGITISATION",
    subjects: ["digitisation.>"],
    description: "Digitised components, electronic results, reuse: digitisation.<agency token>.<event>.",
  },
  PAYMENT: {
    name: "PAYMENT",
    subjects: ["payment.>"],
    description: "Fees and payments: payment.<agency token>.<event>.",
  },
  DLQ: {
    name: "DLQ",
    subjects: ["dlq.>"],
    description: "Messages a consumer gave up on: dlq.<stream>.<consumer>.",
  },
} as const satisfies Record<string, StreamDeclaration>;

export type StreamName = keyof typeof STREAMS;

export const STREAM_DECLARATIONS: readonly StreamDeclaration[] = Object.values(STREAMS);

/** The stream whose subjects capture `subject`, if any. */
export function streamOfSubject(subject: string): StreamName | undefined {
  return (Object.keys(STREAMS) as StreamName[]).find((name) => STREAMS[name].subjects.some((pattern) => subjectMatches(pattern, subject)));
}

/** NATS wildcard matching: "*" is one token, a final ">" one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const want = pattern.split(".");
  const have = subject.split(".");
  for (const [i, token] of want.entries()) {
    if (token === ">") return have.length > i;
    const actual = have[i];
    if (actual === undefined || (token !== "*" && token !== actual)) return false;
  }
  return want.length === have.length;
}

// ---------------------------------------------------------------------------------------------
// Routes: how an event type's subject is built

type AgencyPrefix = "dossier" | "digitisation" | "payment";

/** "<prefix>.<agency token>.<event>", agency = the dossier's deciding agency. */
interface AgencyRoute<P extends AgencyPrefix = AgencyPrefix, E extends string = string> {
  readonly kind: "agency";
  readonly prefix: P;
  readonly event: E;
}
/** "lienthong.<bundle code>.<step code>.<event>". */
interface StepRoute<E extends string = string> {
  readonly kind: "step";
  readonly event: E;
}
/** A subject without parameters. */
interface FixedRoute<S extends string = string> {
  readonly kind: "fixed";
  readonly subject: S;
}
/** "dlq.<stream>.<consumer>". */
interface DeadLetterRoute {
  readonly kind: "dlq";
}
export type Route = AgencyRoute | StepRoute | FixedRoute | DeadLetterRoute;

const byAgency = <const P extends AgencyPrefix, const E extends string>(prefix: P, event: E): AgencyRoute<P, E> => ({
  kind: "agency",
  prefix,
  event,
});
const byStep = <const E extends string>(event: E): StepRoute<E> => ({ kind: "step", event });
const fixed = <const S extends string>(subject: S): FixedRoute<S> => ({ kind: "fixed", subject });
const deadLetter: DeadLetterRoute = { kind: "dlq" };

export interface AgencyParams {
  /** Agency code with its dots, e.g. "000.00.12.H10". */
  readonly agencyCode: string;
}
export interface StepParams {
  readonly bundleCode: string;
  readonly stepCode: string;
}
export interface DeadLetterParams {
  /** Stream the message came from. */
  readonly stream: StreamName;
  /** Durable consumer that gave up. */
  readonly consumer: string;
}
export type NoParams = Record<string, never>;

export type RouteParams<R extends Route> = R extends AgencyRoute ? AgencyParams : R extends StepRoute ? StepParams : R extends DeadLetterRoute ? DeadLetterParams : NoParams;

// ---------------------------------------------------------------------------------------------
// The event catalogue: type -> stream, subject, payload message, publisher, subscribers

/** What the catalogue needs of a ts-proto message: its JSON codec. */
export interface JsonCodec<M> {
  fromJSON(object: unknown): M;
  toJSON(message: M): unknown;
}

/** Narrows a ts-proto message object to its JSON codec (a type the declarations can name). */
const json = <M>(message: JsonCodec<M>): JsonCodec<M> => message;

/** Services of this repository, and the outside systems that use the bus. */
export type Participant = "intake" | "lienthong" | "digitisation" | "payment" | "reporting" | "console" | "one-stop-systems" | "sector-systems" | "any-consumer";

export interface EventSpec<M = unknown, R extends Route = Route> {
  readonly stream: StreamName;
  readonly route: R;
  readonly message: JsonCodec<M>;
  /** Fully qualified proto message name of `data`. */
  readonly schema: string;
  readonly summary: string;
  readonly publisher: Participant;
  readonly subscribers: readonly Participant[];
}

const DOSSIER_READERS = ["reporting", "console"] as const satisfies readonly Participant[];

export const EVENT_CATALOG = {
  // Dossier lifecycle (intake).
  "vn.onestop.dossier.received.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "received"),
    message: json(dossier.DossierReceived),
    schema: "onestop.dossier.v1.DossierReceived",
    summary: "Tiếp nhận hồ sơ: a complete, valid dossier was received; the clock starts.",
    publisher: "intake",
    subscribers: ["reporting", "console", "payment"],
  },
  "vn.onestop.dossier.supplement_requested.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "supplement_requested"),
    message: json(dossier.DossierSupplementRequested),
    schema: "onestop.dossier.v1.DossierSupplementRequested",
    summary: "Yêu cầu bổ sung hồ sơ.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.supplement_received.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "supplement_received"),
    message: json(dossier.DossierSupplementReceived),
    schema: "onestop.dossier.v1.DossierSupplementReceived",
    summary: "Nhận hồ sơ bổ sung: the legal clock restarts.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.paused.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "paused"),
    message: json(dossier.DossierPaused),
    schema: "onestop.dossier.v1.DossierPaused",
    summary: "Tạm dừng: opinion request or financial obligation.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.resumed.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "resumed"),
    message: json(dossier.DossierResumed),
    schema: "onestop.dossier.v1.DossierResumed",
    summary: "Tiếp tục xử lý after a pause.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.deadline_extended.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "deadline_extended"),
    message: json(dossier.DossierDeadlineExtended),
    schema: "onestop.dossier.v1.DossierDeadlineExtended",
    summary: "Gia hạn with an apology letter (at most once).",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.transferred.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "transferred"),
    message: json(dossier.DossierTransferred),
    schema: "onestop.dossier.v1.DossierTransferred",
    summary: "Chuyển hồ sơ to another agency with its task and slice deadline.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.resolved.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "resolved"),
    message: json(dossier.DossierResolved),
    schema: "onestop.dossier.v1.DossierResolved",
    summary: "Giải quyết xong: approved or refused.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.result_returned.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "result_returned"),
    message: json(dossier.DossierResultReturned),
    schema: "onestop.dossier.v1.DossierResultReturned",
    summary: "Trả kết quả: in person, by post or online; electronic or paper.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.refused.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "refused"),
    message: json(dossier.DossierRefused),
    schema: "onestop.dossier.v1.DossierRefused",
    summary: "Trả lại / từ chối hồ sơ (not eligible).",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.withdrawn.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "withdrawn"),
    message: json(dossier.DossierWithdrawn),
    schema: "onestop.dossier.v1.DossierWithdrawn",
    summary: "Rút hồ sơ by the applicant.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.closed.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "closed"),
    message: json(dossier.DossierClosed),
    schema: "onestop.dossier.v1.DossierClosed",
    summary: "Closed: supplement not completed in time.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },
  "vn.onestop.dossier.evaluated.v1": {
    stream: "DOSSIER",
    route: byAgency("dossier", "evaluated"),
    message: json(dossier.DossierEvaluated),
    schema: "onestop.dossier.v1.DossierEvaluated",
    summary: "Đánh giá: the applicant's satisfaction rating.",
    publisher: "intake",
    subscribers: DOSSIER_READERS,
  },

  // Commands to intake and their rejections.
  "vn.onestop.intake.submit_dossier.v1": {
    stream: "INTAKE_CMD",
    route: fixed("intake.cmd.submit"),
    message: json(intake.SubmitDossierRequest),
    schema: "onestop.dossier.v1.SubmitDossierRequest",
    summary: "Command: receive a dossier (same as POST /v1/dossiers).",
    publisher: "one-stop-systems",
    subscribers: ["intake"],
  },
  "vn.onestop.intake.record_dossier_event.v1": {
    stream: "INTAKE_CMD",
    route: fixed("intake.cmd.event"),
    message: json(intake.RecordDossierEventRequest),
    schema: "onestop.dossier.v1.RecordDossierEventRequest",
    summary: "Command: record a lifecycle event (same as POST /v1/dossiers/{code}/events).",
    publisher: "one-stop-systems",
    subscribers: ["intake"],
  },
  "vn.onestop.intake.command_rejected.v1": {
    stream: "INTAKE_CMD",
    route: fixed("intake.rejected"),
    message: json(intake.IntakeCommandRejected),
    schema: "onestop.dossier.v1.IntakeCommandRejected",
    summary: "An intake command was rejected (nothing stored or published).",
    publisher: "intake",
    subscribers: ["console"],
  },

  // Linked processing (liên thông).
  "vn.onestop.lienthong.bundle_requested.v1": {
    stream: "LIENTHONG",
    route: fixed("lienthong.bundle.requested"),
    message: json(lienthong.BundleRequested),
    schema: "onestop.lienthong.v1.BundleRequested",
    summary: "A bundle was filed and its steps planned.",
    publisher: "lienthong",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.lienthong.step_requested.v1": {
    stream: "LIENTHONG",
    route: byStep("requested"),
    message: json(lienthong.StepRequested),
    schema: "onestop.lienthong.v1.StepRequested",
    summary: "A step was sent to its agency, with its slice deadline.",
    publisher: "lienthong",
    subscribers: ["sector-systems", "reporting", "console"],
  },
  "vn.onestop.lienthong.step_completed.v1": {
    stream: "LIENTHONG",
    route: byStep("completed"),
    message: json(lienthong.StepCompleted),
    schema: "onestop.lienthong.v1.StepCompleted",
    summary: "The agency completed its step (the sector system's result; idempotent by bundle, step and attempt).",
    publisher: "sector-systems",
    subscribers: ["lienthong", "reporting", "console"],
  },
  "vn.onestop.lienthong.step_refused.v1": {
    stream: "LIENTHONG",
    route: byStep("refused"),
    message: json(lienthong.StepRefused),
    schema: "onestop.lienthong.v1.StepRefused",
    summary: "The agency refused its step (the sector system's result); steps already done are kept.",
    publisher: "sector-systems",
    subscribers: ["lienthong", "reporting", "console"],
  },
  "vn.onestop.lienthong.step_warned.v1": {
    stream: "LIENTHONG",
    route: byStep("warned"),
    message: json(lienthong.StepWarned),
    schema: "onestop.lienthong.v1.StepWarned",
    summary: "An agency's slice is nearly used up and its step is unanswered.",
    publisher: "lienthong",
    subscribers: ["console"],
  },
  "vn.onestop.lienthong.applicant_notified.v1": {
    stream: "LIENTHONG",
    route: fixed("lienthong.bundle.applicant_notified"),
    message: json(lienthong.ApplicantNotified),
    schema: "onestop.lienthong.v1.ApplicantNotified",
    summary: "The applicant is told a step was refused or late, or the bundle failed.",
    publisher: "lienthong",
    subscribers: ["console"],
  },
  "vn.onestop.lienthong.start_bundle.v1": {
    stream: "LIENTHONG",
    route: fixed("lienthong.bundle.start"),
    message: json(RequestBundleRequest),
    schema: "onestop.lienthong.v1.RequestBundleRequest",
    summary: "Command from intake: a dossier of a bundle was received; plan and start it. Carries the form fields (personal data).",
    publisher: "intake",
    subscribers: ["lienthong"],
  },
  "vn.onestop.lienthong.step_timed_out.v1": {
    stream: "LIENTHONG",
    route: byStep("timed_out"),
    message: json(lienthong.StepTimedOut),
    schema: "onestop.lienthong.v1.StepTimedOut",
    summary: "A step's deadline passed unanswered; the desk head is told.",
    publisher: "lienthong",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.lienthong.bundle_completed.v1": {
    stream: "LIENTHONG",
    route: fixed("lienthong.bundle.completed"),
    message: json(lienthong.BundleCompleted),
    schema: "onestop.lienthong.v1.BundleCompleted",
    summary: "Every step of a bundle completed.",
    publisher: "lienthong",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.lienthong.bundle_failed.v1": {
    stream: "LIENTHONG",
    route: fixed("lienthong.bundle.failed"),
    message: json(lienthong.BundleFailed),
    schema: "onestop.lienthong.v1.BundleFailed",
    summary: "Operators gave up on a bundle; completed steps are kept.",
    publisher: "lienthong",
    subscribers: ["reporting", "console"],
  },

  // Digitisation.
  "vn.onestop.digitisation.component_digitised.v1": {
    stream: "DIGITISATION",
    route: byAgency("digitisation", "component_digitised"),
    message: json(digitisation.ComponentDigitised),
    schema: "onestop.digitisation.v1.ComponentDigitised",
    summary: "A dossier component was scanned and signed.",
    publisher: "digitisation",
    subscribers: ["reporting"],
  },
  "vn.onestop.digitisation.result_issued.v1": {
    stream: "DIGITISATION",
    route: byAgency("digitisation", "result_issued"),
    message: json(digitisation.ResultIssuedElectronically),
    schema: "onestop.digitisation.v1.ResultIssuedElectronically",
    summary: "A result was issued as a signed electronic document.",
    publisher: "digitisation",
    subscribers: ["reporting"],
  },
  "vn.onestop.digitisation.document_reused.v1": {
    stream: "DIGITISATION",
    route: byAgency("digitisation", "document_reused"),
    message: json(digitisation.DocumentReused),
    schema: "onestop.digitisation.v1.DocumentReused",
    summary: "Data already held was reused instead of asked again.",
    publisher: "digitisation",
    subscribers: ["reporting"],
  },
  "vn.onestop.digitisation.dossier_digitised.v1": {
    stream: "DIGITISATION",
    route: byAgency("digitisation", "dossier_digitised"),
    message: json(digitisation.DossierDigitised),
    schema: "onestop.digitisation.v1.DossierDigitised",
    summary: "Every declared component of a dossier was digitised or reused.",
    publisher: "digitisation",
    subscribers: ["reporting"],
  },

  // Payment.
  "vn.onestop.payment.fees_assessed.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "fees_assessed"),
    message: json(payment.FeesAssessed),
    schema: "onestop.payment.v1.FeesAssessed",
    summary: "A dossier's fee lines, zero lines included.",
    publisher: "payment",
    subscribers: ["reporting"],
  },
  "vn.onestop.payment.requested.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "requested"),
    message: json(payment.PaymentRequested),
    schema: "onestop.payment.v1.PaymentRequested",
    summary: "Payment requested from the applicant.",
    publisher: "payment",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.payment.succeeded.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "succeeded"),
    message: json(payment.PaymentSucceeded),
    schema: "onestop.payment.v1.PaymentSucceeded",
    summary: "Payment succeeded.",
    publisher: "payment",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.payment.failed.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "failed"),
    message: json(payment.PaymentFailed),
    schema: "onestop.payment.v1.PaymentFailed",
    summary: "Payment failed, expired or was cancelled.",
    publisher: "payment",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.payment.refunded.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "refunded"),
    message: json(payment.PaymentRefunded),
    schema: "onestop.payment.v1.PaymentRefunded",
    summary: "Money returned to the payer.",
    publisher: "payment",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.payment.reconciled.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "reconciled"),
    message: json(payment.PaymentsReconciled),
    schema: "onestop.payment.v1.PaymentsReconciled",
    summary: "A channel's payments of a period were reconciled with the statement.",
    publisher: "payment",
    subscribers: ["reporting", "console"],
  },
  "vn.onestop.payment.discrepancy_found.v1": {
    stream: "PAYMENT",
    route: byAgency("payment", "discrepancy_found"),
    message: json(payment.DiscrepancyFound),
    schema: "onestop.payment.v1.DiscrepancyFound",
    summary: "A reconciliation found a payment missing, extra or of another amount on the statement.",
    publisher: "payment",
    subscribers: ["console"],
  },

  // Dead letters.
  "vn.onestop.dlq.dead_lettered.v1": {
    stream: "DLQ",
    route: deadLetter,
    message: json(DeadLetter),
    schema: "onestop.common.v1.DeadLetter",
    summary: "A consumer gave up on a message.",
    publisher: "any-consumer",
    subscribers: ["console"],
  },
} as const satisfies Record<string, EventSpec>;

export type EventCatalog = typeof EVENT_CATALOG;
export type EventType = keyof EventCatalog;
/** The payload message type of an event type, e.g. DossierReceived for "vn.onestop.dossier.received.v1". */
export type EventPayload<T extends EventType> = EventCatalog[T]["message"] extends JsonCodec<infer M> ? M : never;
export type SubjectParams<T extends EventType> = RouteParams<EventCatalog[T]["route"]>;

export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_CATALOG, type);
}

export function eventSpec<T extends EventType>(type: T): EventCatalog[T] {
  return EVENT_CATALOG[type];
}

/** Event type whose payload is the proto message `schema` (e.g. "onestop.dossier.v1.DossierReceived"). */
export function eventTypeOfSchema(schema: string): EventType | undefined {
  return EVENT_TYPES.find((type) => EVENT_CATALOG[type].schema === schema);
}

/**
 * Intake commands answer their publisher: JetStream answers the NATS reply subject itself (the
 * publish acknowledgement), so the publisher names its reply subject in this header.
 */
export const COMMAND_REPLY_HEADER = "Onestop-Reply-To";

/** What intake answers to each command: plain JSON (no envelope) of one of these messages. */
export const COMMAND_REPLIES = {
  "vn.onestop.intake.submit_dossier.v1": ["onestop.dossier.v1.SubmitDossierResponse", "onestop.dossier.v1.IntakeCommandRejected"],
  "vn.onestop.intake.record_dossier_event.v1": ["onestop.dossier.v1.RecordDossierEventResponse", "onestop.dossier.v1.IntakeCommandRejected"],
} as const satisfies Partial<Record<EventType, readonly string[]>>;

// ---------------------------------------------------------------------------------------------
// Subjects

/** The subject to publish an event of `type` on. Throws when a parameter cannot be a token. */
export function subjectFor<T extends EventType>(type: T, params: SubjectParams<T>): string {
  return buildSubject(EVENT_CATALOG[type].route, params as Partial<AgencyParams & StepParams & DeadLetterParams>);
}

/**
 * A subscription filter for `type`: parameters left out become "*", e.g.
 * subjectFilter("vn.onestop.lienthong.step_requested.v1", { stepCode: "permanent-residence" })
 * = "lienthong.*.permanent-residence.requested".
 */
export function subjectFilter<T extends EventType>(type: T, params: Partial<SubjectParams<T>> = {}): string {
  return buildSubject(EVENT_CATALOG[type].route, params as Partial<AgencyParams & StepParams & DeadLetterParams>, "*");
}

function buildSubject(route: Route, params: Partial<AgencyParams & StepParams & DeadLetterParams>, wildcard?: "*"): string {
  const token = <V extends string>(value: V | undefined, check: (value: V) => string): string => {
    if (value !== undefined) return check(value);
    if (wildcard !== undefined) return wildcard;
    throw new RangeError("missing subject parameter");
  };
  switch (route.kind) {
    case "agency":
      return `${route.prefix}.${token(params.agencyCode, agencyToken)}.${route.event}`;
    case "step": {
      const bundle = token(params.bundleCode, (code) => (assertBundleCode(code), code));
      const step = token(params.stepCode, (code) => (assertStepCode(code), code));
      return `lienthong.${bundle}.${step}.${route.event}`;
    }
    case "dlq": {
      const stream = token(params.stream, (name) => STREAMS[name].name);
      const consumer = token(params.consumer, (name) => (assertConsumerName(name), name));
      return `dlq.${stream}.${consumer}`;
    }
    case "fixed":
      return route.subject;
  }
}

/** A subject read back: its event type, stream and parameters. */
export type ParsedSubject = {
  [T in EventType]: { readonly type: T; readonly stream: StreamName; readonly params: SubjectParams<T> };
}[EventType];

/** Inverse of subjectFor: undefined when no event type is published on `subject`. */
export function parseSubject(subject: string): ParsedSubject | undefined {
  for (const type of EVENT_TYPES) {
    const params = matchRoute(EVENT_CATALOG[type].route, subject.split("."));
    if (params !== undefined) return { type, stream: EVENT_CATALOG[type].stream, params } as ParsedSubject;
  }
  return undefined;
}

function matchRoute(route: Route, tokens: readonly string[]): object | undefined {
  switch (route.kind) {
    case "agency": {
      const [prefix, agency, event, ...rest] = tokens;
      if (prefix !== route.prefix || event !== route.event || rest.length > 0 || agency === undefined) return undefined;
      return isAgencyToken(agency) ? { agencyCode: agencyCodeFromToken(agency) } : undefined;
    }
    case "step": {
      const [root, bundleCode, stepCode, event, ...rest] = tokens;
      if (root !== "lienthong" || event !== route.event || rest.length > 0) return undefined;
      if (bundleCode === undefined || stepCode === undefined) return undefined;
      if (bundleCode === RESERVED_BUNDLE_TOKEN || !isCodeToken(bundleCode) || !isCodeToken(stepCode)) return undefined;
      return { bundleCode, stepCode };
    }
    case "dlq": {
      const [root, stream, consumer, ...rest] = tokens;
      if (root !== "dlq" || rest.length > 0 || stream === undefined || consumer === undefined) return undefined;
      if (!Object.hasOwn(STREAMS, stream) || !isConsumerToken(consumer)) return undefined;
      return { stream, consumer };
    }
    case "fixed":
      return tokens.join(".") === route.subject ? {} : undefined;
  }
}
