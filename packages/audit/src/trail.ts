import { ForbiddenError, type Caller } from "@onestop/auth";
import type { AuditRecord, AuditTarget, Outcome } from "./chain.js";
import type { MongoAuditLog } from "./mongo-audit-log.js";

/** What a service records: the action of a caller on a target, and how it ended. */
export interface AuditEvent {
  caller: Caller;
  /** e.g. "dossier.submit", "dossier.read", "dossier.event.RESOLVED", "report.freeze". */
  action: string;
  target: AuditTarget;
  outcome: Outcome;
  /** Short identifiers only (an event id, a rule): never a citizen's personal data. */
  details?: Record<string, string>;
}

/**
 * The services' side of the audit log: records callers' actions, grouping the records of
 * concurrent requests into one append (group commit), so that auditing every request costs a
 * store round trip per batch rather than per request. While requests keep coming, each batch is
 * one insert: the head moves with the batch after which none is waiting.
 */
export class AuditTrail {
  private waiting: Array<{ event: AuditEvent; resolve: (record: AuditRecord) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(private readonly log: MongoAuditLog) {}

  /** Resolves once the record is stored: a service awaits it before the change it announces. */
  record(event: AuditEvent): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Runs a jurisdiction check; a refusal is recorded before it is answered. */
  async authorised<T>(caller: Caller, action: string, target: AuditTarget, check: () => T): Promise<T> {
    try {
      return check();
    } catch (error) {
      if (error instanceof ForbiddenError) await this.record({ caller, action, target, outcome: "denied" });
      throw error;
    }
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    do {
      await this.flushWaiting();
      // A batch that left the head to the next one, which then failed: the head catches up here.
      await this.log.advanceHead().catch(() => undefined);
    } while (this.waiting.length > 0);
    this.flushing = false;
  }

  private async flushWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        const records = await this.log.appendMany(
          batch.map(({ event }) => entryOf(event)),
          { headLater: () => this.waiting.length > 0 },
        );
        batch.forEach(({ resolve }, i) => resolve(records[i]!));
      } catch (error) {
        batch.forEach(({ reject }) => reject(error));
      }
    }
  }
}

function entryOf({ caller: { principal, from }, action, target, outcome, details }: AuditEvent) {
  return {
    actor: {
      subject: principal.subject,
      ...(principal.username ? { username: principal.username } : {}),
      roles: [...principal.roles],
      ...(principal.agencyCode ? { agencyCode: principal.agencyCode } : {}),
      ...(principal.unitCode ? { unitCode: principal.unitCode } : {}),
      kind: principal.kind,
    },
    action,
    target,
    from,
    outcome,
    ...(details ? { details } : {}),
  };
}
