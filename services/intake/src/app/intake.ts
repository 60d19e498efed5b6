import { createHash } from "node:crypto";
import type { AuditTrail } from "@onestop/audit";
import type { Caller, Jurisdiction } from "@onestop/auth";
import { localDateOf, type WorkingCalendar } from "@onestop/calendar";
import { maskPersonalData } from "@onestop/telemetry";
import { uuidv7 } from "uuidv7";
import { deadlineView } from "../domain/deadlines.js";
import type { Dossier } from "../domain/dossier.js";
import { decide, evolve, start } from "../domain/lifecycle.js";
import type { CatalogueLookup } from "./catalogue-port.js";
import { ConflictError, NotFoundError, ValidationError } from "./errors.js";
import { parseLifecycleEvent } from "./lifecycle-input.js";
import type { DossierRepository, OutboxKick, Receipt, StoredDossier, ToOutboxEntry } from "./ports.js";
import { receiveSubmission } from "./submission.js";

export interface IntakeDeps {
  repository: DossierRepository;
  catalogue: CatalogueLookup;
  calendar: WorkingCalendar;
  toOutboxEntry: ToOutboxEntry;
  relay: OutboxKick;
  /** Who may receive, act on and read which dossiers. */
  jurisdiction: Jurisdiction;
  /** The tamper-evident record of every change and every read, and of every refusal. */
  audit: Pick<AuditTrail, "record" | "authorised">;
  now?: () => Date;
}

export interface SubmitResult {
  /** False when an idempotent replay returned the dossier created earlier. */
  created: boolean;
  receipt: Receipt;
}

const MAX_SERIAL = 9999;
/**
 * Each lost version check means another writer of the dossier won, so n concurrent writers of one
 * dossier need at most n attempts: above the NATS consumer's 8 messages in flight, with room for
 * REST and gRPC callers and other instances. Beyond that the caller is told to retry.
 */
const MAX_CONFLICT_ATTEMPTS = 16;

/**
 * The intake use cases, shared by the REST, gRPC and NATS adapters; each is asked on behalf of a
 * verified caller. The audit record is written before the change it announces (write-ahead): no
 * change goes unrecorded, and a crash in between leaves a record of a change that the dossier's
 * timeline (by event id) shows was not made.
 */
export class Intake {
  private readonly now: () => Date;

  constructor(private readonly deps: IntakeDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** Receives a dossier: validated, stored durably with its receipt event, then published. */
  async submit(caller: Caller, body: unknown, idempotencyKey?: string): Promise<SubmitResult> {
    const requestHash = hashOf(body);
    if (idempotencyKey) {
      const earlier = await this.replay(caller, idempotencyKey, requestHash);
      if (earlier) return earlier;
    }
    const received = receiveSubmission(body, uuidv7(), { catalogue: this.deps.catalogue, calendar: this.deps.calendar, now: this.now() });
    const { code: requestedCode, ...facts } = received.dossier;
    await this.deps.audit.authorised(caller, "dossier.submit", { type: "agency", id: facts.receivingUnitCode }, () =>
      this.deps.jurisdiction.assertMayReceive(caller.principal, facts.receivingUnitCode),
    );
    const prefix = `${facts.receivingUnitCode}-${localDateOf(facts.receivedAt).slice(2).replaceAll("-", "")}`;
    let code = requestedCode ?? (await this.nextCode(prefix));

    for (;;) {
      const dossier = start({ ...received, dossier: { ...facts, code } });
      const receipt: Receipt = {
        code,
        status: "PROCESSING",
        procedureCode: dossier.procedureCode,
        agencyCode: dossier.agencyCode,
        receivedAt: dossier.receivedAt,
        dueAt: dossier.originalDueAt,
      };
      const stored: StoredDossier = { dossier, version: 1, receipt, ...(idempotencyKey ? { idempotency: { key: idempotencyKey, requestHash } } : {}) };
      await this.deps.audit.record({ caller, action: "dossier.submit", target: { type: "dossier", id: code }, outcome: "ok", details: { eventId: received.eventId } });
      const entries = [this.deps.toOutboxEntry({ ...received, dossier: { ...facts, code } }, dossier)].flat();
      const outcome = await this.deps.repository.insert(stored, entries);
      if (outcome === "inserted") {
        this.deps.relay.kick(code, { version: stored.version, entries });
        return { created: true, receipt };
      }
      if (outcome === "key-taken") {
        // A concurrent request with the same key won the race: answer as it was answered.
        const earlier = await this.replay(caller, idempotencyKey!, requestHash);
        if (earlier) return earlier;
      }
      if (requestedCode) throw new ConflictError("DOSSIER_CODE_TAKEN", `dossier ${requestedCode} already exists`);
      code = await this.nextCode(prefix); // a code given by a desk took this serial
    }
  }

  /**
   * Records a lifecycle event; the same eventId twice has no second effect. `applied` is false
   * for such a duplicate.
   */
  async recordEvent(caller: Caller, code: string, body: unknown): Promise<{ applied: boolean; dossier: DossierView }> {
    const event = parseLifecycleEvent(body, this.now());
    const action = `dossier.event.${event.type}`;
    let audited = false;
    for (let attempt = 0; attempt < MAX_CONFLICT_ATTEMPTS; attempt++) {
      const stored = await this.load(code);
      await this.deps.audit.authorised(caller, action, { type: "dossier", id: code }, () => this.deps.jurisdiction.assertMayAct(caller.principal, holdersOf(stored.dossier)));
      const decision = decide(stored.dossier, event, this.deps.calendar);
      if (decision.kind === "duplicate") return { applied: false, dossier: this.view(stored.dossier) };
      if (event.type === "TRANSFERRED" && !this.deps.catalogue.agencyAt(event.toAgencyCode, localDateOf(event.at))) {
        throw new ValidationError([{ path: "toAgencyCode", message: `no agency ${event.toAgencyCode} valid on ${localDateOf(event.at)}` }]);
      }
      const next = evolve(stored.dossier, event);
      if (!audited) {
        await this.deps.audit.record({ caller, action, target: { type: "dossier", id: code }, outcome: "ok", details: { eventId: event.eventId } });
        audited = true;
      }
      // Conditional on the version read: if another writer (this process or another) changed the
      // dossier meanwhile, nothing is written and the event is decided again on the new state.
      const entries = [this.deps.toOutboxEntry(event, next)].flat();
      if (await this.deps.repository.update(code, stored.version, next, entries)) {
        this.deps.relay.kick(code, { version: stored.version + 1, entries });
        return { applied: true, dossier: this.view(next) };
      }
    }
    throw new ConflictError("CONCURRENT_UPDATES", `dossier ${code} is being updated by others; retry`);
  }

  async get(caller: Caller, code: string): Promise<DossierView> {
    const { dossier } = await this.load(code);
    const target = { type: "dossier", id: code };
    await this.deps.audit.authorised(caller, "dossier.read", target, () => this.deps.jurisdiction.assertMayRead(caller.principal, holdersOf(dossier)));
    await this.deps.audit.record({ caller, action: "dossier.read", target, outcome: "ok" });
    return this.view(dossier);
  }

  private async load(code: string): Promise<StoredDossier> {
    // Dossier codes are short printable ASCII: anything else is no dossier, and never reaches the
    // store (a lookup by an _id of tens of kilobytes ties up the local store's connections).
    if (!/^[\x21-\x7e]{1,64}$/.test(code)) throw new NotFoundError("no such dossier");
    const stored = await this.deps.repository.find(code);
    if (!stored) throw new NotFoundError(`no dossier ${code}`);
    return stored;
  }

  private async replay(caller: Caller, key: string, requestHash: string): Promise<SubmitResult | undefined> {
    const earlier = await this.deps.repository.findByIdempotencyKey(key);
    if (!earlier) return undefined;
    // A key is no way into another agency's dossiers: the replayed receipt is the dossier's.
    await this.deps.audit.authorised(caller, "dossier.submit", { type: "dossier", id: earlier.dossier.code }, () => this.deps.jurisdiction.assertMayRead(caller.principal, holdersOf(earlier.dossier)));
    if (earlier.idempotency?.requestHash !== requestHash) {
      throw new ConflictError("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used with a different request body");
    }
    return { created: false, receipt: earlier.receipt };
  }

  private async nextCode(prefix: string): Promise<string> {
    const serial = await this.deps.repository.nextSerial(prefix);
    if (serial > MAX_SERIAL) throw new ConflictError("DAILY_SERIALS_EXHAUSTED", `no dossier code left for ${prefix}`);
    return `${prefix}-${String(serial).padStart(4, "0")}`;
  }

  private view(dossier: Dossier): DossierView {
    return viewOf(dossier, this.deps.calendar);
  }
}

export type DossierView = ReturnType<typeof viewOf>;

/** The desk and the deciding agencies of a dossier, in order: `agencyCode` is the current one (after transfers). */
function holdersOf(dossier: Dossier) {
  return { receivingUnitCode: dossier.receivingUnitCode, agencyCodes: [...dossier.transfers.map((t) => t.fromAgencyCode), dossier.agencyCode] };
}

/** The dossier as answered by GET: facts, deadlines, verdicts, timeline; applicant masked. */
function viewOf(dossier: Dossier, calendar: WorkingCalendar) {
  return {
    ...dossier,
    applicant: maskPersonalData(dossier.applicant) as Dossier["applicant"],
    ...(dossier.bundleResults ? { bundleResults: maskPersonalData(dossier.bundleResults) as Dossier["bundleResults"] } : {}),
    ...deadlineView(dossier, calendar),
  };
}

/** Stable hash of a request body: key order does not matter. */
function hashOf(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
