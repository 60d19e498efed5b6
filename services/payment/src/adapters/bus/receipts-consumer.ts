/**
 * Fee assessment on receipt: a durable on DOSSIER filtered to `dossier.*.received` (as reporting
 * reads the stream). Idempotent: the processed-event ledger skips a redelivery, and the assessment
 * is inserted under the dossier code, so a crash between the effect and the ledger leaves one
 * assessment and one FeesAssessed (its id derived from the receipt's).
 */
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { idempotent, PoisonMessageError, ProcessedEventLedger, startConsumer, type RunningConsumer } from "@onestop/bus";
import { STREAMS, subjectFilter } from "@onestop/contracts";
import type { Logger } from "@onestop/telemetry";
import type { Db } from "mongodb";
import type { Payments, Receipt } from "../../app/payments.js";

const CHANNELS = { CHANNEL_ONLINE: "ONLINE", CHANNEL_IN_PERSON: "IN_PERSON", CHANNEL_POSTAL: "POSTAL" } as const;
const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads a DossierReceived (proto3 JSON) into what the assessment needs; poison when it cannot be one. */
export function receiptOf(eventId: string, data: unknown): Receipt {
  if (typeof data !== "object" || data === null) throw new PoisonMessageError("data is not an object");
  const d = data as Record<string, unknown>;
  const text = (field: string) => {
    const value = d[field];
    if (typeof value !== "string" || value === "") throw new PoisonMessageError(`data.${field} is missing`);
    return value;
  };
  const channel = CHANNELS[text("channel") as keyof typeof CHANNELS];
  if (!channel) throw new PoisonMessageError("data.channel is unknown");
  const receivedAt = text("receivedAt");
  if (!OFFSET_TIME.test(receivedAt)) throw new PoisonMessageError("data.receivedAt is not a time with an offset");
  const fees = Array.isArray(d.fees) ? (d.fees as Array<Record<string, unknown>>) : [];
  return {
    eventId,
    dossierCode: text("dossierCode"),
    procedureCode: text("procedureCode"),
    agencyCode: text("agencyCode"),
    receivingUnitCode: typeof d.receivingUnitCode === "string" && d.receivingUnitCode !== "" ? d.receivingUnitCode : text("agencyCode"),
    channel,
    receivedAt,
    receiptCodes: fees.map((fee) => fee.code).filter((code): code is string => typeof code === "string"),
  };
}

export async function startReceiptsConsumer(deps: {
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  db: Db;
  payments: Payments;
  durable: string;
  since?: string;
  log: Logger;
}): Promise<RunningConsumer> {
  const ledger = await ProcessedEventLedger.open(deps.db);
  const handler = idempotent(ledger, deps.durable, async (event) => {
    if (event.type !== "vn.onestop.dossier.received.v1") return;
    await deps.payments.assessReceipt(receiptOf(event.id, event.data));
  });
  return startConsumer(
    deps.nats,
    deps.js,
    deps.jsm,
    { stream: STREAMS.DOSSIER.name, durable: deps.durable, filterSubjects: [subjectFilter("vn.onestop.dossier.received.v1")], ...(deps.since ? { startTime: new Date(deps.since) } : {}) },
    handler,
    deps.log,
  );
}
