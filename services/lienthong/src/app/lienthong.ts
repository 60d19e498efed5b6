import type { AuditTrail } from "@onestop/audit";
import { hasRole, type Caller, type Jurisdiction } from "@onestop/auth";
import type { WorkingCalendar } from "@onestop/calendar";
import type { Catalogue } from "@onestop/catalogue";
import { derivedEventId } from "@onestop/bus";
import { ForbiddenError } from "@onestop/auth";
import { decide, evolve, nextTimerAt, type Actor, type Bundle, type BundleEvent, type Command } from "../domain/bundle.js";
import { planBundle, type AgencyChooser } from "../domain/plan.js";
import { ConflictError, NotFoundError, ValidationError } from "./errors.js";
import type { BundleRepository, OutboxEntry, OutboxKick, StoredBundle, TimerStore } from "./ports.js";

export interface LienthongDeps {
  repository: BundleRepository;
  timers: TimerStore;
  catalogue: Catalogue;
  agencies: AgencyChooser;
  calendar: WorkingCalendar;
  announce: (after: Bundle, events: readonly BundleEvent[]) => OutboxEntry[];
  relay: OutboxKick;
  jurisdiction: Jurisdiction;
  audit: Pick<AuditTrail, "record" | "authorised">;
  now?: () => Date;
}

/** A filing of a bundle, as intake's start command (or RequestBundle) carries it. */
export interface StartBundle {
  bundleCode: string;
  dossierCode: string;
  receivingAgencyCode: string;
  requestedAt: string;
  /** PERSONAL DATA. */
  form: Record<string, string>;
  agencyCodes?: Record<string, string>;
}

/** A sector system's answer to one step's request (NATS result, gRPC or REST). */
export type StepResult =
  | { bundleId: string; stepCode: string; attempt: number; agencyCode?: string; at: string; outcome: "COMPLETED"; outputs: Record<string, string>; resultNumber?: string }
  | { bundleId: string; stepCode: string; attempt: number; agencyCode?: string; at: string; outcome: "REFUSED"; reason: string };

/** Lost version checks in a row before the caller is told to retry (each loss means another writer won). */
const MAX_CONFLICT_ATTEMPTS = 16;

/**
 * The liên thông use cases, shared by the bus, REST and gRPC adapters. Every change is decided
 * on the bundle as stored and written conditional on its version, with what it announces in the
 * same document (the outbox): a crash anywhere loses nothing and applies nothing twice.
 */
export class Lienthong {
  private readonly now: () => Date;

  constructor(private readonly deps: LienthongDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** The bundle's id for a dossier: one bundle per filing, however often the start arrives. */
  static bundleIdOf(dossierCode: string): string {
    return derivedEventId(`dossier:${dossierCode}`, "bundle");
  }

  /** Plans and starts a bundle; a second start of the same dossier returns the first. */
  async start(filing: StartBundle): Promise<Bundle> {
    const definition = this.deps.catalogue.bundleFiledAs(filing.bundleCode);
    if (!definition) throw new ValidationError([{ path: "bundleCode", message: `không có nhóm thủ tục liên thông ${filing.bundleCode}` }]);
    const id = Lienthong.bundleIdOf(filing.dossierCode);
    const existing = await this.deps.repository.find(id);
    if (existing) return existing.bundle;
    const planned = planBundle(definition, { id, ...filing }, this.deps.agencies, this.deps.calendar);
    if (!planned.ok) throw new ValidationError(planned.errors);
    const decision = decide(undefined, { type: "Start", plan: planned.plan }, this.deps.calendar);
    if (!decision.ok) throw new ConflictError(decision.refusal.code, decision.refusal.message);
    const after = decision.events.reduce<Bundle | undefined>(evolve, undefined)!;
    if (await this.deps.repository.insert(after, this.deps.announce(after, decision.events))) {
      this.deps.relay.kick(id);
      await this.scheduleTimers(after);
      return after;
    }
    return (await this.deps.repository.find(id))!.bundle;
  }

  /** Applies a sector system's result once; a duplicate, stale or unknown result changes nothing. */
  async recordResult(result: StepResult, caller?: Caller): Promise<{ applied: boolean; bundle?: Bundle }> {
    if (caller) {
      const stored = await this.load(result.bundleId);
      const step = stored.bundle.steps.find((candidate) => candidate.code === result.stepCode);
      await this.deps.audit.authorised(caller, `bundle.step.${result.outcome}`, { type: "bundle", id: result.bundleId }, () => {
        if (hasRole(caller.principal, "service")) return;
        if (hasRole(caller.principal, "sector_system") && step && caller.principal.agencyCode === step.agencyCode) return;
        throw new ForbiddenError(`Tài khoản không có quyền trả kết quả bước ${result.stepCode} của nhóm thủ tục này`);
      });
      if (!step) throw new ValidationError([{ path: "stepCode", message: `không có bước ${result.stepCode} trong nhóm thủ tục này` }]);
      await this.deps.audit.record({
        caller,
        action: `bundle.step.${result.outcome}`,
        target: { type: "bundle", id: result.bundleId },
        outcome: "ok",
        details: { stepCode: result.stepCode, attempt: String(result.attempt) },
      });
    }
    const command: Command =
      result.outcome === "COMPLETED"
        ? {
            type: "RecordResult",
            at: result.at,
            step: result.stepCode,
            attempt: result.attempt,
            outcome: "COMPLETED",
            outputs: result.outputs,
            ...(result.resultNumber ? { resultNumber: result.resultNumber } : {}),
          }
        : { type: "RecordResult", at: result.at, step: result.stepCode, attempt: result.attempt, outcome: "REFUSED", reason: result.reason };
    return this.apply(result.bundleId, command, (bundle) => {
      // After a reassignment only the new agency's answer counts.
      const step = bundle.steps.find((candidate) => candidate.code === result.stepCode);
      return result.agencyCode === undefined || result.agencyCode === "" || step?.agencyCode === result.agencyCode;
    });
  }

  /** Fires the bundle's timers due now (warnings, escalations). */
  async tick(bundleId: string): Promise<void> {
    await this.apply(bundleId, { type: "Tick", now: this.now().toISOString() });
  }

  async retry(caller: Caller, bundleId: string, stepCode: string, reason: string): Promise<Bundle> {
    return this.operate(caller, bundleId, "bundle.retry", { stepCode, reason }, (actor, now) => ({ type: "Retry", now, step: stepCode, actor }));
  }

  async reassign(caller: Caller, bundleId: string, stepCode: string, agencyCode: string, reason: string): Promise<Bundle> {
    const stored = await this.load(bundleId);
    const step = stored.bundle.steps.find((candidate) => candidate.code === stepCode);
    const day = this.now().toISOString().slice(0, 10);
    const agency = this.deps.agencies.agencyAt(agencyCode, day);
    if (step && (!agency || !this.deps.agencies.isOfKind(agency, step.agencyKind))) {
      throw new ValidationError([{ path: "agencyCode", message: `${agencyCode} không phải cơ quan loại ${step.agencyKind} còn hiệu lực` }]);
    }
    return this.operate(caller, bundleId, "bundle.reassign", { stepCode, agencyCode, reason }, (actor, now) => ({ type: "Reassign", now, step: stepCode, agencyCode, actor }));
  }

  async cancel(caller: Caller, bundleId: string, reason: string): Promise<Bundle> {
    return this.operate(caller, bundleId, "bundle.cancel", { reason }, (actor, now) => ({ type: "Cancel", now, actor }));
  }

  async get(caller: Caller, bundleId: string): Promise<Bundle> {
    const { bundle } = await this.load(bundleId);
    return this.read(caller, bundle);
  }

  async getByDossier(caller: Caller, dossierCode: string): Promise<Bundle> {
    if (!/^[\x21-\x7e]{1,64}$/.test(dossierCode)) throw new NotFoundError("không có nhóm thủ tục của hồ sơ này");
    const stored = await this.deps.repository.findByDossier(dossierCode);
    if (!stored) throw new NotFoundError(`không có nhóm thủ tục của hồ sơ ${dossierCode}`);
    return this.read(caller, stored.bundle);
  }

  /** The operators' list (status NEEDS_ATTENTION: refused or timed-out steps), or any status. */
  async list(caller: Caller, filter: { status?: string; bundleCode?: string; limit: number; after?: string }): Promise<Bundle[]> {
    await this.deps.audit.authorised(caller, "bundle.list", { type: "bundles", id: filter.status ?? "*" }, () => this.deps.jurisdiction.assertMayOperate(caller.principal));
    return this.deps.repository.list(filter);
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  private async read(caller: Caller, bundle: Bundle): Promise<Bundle> {
    const target = { type: "bundle", id: bundle.id };
    await this.deps.audit.authorised(caller, "bundle.read", target, () => {
      const principal = caller.principal;
      if (hasRole(principal, "sector_system") && bundle.steps.some((step) => step.agencyCode === principal.agencyCode)) return;
      this.deps.jurisdiction.assertMayRead(principal, { receivingUnitCode: bundle.receivingAgencyCode, agencyCodes: bundle.steps.map((step) => step.agencyCode) });
    });
    await this.deps.audit.record({ caller, action: "bundle.read", target, outcome: "ok" });
    return bundle;
  }

  private async operate(caller: Caller, bundleId: string, action: string, details: Record<string, string>, command: (actor: Actor, now: string) => Command): Promise<Bundle> {
    await this.load(bundleId);
    const target = { type: "bundle", id: bundleId };
    await this.deps.audit.authorised(caller, action, target, () => this.deps.jurisdiction.assertMayOperate(caller.principal));
    const actor: Actor = { by: caller.principal.username ?? caller.principal.subject, reason: details.reason! };
    // Write-ahead: the action is on the record before it is made.
    await this.deps.audit.record({ caller, action, target, outcome: "ok", details });
    const { bundle } = await this.apply(bundleId, command(actor, this.now().toISOString()));
    return bundle!;
  }

  private async load(bundleId: string): Promise<StoredBundle> {
    if (!/^[0-9a-f-]{36}$/.test(bundleId)) throw new NotFoundError("không có nhóm thủ tục này");
    const stored = await this.deps.repository.find(bundleId);
    if (!stored) throw new NotFoundError(`không có nhóm thủ tục ${bundleId}`);
    return stored;
  }

  /**
   * Decides `command` on the stored bundle and writes the outcome conditional on its version;
   * a lost race decides again on the winner's state. `accept` may turn the command into a no-op.
   */
  private async apply(bundleId: string, command: Command, accept: (bundle: Bundle) => boolean = () => true): Promise<{ applied: boolean; bundle?: Bundle }> {
    for (let attempt = 0; attempt < MAX_CONFLICT_ATTEMPTS; attempt++) {
      const stored = await this.deps.repository.find(bundleId);
      if (!stored) return { applied: false };
      if (!accept(stored.bundle)) return { applied: false, bundle: stored.bundle };
      const decision = decide(stored.bundle, command, this.deps.calendar);
      if (!decision.ok) {
        const { refusal } = decision;
        if (refusal.code === "NO_SUCH_STEP") throw new ValidationError([{ path: refusal.path, message: refusal.message }]);
        throw new ConflictError(refusal.code, refusal.message, "path" in refusal ? refusal.path : undefined);
      }
      if (decision.events.length === 0) return { applied: false, bundle: stored.bundle };
      const after = decision.events.reduce(evolve, stored.bundle);
      if (await this.deps.repository.update(bundleId, stored.version, after, this.deps.announce(after, decision.events))) {
        this.deps.relay.kick(bundleId);
        await this.scheduleTimers(after);
        return { applied: true, bundle: after };
      }
    }
    throw new ConflictError("CONCURRENT_UPDATES", `nhóm thủ tục ${bundleId} đang được cập nhật đồng thời; hãy thử lại`);
  }

  /** Registers the bundle's next timer; one already due fires now. */
  private async scheduleTimers(bundle: Bundle): Promise<void> {
    const at = nextTimerAt(bundle);
    if (at === undefined) return;
    if (Date.parse(at) <= this.now().getTime()) {
      await this.tick(bundle.id);
      return;
    }
    await this.deps.timers.schedule(bundle.id, at);
  }
}
