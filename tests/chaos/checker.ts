/**
 * The independent checker: compares what clients were acknowledged (the load driver's ledger)
 * with what the platform shows — the events on the DOSSIER stream, intake's outboxes, and the
 * quarterly report of every reporting instance — without using the platform's own code for the
 * expected figures. Every figure it prints is a count of dossiers or requests.
 */
import { jetstream } from "@nats-io/jetstream";
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

export async function check(options: { ledger: DossierRecord[]; nc: NatsConnection; storeUrl: string; reportingUrls: string[]; token: () => Promise<string>; poisonIds: string[] }): Promise<Verdict> {
  const details: string[] = [];
  const dossiers = options.ledger.filter((record) => record.code);
  const verdict: Verdict = { accepted: options.ledger.reduce((sum, record) => sum + record.acknowledged.length, 0), lost: 0, appliedTwice: 0, stuck: 0, details };

  // 1. The bus: each acknowledged request is one event on the DOSSIER stream, once.
  const onStream = new Map<string, string[]>();
  const ids = new Set<string>();
  for await (const { event } of replayEvents(jetstream(options.nc), "DOSSIER")) {
    if (ids.has(event.id)) {
      verdict.appliedTwice++;
      details.push(`event ${event.id} stored twice`);
    }
    ids.add(event.id);
    onStream.set(event.subject, [...(onStream.get(event.subject) ?? []), EVENT_TYPE(event.type)]);
  }
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
  for (const url of options.reportingUrls) {
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

  // 4. Poison messages went to dead letters instead of blocking their consumer.
  const dead = new Set((await listDeadLetters(jetstream(options.nc))).map((letter) => letter.msgId));
  for (const id of options.poisonIds) {
    if (!dead.has(id)) {
      verdict.stuck++;
      details.push(`poison message ${id} is not in the dead letters`);
    }
  }
  return verdict;
}
