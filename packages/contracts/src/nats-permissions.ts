// Who may publish and subscribe to what on NATS: one user per service and per sector system, with
// the least it needs, derived from the bus map (subjects.ts) and from what each service does on the
// bus (the streams it ensures, the durables it consumes, the subjects it publishes). Pure: the
// test kit and the local servers render it into nats-server's `authorization` block
// (packages/devservers), and `pnpm --filter @onestop/contracts nats-permissions` prints it for
// the province's operators.
import { EVENT_CATALOG, EVENT_TYPES, STREAMS, subjectFilter, type EventType, type StreamName } from "./subjects.js";

// ---------------------------------------------------------------------------------------------
// Accounts

export const SERVICE_ACCOUNTS = ["intake", "lienthong", "digitisation", "payment", "reporting", "console"] as const;
export type ServiceAccount = (typeof SERVICE_ACCOUNTS)[number];

export const SECTOR_SYSTEMS = ["sector-hotich", "sector-cutru", "sector-bhxh"] as const;
export type SectorSystem = (typeof SECTOR_SYSTEMS)[number];

/** The one-stop systems' command client: publishes intake's commands and reads intake's answers. */
export const ONESTOP_SYSTEM_USER = "onestop-system";
/** Broad user for tests and local tooling only (test set-up, the dlq CLI, benchmarks); never in production. */
export const HARNESS_USER = "harness";

export type NatsUserName = ServiceAccount | SectorSystem | typeof ONESTOP_SYSTEM_USER | typeof HARNESS_USER;

/**
 * Each user's private inbox prefix (the nats.js `inboxPrefix` connect option): request replies,
 * publish acknowledgements and pulled messages come to `<prefix>.…`, and only that user may
 * subscribe there, so no user can read another's replies.
 */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user}`;
}

// ---------------------------------------------------------------------------------------------
// Liên thông steps and the sector systems that answer them

/**
 * The one table of liên thông steps: subject codes, the catalogue procedure of each step (whose
 * `sectorCode` in packages/catalogue/data/procedures.json says which sector handles it) and the
 * sector system that answers it. bundles.json names no agency kinds, so the mapping lives here;
 * the contracts tests check it against the catalogue. Health-insurance cards for children under
 * six (BHYT) are issued by Vietnam Social Security, hence sector-bhxh.
 */
export const LIENTHONG_STEPS = [
  { bundleCode: "birth", step: 1, stepCode: "birth-registration", procedureCode: "1.001193", catalogueSector: "HO_TICH", sector: "sector-hotich" },
  { bundleCode: "birth", step: 2, stepCode: "permanent-residence", procedureCode: "1.004222", catalogueSector: "CU_TRU", sector: "sector-cutru" },
  { bundleCode: "birth", step: 3, stepCode: "health-insurance", procedureCode: "9.900001", catalogueSector: "BHYT", sector: "sector-bhxh" },
  { bundleCode: "death", step: 1, stepCode: "death-registration", procedureCode: "1.000656", catalogueSector: "HO_TICH", sector: "sector-hotich" },
  { bundleCode: "death", step: 2, stepCode: "residence-removal", procedureCode: "1.003197", catalogueSector: "CU_TRU", sector: "sector-cutru" },
  { bundleCode: "death", step: 3, stepCode: "funeral-allowance", procedureCode: "9.900002", catalogueSector: "BHXH", sector: "sector-bhxh" },
] as const satisfies readonly LienthongStep[];

export interface LienthongStep {
  /** Subject token of the bundle (the catalogue's BIRTH / DEATH in lower case). */
  readonly bundleCode: string;
  /** Position in the bundle (the catalogue's bundleStep). */
  readonly step: number;
  readonly stepCode: string;
  readonly procedureCode: string;
  readonly catalogueSector: string;
  readonly sector: SectorSystem;
}

const STEP_REQUESTED = "vn.onestop.lienthong.step_requested.v1";
/** What a sector system answers a step with. */
const STEP_RESULTS = ["vn.onestop.lienthong.step_completed.v1", "vn.onestop.lienthong.step_refused.v1"] as const;

export function stepsOf(sector: SectorSystem): LienthongStep[] {
  return LIENTHONG_STEPS.filter((step) => step.sector === sector);
}

/**
 * A sector system's durable consumer on LIENTHONG: named after it, filtered to its steps'
 * requests. The lienthong service creates it; the sector system may only read from it, so it
 * cannot widen its own filter.
 */
export function sectorConsumer(sector: SectorSystem): DurableUse {
  return {
    stream: "LIENTHONG",
    durable: sector,
    filterSubjects: stepsOf(sector).map((step) => subjectFilter(STEP_REQUESTED, { bundleCode: step.bundleCode, stepCode: step.stepCode })),
  };
}

// ---------------------------------------------------------------------------------------------
// What each participant does on the bus

export interface DurableUse {
  readonly stream: StreamName;
  readonly durable: string;
  /** The consumer's filter; empty = the whole stream. */
  readonly filterSubjects: readonly string[];
}

export interface BusUse {
  /** Streams it creates or updates at start-up (ensureStreams). */
  readonly ensures: readonly StreamName[];
  /** Durables it creates and consumes (startConsumer / startBatchConsumer): dead letters, advisories included. */
  readonly consumes: readonly DurableUse[];
  /** Durables it creates for someone else to consume (lienthong for the sector systems). */
  readonly createsConsumers: readonly DurableUse[];
  /** Durables someone else created that it only pulls from and acknowledges. */
  readonly pulls: readonly DurableUse[];
  /** Streams it reads in order through ephemeral ordered consumers (replay, rebuilds). */
  readonly reads: readonly StreamName[];
  /** Subjects it publishes on (core or JetStream). */
  readonly publishes: readonly string[];
  /** Subjects it subscribes to outside its inbox. */
  readonly subscribes: readonly string[];
  /** Lists every stream's info (the console's status page). */
  readonly listsStreams: boolean;
  /** Users whose inboxes it answers (intake's command replies). */
  readonly repliesTo: readonly string[];
}

export interface PermissionOptions {
  /** Reporting's REPORTING_CONSUMER (default "reporting-facts"); "*" allows any base name (test runs). */
  reportingConsumer?: string;
  /**
   * Payment's PAYMENT_CONSUMER (default "payment-dossiers"); "*" allows any name. When absent and
   * reportingConsumer is "*" (a test run, where every file names its own durables), "*" too.
   */
  paymentConsumer?: string;
  /** lienthong's LIENTHONG_CONSUMER (default "lienthong-inbound"); "*" allows any name, and is the default when reportingConsumer is "*". */
  lienthongConsumer?: string;
  /** Add the harness user (tests, local tooling); intake then answers its commands too. */
  harness?: boolean;
}

const NONE: BusUse = { ensures: [], consumes: [], createsConsumers: [], pulls: [], reads: [], publishes: [], subscribes: [], listsStreams: false, repliesTo: [] };

/** Every subject filter of the events `participant` publishes according to the catalogue. */
function catalogueSubjects(publisher: string, except: (type: EventType) => boolean = () => false): string[] {
  return EVENT_TYPES.filter((type) => EVENT_CATALOG[type].publisher === publisher && !except(type)).map((type) => subjectFilter(type));
}

/** Reporting's durables, one per fact stream (services/reporting/src/adapters/bus/facts-consumer.ts: durableFor). */
export const REPORTING_FACT_STREAMS = ["DOSSIER", "PAYMENT", "DIGITISATION"] as const satisfies readonly StreamName[];
export function reportingDurable(base: string, stream: StreamName): string {
  if (base === "*") return "*";
  return stream === "DOSSIER" ? base : `${base}-${stream.toLowerCase()}`;
}

/** Payment's durable on DOSSIER (services/payment/src/adapters/bus/receipts-consumer.ts), receipts only. */
export const PAYMENT_DOSSIER_DURABLE = "payment-dossiers";
function paymentDurable(options: PermissionOptions): string {
  return options.paymentConsumer ?? (options.reportingConsumer === "*" ? "*" : PAYMENT_DOSSIER_DURABLE);
}

/**
 * lienthong's durable on LIENTHONG (services/lienthong/src/adapters/bus/inbound.ts): intake's
 * start commands and the sector systems' results.
 */
export const LIENTHONG_INBOUND_DURABLE = "lienthong-inbound";
export const LIENTHONG_INBOUND_FILTERS = ["lienthong.bundle.start", subjectFilter("vn.onestop.lienthong.step_completed.v1"), subjectFilter("vn.onestop.lienthong.step_refused.v1")] as const;
function lienthongDurable(options: PermissionOptions): string {
  return options.lienthongConsumer ?? (options.reportingConsumer === "*" ? "*" : LIENTHONG_INBOUND_DURABLE);
}

/**
 * What a service does on the bus, read off its main.ts and adapters. digitisation
 * consumes nothing yet: it may ensure its own stream and publish its catalogue events.
 * lienthong consumes intake's start commands and the sector systems' results (one durable).
 * Payment assesses fees from the receipts on DOSSIER (its own durable, `dossier.*.received` only).
 */
export function serviceBusUse(service: ServiceAccount, options: PermissionOptions = {}): BusUse {
  switch (service) {
    case "intake":
      return {
        ...NONE,
        ensures: ["DOSSIER", "INTAKE_CMD", "DLQ"],
        consumes: [{ stream: "INTAKE_CMD", durable: "intake-commands", filterSubjects: ["intake.cmd.>"] }],
        publishes: catalogueSubjects("intake"),
        repliesTo: [ONESTOP_SYSTEM_USER, ...(options.harness ? [HARNESS_USER] : [])],
      };
    case "reporting": {
      const base = options.reportingConsumer ?? "reporting-facts";
      return {
        ...NONE,
        ensures: [...REPORTING_FACT_STREAMS, "DLQ"],
        consumes: REPORTING_FACT_STREAMS.map((stream) => ({ stream, durable: reportingDurable(base, stream), filterSubjects: [...STREAMS[stream].subjects] })),
        reads: REPORTING_FACT_STREAMS,
      };
    }
    case "console":
      return { ...NONE, listsStreams: true };
    case "lienthong":
      // A finished bundle's dossier is resolved through intake's gRPC API, not the bus.
      return {
        ...NONE,
        ensures: ["LIENTHONG", "DLQ"],
        consumes: [{ stream: "LIENTHONG", durable: lienthongDurable(options), filterSubjects: [...LIENTHONG_INBOUND_FILTERS] }],
        createsConsumers: SECTOR_SYSTEMS.map(sectorConsumer),
        publishes: catalogueSubjects("lienthong"),
      };
    case "digitisation":
      return { ...NONE, ensures: ["DIGITISATION"], publishes: catalogueSubjects("digitisation") };
    case "payment":
      return {
        ...NONE,
        ensures: ["DOSSIER", "PAYMENT", "DLQ"],
        consumes: [{ stream: "DOSSIER", durable: paymentDurable(options), filterSubjects: [subjectFilter("vn.onestop.dossier.received.v1")] }],
        publishes: catalogueSubjects("payment"),
      };
  }
}

/** A sector system: its steps' requests (live or through its own durable) in, its steps' results out. */
export function sectorBusUse(sector: SectorSystem): BusUse {
  const steps = stepsOf(sector);
  const consumer = sectorConsumer(sector);
  return {
    ...NONE,
    pulls: [consumer],
    subscribes: consumer.filterSubjects,
    publishes: steps.flatMap((step) => STEP_RESULTS.map((type) => subjectFilter(type, { bundleCode: step.bundleCode, stepCode: step.stepCode }))),
  };
}

/** One-stop systems send intake's commands and read the answers in their inbox. */
export function onestopSystemBusUse(): BusUse {
  return { ...NONE, publishes: catalogueSubjects("one-stop-systems") };
}

// ---------------------------------------------------------------------------------------------
// Permissions

export interface SubjectPermission {
  readonly allow: readonly string[];
  readonly deny?: readonly string[];
}

/** nats-server's per-user `permissions` block. */
export interface NatsPermissions {
  readonly publish: SubjectPermission;
  readonly subscribe: SubjectPermission;
}

export interface NatsAccount {
  readonly user: NatsUserName;
  readonly kind: "service" | "sector" | "onestop-system" | "harness";
  readonly inboxPrefix: string;
  readonly permissions: NatsPermissions;
}

const API = "$JS.API";

/**
 * The JetStream API and data subjects behind what `use` says (nats.js v3 calls):
 * - jetstreamManager(): $JS.API.INFO;
 * - ensureStreams: STREAM.INFO / CREATE / UPDATE of those streams only;
 * - ensureConsumer: CONSUMER.INFO and CONSUMER.CREATE.<S>.<durable>.<filter> (with exactly one filter
 *   the filter is part of the subject, so the permission pins it), CONSUMER.DURABLE.CREATE.<S>.<durable>
 *   only for a durable with several filters (where nats.js sends those; the subject cannot pin them);
 * - consume: CONSUMER.MSG.NEXT.<S>.<durable>, acknowledgements $JS.ACK.<S>.<durable>.>;
 * - dead letters: publish dlq.<filter> (sendToDeadLetters), the max-deliveries advisory of its own
 *   durables and STREAM.MSG.GET of the stream to copy those messages;
 * - ordered reads: ephemeral consumers with generated names, CONSUMER.CREATE / INFO / MSG.NEXT /
 *   DELETE on <S>.* (a name token cannot be narrowed further).
 */
export function permissionsOf(user: string, use: BusUse): NatsPermissions {
  const publish = new Set<string>([`${API}.INFO`]);
  const subscribe = new Set<string>([`${inboxPrefixOf(user)}.>`]);
  const add = (set: Set<string>, ...subjects: string[]) => subjects.forEach((subject) => set.add(subject));
  const createSubjects = (consumer: DurableUse) => {
    const base = `${API}.CONSUMER.CREATE.${consumer.stream}.${consumer.durable}`;
    const [only, ...more] = consumer.filterSubjects;
    if (only === undefined || only === ">") return [base];
    // nats.js sends a consumer with several filter subjects to the durable API.
    return more.length === 0 ? [`${base}.${only}`] : [`${API}.CONSUMER.DURABLE.CREATE.${consumer.stream}.${consumer.durable}`];
  };

  for (const stream of use.ensures) add(publish, `${API}.STREAM.INFO.${stream}`, `${API}.STREAM.CREATE.${stream}`, `${API}.STREAM.UPDATE.${stream}`);
  for (const consumer of use.consumes) {
    const { stream, durable } = consumer;
    add(publish, ...createSubjects(consumer), `${API}.CONSUMER.INFO.${stream}.${durable}`, `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`);
    add(publish, `${API}.STREAM.MSG.GET.${stream}`);
    const filters = consumer.filterSubjects.length > 0 ? consumer.filterSubjects : STREAMS[stream].subjects;
    add(publish, ...filters.map((filter) => `dlq.${filter}`));
    add(subscribe, `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.${durable}`);
  }
  for (const consumer of use.createsConsumers) add(publish, ...createSubjects(consumer), `${API}.CONSUMER.INFO.${consumer.stream}.${consumer.durable}`);
  for (const { stream, durable } of use.pulls) {
    add(publish, `${API}.CONSUMER.INFO.${stream}.${durable}`, `${API}.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`);
  }
  for (const stream of use.reads) {
    add(
      publish,
      `${API}.CONSUMER.CREATE.${stream}.*`,
      `${API}.CONSUMER.CREATE.${stream}.*.>`,
      `${API}.CONSUMER.INFO.${stream}.*`,
      `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
      `${API}.CONSUMER.DELETE.${stream}.*`,
    );
  }
  if (use.listsStreams) add(publish, `${API}.STREAM.LIST`, `${API}.STREAM.NAMES`);
  add(publish, ...use.publishes);
  add(publish, ...use.repliesTo.map((other) => `${inboxPrefixOf(other)}.>`));
  add(subscribe, ...use.subscribes);
  return { publish: { allow: [...publish] }, subscribe: { allow: [...subscribe] } };
}

/** Every user of the bus with its permissions: the services, the sector systems, the one-stop systems' client, and (tests, local) the harness. */
export function natsAccounts(options: PermissionOptions = {}): NatsAccount[] {
  const account = (user: NatsUserName, kind: NatsAccount["kind"], use: BusUse): NatsAccount => ({
    user,
    kind,
    inboxPrefix: inboxPrefixOf(user),
    permissions: permissionsOf(user, use),
  });
  const accounts: NatsAccount[] = [
    ...SERVICE_ACCOUNTS.map((service) => account(service, "service", serviceBusUse(service, options))),
    ...SECTOR_SYSTEMS.map((sector) => account(sector, "sector", sectorBusUse(sector))),
    account(ONESTOP_SYSTEM_USER, "onestop-system", onestopSystemBusUse()),
  ];
  if (options.harness) {
    // Everything, except reading another user's inbox.
    const others = accounts.map((other) => `${other.inboxPrefix}.>`);
    accounts.push({
      user: HARNESS_USER,
      kind: "harness",
      inboxPrefix: inboxPrefixOf(HARNESS_USER),
      permissions: { publish: { allow: [">"] }, subscribe: { allow: [">"], deny: others } },
    });
  }
  return accounts;
}

// ---------------------------------------------------------------------------------------------
// nats-server configuration

export interface NatsUserEntry {
  readonly user: string;
  /** Plain text, a bcrypt hash ("$2a$…") or a variable reference ("$NATS_PASSWORD_INTAKE"), as nats-server reads it. */
  readonly password: string;
  readonly permissions: NatsPermissions;
}

/** The nats-server `authorization { users: [...] }` block for these users. */
export function renderNatsAuthorization(users: readonly NatsUserEntry[]): string {
  const list = (subjects: readonly string[]) => `[${subjects.map((subject) => JSON.stringify(subject)).join(", ")}]`;
  const side = (name: string, permission: SubjectPermission) => `${name}: { allow: ${list(permission.allow)}${permission.deny?.length ? `, deny: ${list(permission.deny)}` : ""} }`;
  const password = (value: string) => (/^\$[A-Z_][A-Z0-9_]*$/.test(value) ? value : JSON.stringify(value));
  const lines = ["authorization {", "  users: ["];
  for (const entry of users) {
    lines.push(`    { user: ${JSON.stringify(entry.user)}, password: ${password(entry.password)}, permissions: {`);
    lines.push(`        ${side("publish", entry.permissions.publish)}`);
    lines.push(`        ${side("subscribe", entry.permissions.subscribe)}`);
    lines.push("    } }");
  }
  lines.push("  ]", "}");
  return lines.join("\n");
}

/** The environment variable an operator sets for `user`'s password in production: NATS_PASSWORD_SECTOR_CUTRU. */
export function passwordVariableOf(user: string): string {
  return `NATS_PASSWORD_${user.toUpperCase().replaceAll("-", "_")}`;
}
