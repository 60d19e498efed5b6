import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect, createInbox, headers as natsHeaders, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { newEnvelope, type EventEnvelope } from "@onestop/bus";
import { COMMAND_REPLY_HEADER } from "@onestop/contracts";
import { natsConnectOptions } from "@onestop/testkit";

export const COMMUNE = "000.00.51.H06"; // Ủy ban nhân dân phường Bắc Giang, from 1/7/2025
export const OLD_COMMUNE = "000.01.31.H04"; // Ủy ban nhân dân phường Trần Phú, until 30/6/2025

/** A valid submission: marital status certificate, 3 working days, at the commune. */
export function submission(overrides: Record<string, unknown> = {}) {
  return {
    procedureCode: "1.004873",
    agencyCode: COMMUNE,
    channel: "ONLINE",
    receivedAt: "2025-09-29T10:00:00+07:00",
    applicant: { idNumber: "024090001234", fullName: "Nguyễn Thị Hoa", phone: "0912345678" },
    components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
    ...overrides,
  };
}

/** Intake's REST API as a caller holding `token` (see testToken / serviceToken in the test kit). */
export function client(baseUrl: string, token: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, type: response.headers.get("content-type") ?? "", body: text ? JSON.parse(text) : undefined };
  };
  return {
    submit: (body: unknown, key?: string) => call("POST", "/v1/dossiers", body, key ? { "Idempotency-Key": key } : {}),
    event: (code: string, body: unknown) => call("POST", `/v1/dossiers/${code}/events`, body),
    get: (path: string) => call("GET", path),
  };
}

/** Reads the DOSSIER stream's events about one dossier. */
export class DossierStream {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {}

  static async open(nats: string | ConnectionOptions): Promise<DossierStream> {
    const nc = await connect(typeof nats === "string" ? { servers: nats } : nats);
    return new DossierStream(nc, await jetstreamManager(nc));
  }

  async messageCount(): Promise<number> {
    return (await this.jsm.streams.info("DOSSIER")).state.messages;
  }

  /** The events stored after stream sequence `seq`. */
  async eventsAfter(seq: number): Promise<EventEnvelope[]> {
    const found: EventEnvelope[] = [];
    const last = (await this.jsm.streams.info("DOSSIER")).state.last_seq;
    if (last <= seq) return found;
    const consumer = await jetstream(this.nc).consumers.get("DOSSIER", { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 });
    for await (const message of await consumer.fetch({ max_messages: last - seq, expires: 2_000 })) {
      found.push(message.json<EventEnvelope>());
      if (message.info.pending === 0) break;
    }
    return found;
  }

  /** How many received events the stream holds for each dossier code (after sequence `afterSeq`). */
  async receivedCounts(afterSeq = 0): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const event of await this.eventsAfter(afterSeq)) if (event.type === "vn.onestop.dossier.received.v1") counts.set(event.subject, (counts.get(event.subject) ?? 0) + 1);
    return counts;
  }

  async lastSeq(): Promise<number> {
    return (await this.jsm.streams.info("DOSSIER")).state.last_seq;
  }

  async eventsOf(dossierCode: string): Promise<Array<{ subject: string; event: EventEnvelope }>> {
    const found: Array<{ subject: string; event: EventEnvelope }> = [];
    const consumer = await jetstream(this.nc).consumers.get("DOSSIER");
    const total = await this.messageCount();
    if (total === 0) return found;
    const messages = await consumer.fetch({ max_messages: total, expires: 2_000 });
    for await (const message of messages) {
      const event = message.json<EventEnvelope>();
      if (event.subject === dossierCode) found.push({ subject: message.subject, event });
      if (message.info.pending === 0) break;
    }
    return found;
  }

  close(): Promise<void> {
    return this.nc.drain();
  }
}

/**
 * Sends an intake command as the one-stop systems' NATS user (intake may answer its inbox only),
 * with `token` in the Authorization header when given; resolves with the answer.
 */
export async function sendCommand(command: { subject: string; type: string; data: unknown; token?: string; id?: string; time?: string }): Promise<Record<string, unknown>> {
  const system = natsConnectOptions("onestop-system");
  const nc = await connect(system);
  try {
    const inbox = createInbox(system.inboxPrefix);
    const answer = nc.subscribe(inbox, { max: 1 });
    const headers = natsHeaders();
    headers.set(COMMAND_REPLY_HEADER, inbox);
    if (command.token) headers.set("Authorization", `Bearer ${command.token}`);
    const time = command.time ?? new Date().toISOString();
    const envelope = newEnvelope({ ...(command.id ? { id: command.id } : {}), type: command.type, source: "urn:onestop:system:one-stop-bg", subject: "x", time, data: command.data });
    await jetstream(nc).publish(command.subject, JSON.stringify(envelope), { msgID: `${envelope.id}:${Math.random()}`, headers });
    for await (const message of answer) return message.json<Record<string, unknown>>();
    throw new Error("no answer");
  } finally {
    await nc.drain();
  }
}
