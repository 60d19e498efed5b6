/**
 * The independent checker: compares what clients were acknowledged (the load driver's ledger)
 * with what the platform shows — the events on the DOSSIER, PAYMENT and DIGITISATION streams,
 * intake's outboxes, the quarterly report of every reporting instance, each bundle at lienthong,
 * each payment and document — without using the platform's own code for the expected figures.
 * Every figure it prints is a count of dossiers or requests.
 */
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import { listDeadLetters, replayEvents } from "@onestop/bus";
import { CHAOS_AGENCY, type DossierRecord } from "./load.js";

export interface Verdict {
  accepted: number;
  lost: number;
  appliedTwice: number;
  stuck: number;
  details: string[];
}

const EVENT_TYPE = (type: string) => type.split(".")[3]!.toUpperCase(); // vn.onestop.dossier.resolved.v1 -> RESOLVED

interface ReportTotals {
  received: { total: number; online: number; inPerson: number };
  resolved: { total: number; overdue: number };
  pending: { total: number };
}

/** Per envelope subject (the dossier code), the types of the stream's events, e.g. ["RESOLVED"]; duplicates of an event id counted as applied twice. */
async function eventsBySubject(nc: NatsConnection, stream: string, verdict: Verdict): Promise<Map<string, string[]>> {
  const bySubject = new Map<string, string[]>();
  const ids = new Set<string>();
  // A stream its service never created (nothing was published) has no events to compare.
  const exists = await (await jetstreamManager(nc)).streams.info(stream).then(
    () => true,
    () => false,
  );
  if (!exists) return bySubject;
  for await (const { event } of replayEvents(jetstream(nc), stream)) {
    if (ids.has(event.id)) {
      verdict.appliedTwice++;
      verdict.details.push(`${stream}: event ${event.id} stored twice`);
    }
    ids.add(event.id);
    bySubject.set(event.subject, [...(bySubject.get(event.subject) ?? []), EVENT_TYPE(event.type)]);
  }
  return bySubject;
}

/** Exactly one `type` event for `code` on a stream: none is lost (or stuck, when the platform itself owed it), more is applied twice. */
function once(verdict: Verdict, events: Map<string, string[]>, code: string, type: string, what: string, missing: "lost" | "stuck"): void {
  const count = (events.get(code) ?? []).filter((stored) => stored === type).length;
  if (count === 0) verdict[missing]++;
  if (count > 1) verdict.appliedTwice += count - 1;
  if (count !== 1) verdict.details.push(`${code}: ${count} ${type} events (${what}), one expected`);
}

export async function check(options: {
  ledger: DossierRecord[];
  nc: NatsConnection;
  storeUrl: string;
  urls: (service: string) => string[];
  token: () => Promise<string>;
  poisonIds: string[];
}): Promise<Verdict> {
  const details: string[] = [];
  const all = options.ledger.filter((record) => record.code);
  const dossiers = all.filter((record) => !record.bundle);
  const bundles = all.filter((record) => record.bundle);
  const verdict: Verdict = { accepted: options.ledger.reduce((sum, record) => sum + record.acknowledged.length, 0), lost: 0, appliedTwice: 0, stuck: 0, details };

  // 1. The bus: each acknowledged request is one event on the DOSSIER stream, once.
  const onStream = await eventsBySubject(options.nc, "DOSSIER", verdict);
  for (const record of dossiers) {
    const stored = [...(onStream.get(record.code!) ?? [])];
    for (const type of record.acknowledged) {
      const at = stored.indexOf(type);
      if (at >= 0) stored.splice(at, 1);
      else {
        verdict.lost++;
        details.push(`${record.code}: acknowledged ${type} is not on the stream`);
      }
    }
    for (const extra of stored) {
      verdict.appliedTwice++;
      details.push(`${record.code}: ${extra} on the stream more often than acknowledged`);
    }
  }

  // A bundle's dossier: its receipt once, then resolved once by lienthong when every step is done.
  for (const record of bundles) {
    once(verdict, onStream, record.code!, "RECEIVED", "acknowledged receipt", "lost");
    once(verdict, onStream, record.code!, "RESOLVED", "resolved by lienthong", "stuck");
  }

  // 2. Nothing left waiting in intake's outboxes.
  const mongo = await MongoClient.connect(options.storeUrl);
  try {
    const waiting = await mongo
      .db("chaos_intake")
      .collection("dossiers")
      .countDocuments({ "outbox.0": { $exists: true } });
    if (waiting > 0) details.push(`${waiting} dossiers with events still in intake's outbox`);
    verdict.stuck += waiting;
  } finally {
    await mongo.close();
  }

  // 3. Every reporting instance counts each dossier once, with nothing left unfolded.
  const expected = {
    received: dossiers.length,
    inPerson: dossiers.filter((record) => record.channel === "IN_PERSON").length,
    resolved: dossiers.filter((record) => record.acknowledged.includes("RESOLVED")).length,
    overdue: dossiers.filter((record) => record.story === "overdue" && record.acknowledged.includes("RESOLVED")).length,
  };
  for (const url of options.urls("reporting")) {
    const response = await fetch(`${url}/v1/reports/tthc?period=2024-Q3&agency=${CHAOS_AGENCY}`, { headers: { authorization: `Bearer ${await options.token()}` } });
    const body = (await response.json()) as { totals: ReportTotals; lagEvents: number };
    const counted = body.totals;
    const compare = (what: string, got: number, want: number) => {
      if (got < want) verdict.lost += want - got;
      if (got > want) verdict.appliedTwice += got - want;
      if (got !== want) details.push(`${url} ${what}: ${got} counted, ${want} acknowledged`);
    };
    compare("received", counted.received.total, expected.received);
    compare("received in person", counted.received.inPerson, expected.inPerson);
    compare("resolved", counted.resolved.total, expected.resolved);
    compare("resolved overdue", counted.resolved.overdue, expected.overdue);
    compare("pending", counted.pending.total, expected.received - expected.resolved);
    if (body.lagEvents > 0) {
      verdict.stuck += body.lagEvents;
      details.push(`${url}: ${body.lagEvents} events not yet folded`);
    }
  }

  // 4. Each bundle at lienthong finished (or escalated to the operators), each step sent once.
  const [lienthong] = options.urls("lienthong");
  for (const record of lienthong ? bundles : []) {
    const response = await fetch(`${lienthong}/v1/dossiers/${record.code}/bundle`, { headers: { authorization: `Bearer ${await options.token()}` } });
    const bundle = response.ok ? ((await response.json()) as { status: string; steps: Array<{ attempts: number }> }) : undefined;
    if (!bundle || !["COMPLETED", "NEEDS_ATTENTION"].includes(bundle.status)) {
      verdict.stuck++;
      details.push(`${record.code}: bundle ${bundle?.status ?? `not found (${response.status})`}, neither finished nor escalated`);
    } else if (bundle.steps.some((step) => step.attempts > 1)) {
      verdict.appliedTwice++;
      details.push(`${record.code}: a step sent again as new work (${bundle.steps.map((step) => step.attempts).join(", ")} attempts)`);
    }
  }

  // 5. Each payment the gateway took is confirmed once; each acknowledged upload registered and announced once.
  const paid = all.filter((record) => record.paymentId);
  const payments = paid.length > 0 ? await eventsBySubject(options.nc, "PAYMENT", verdict) : new Map<string, string[]>();
  const [payment] = options.urls("payment");
  for (const record of paid) {
    once(verdict, payments, record.code!, "SUCCEEDED", "payment confirmed", "stuck");
    const response = await fetch(`${payment}/v1/payments/${record.paymentId}`, { headers: { authorization: `Bearer ${await options.token()}` } });
    const status = response.ok ? ((await response.json()) as { payment: { status: string } }).payment.status : `not found (${response.status})`;
    if (status !== "SUCCEEDED") {
      verdict.stuck++;
      details.push(`${record.code}: payment ${record.paymentId} ${status} after the gateway took the money`);
    }
  }
  const uploaded = all.filter((record) => record.documentId);
  const documents = uploaded.length > 0 ? await eventsBySubject(options.nc, "DIGITISATION", verdict) : new Map<string, string[]>();
  const [digitisation] = options.urls("digitisation");
  for (const record of uploaded) {
    once(verdict, documents, record.code!, "COMPONENT_DIGITISED", "component digitised", "lost");
    const response = await fetch(`${digitisation}/v1/documents/${record.documentId}`, { headers: { authorization: `Bearer ${await options.token()}` } });
    if (!response.ok) {
      verdict.lost++;
      details.push(`${record.code}: document ${record.documentId} acknowledged but not found (${response.status})`);
    }
  }

  // 6. Poison messages went to dead letters instead of blocking their consumer.
  const dead = new Set((await listDeadLetters(jetstream(options.nc))).map((letter) => letter.msgId));
  for (const id of options.poisonIds) {
    if (!dead.has(id)) {
      verdict.stuck++;
      details.push(`poison message ${id} is not in the dead letters`);
    }
  }
  return verdict;
}
