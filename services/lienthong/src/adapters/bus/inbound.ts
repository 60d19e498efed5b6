import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { ensureConsumer, PoisonMessageError, startConsumer, type EventEnvelope, type RunningConsumer } from "@onestop/bus";
import { parseSubject, RequestBundleRequest, SECTOR_SYSTEMS, sectorConsumer, StepCompleted, StepRefused, STREAMS, LIENTHONG_INBOUND_FILTERS, type SectorSystem } from "@onestop/contracts";
import type { Logger } from "@onestop/telemetry";
import { ValidationError } from "../../app/errors.js";
import type { Lienthong } from "../../app/lienthong.js";

/**
 * lienthong's one durable on LIENTHONG: intake's start commands (`lienthong.bundle.start`) and the
 * sector systems' results (`lienthong.<bundle>.<step>.completed|refused`). Who may publish them is
 * the server's business (per-user permissions: only intake starts, a sector system answers only
 * its own steps). Each is applied at most once by the bundle's own state and version, so a
 * redelivery, a duplicate result or one for an earlier attempt changes nothing.
 */
export function startInbound(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, app: Lienthong, durable: string, log: Logger): Promise<RunningConsumer> {
  const handle = async (event: EventEnvelope, delivery: { subject: string }) => {
    if (delivery.subject === "lienthong.bundle.start") {
      const request = RequestBundleRequest.fromJSON(event.data);
      try {
        await app.start({
          bundleCode: request.bundleCode,
          dossierCode: request.dossierCode,
          receivingAgencyCode: request.receivingAgencyCode,
          requestedAt: request.requestedAt,
          form: request.inputs,
          agencyCodes: request.agencyCodes,
        });
      } catch (error) {
        // A filing that cannot be planned never will be: to the dead letters, with why.
        if (error instanceof ValidationError) throw new PoisonMessageError(`bundle not planned: ${error.errors.map((e) => e.path).join(", ")}`);
        throw error;
      }
      return;
    }
    const parsed = parseSubject(delivery.subject);
    if (parsed?.type === "vn.onestop.lienthong.step_completed.v1") {
      const result = StepCompleted.fromJSON(event.data);
      const outcome = await app.recordResult({
        bundleId: result.bundleId,
        stepCode: parsed.params.stepCode,
        attempt: result.attempt || 1,
        agencyCode: result.agencyCode,
        at: result.completedAt || event.time,
        outcome: "COMPLETED",
        outputs: result.outputs,
        ...(result.resultNumber ? { resultNumber: result.resultNumber } : {}),
      });
      if (!outcome.applied) log.debug("result not applied (duplicate, stale or not ours)", { bundleId: result.bundleId, step: parsed.params.stepCode });
      return;
    }
    if (parsed?.type === "vn.onestop.lienthong.step_refused.v1") {
      const result = StepRefused.fromJSON(event.data);
      await app.recordResult({
        bundleId: result.bundleId,
        stepCode: parsed.params.stepCode,
        attempt: result.attempt || 1,
        agencyCode: result.agencyCode,
        at: result.refusedAt || event.time,
        outcome: "REFUSED",
        reason: result.reason || "Không nêu lý do",
      });
      return;
    }
    throw new PoisonMessageError(`no handler for ${delivery.subject}`);
  };
  return startConsumer(nc, js, jsm, { stream: STREAMS.LIENTHONG.name, durable, filterSubjects: [...LIENTHONG_INBOUND_FILTERS], concurrency: 32 }, handle, log);
}

/**
 * The sector systems' durables (named after each, `prefix` first in tests), filtered to their
 * steps' requests: lienthong creates them, the sector systems may only read from them. Those
 * `onNats` leaves out are reached by webhook and get none.
 */
export async function ensureSectorConsumers(jsm: JetStreamManager, prefix = "", onNats: (sector: SectorSystem) => boolean = () => true): Promise<void> {
  for (const sector of SECTOR_SYSTEMS.filter(onNats)) {
    const consumer = sectorConsumer(sector);
    await ensureConsumer(jsm, {
      stream: consumer.stream,
      durable: `${prefix}${consumer.durable}`,
      filterSubjects: [...consumer.filterSubjects],
      ackWaitMs: 30_000,
      maxDeliver: -1,
      backoffMs: [1_000, 5_000, 30_000],
    });
  }
}
