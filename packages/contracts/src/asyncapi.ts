// Renders proto/asyncapi.yaml (AsyncAPI 3.0) from the event catalogue, so the document cannot
// drift from the code: `pnpm asyncapi` writes it, test/generated.test.ts checks it.
import { stringify } from "yaml";
import { COMMAND_REPLIES, COMMAND_REPLY_HEADER, EVENT_CATALOG, EVENT_TYPES, type EventType, type Participant, type Route, STREAMS } from "./subjects.js";

const PARTICIPANTS: Record<Participant, string> = {
  intake: "Intake service (services/intake).",
  lienthong: "Linked-processing service (services/lienthong).",
  digitisation: "Digitisation service (services/digitisation).",
  payment: "Payment service (services/payment).",
  reporting: "Reporting projections (services/reporting).",
  console: "Operators' console (services/console).",
  "one-stop-systems": "Provincial one-stop information systems sending commands instead of REST.",
  "sector-systems": "Sector systems (police residence, social insurance, civil status) handling liên thông steps.",
  "any-consumer": "Whichever consumer gives up on a message.",
};

const DESCRIPTION = `Every NATS subject of the one-stop system, its JetStream stream, its payload and who publishes
and subscribes. Generated from packages/contracts/src/subjects.ts: do not edit by hand.

Every message is a CloudEvents 1.0 event in structured mode, JSON (content type
application/cloudevents+json): the JSON form of onestop.common.v1.EventEnvelope. \`data\` is the
canonical proto3 JSON (ts-proto toJSON: lowerCamelCase keys, enums by name, int64 as JSON numbers,
default values left out) of the proto message named by the event type. Business time \`time\` is
RFC 3339 with the +07:00 offset; \`recordedtime\` is when the system recorded it.
The NATS header Nats-Msg-Id carries the envelope id (a UUIDv7), so JetStream drops duplicates.

Agency codes contain dots, so subjects carry the agency token: the code with "." replaced by "_"
(000.00.12.H10 -> 000_00_12_H10; agencyToken / agencyCodeFromToken). The agency of dossier,
digitisation and payment subjects is the dossier's deciding agency at receipt.
Bundle and step codes are lower-case words joined by "-"; the bundle token "bundle" is reserved.`;

const ENVELOPE_SCHEMA = {
  type: "object",
  description: "CloudEvents 1.0 structured-mode JSON: onestop.common.v1.EventEnvelope (proto/onestop/common/v1/envelope.proto).",
  required: ["specversion", "id", "type", "source", "subject", "time", "recordedtime", "datacontenttype", "data"],
  properties: {
    specversion: { type: "string", const: "1.0" },
    id: { type: "string", format: "uuid", description: "UUIDv7, the deduplication id." },
    type: { type: "string", description: "vn.onestop.<area>.<event>.v<N>" },
    source: { type: "string", description: "urn:onestop:agency:<agency code> or urn:onestop:system:<service>" },
    subject: { type: "string", description: "Dossier code or bundle id." },
    time: { type: "string", format: "date-time", description: "Business time, RFC 3339 with +07:00." },
    recordedtime: { type: "string", format: "date-time", description: "When recorded (CloudEvents extension)." },
    traceparent: { type: "string", description: "W3C Trace Context (CloudEvents distributed tracing extension)." },
    datacontenttype: { type: "string", const: "application/json" },
    dataschema: { type: "string", description: "buf:<proto message name>" },
    data: { type: "object" },
  },
};

const upperFirst = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
const camel = (text: string): string => text.replace(/[-_.]([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** "vn.onestop.dossier.supplement_requested.v1" -> "dossierSupplementRequested". */
function channelId(type: EventType): string {
  const [, , area = "", event = ""] = type.split(".");
  return camel(`${area}_${event}`);
}

function addressAndParameters(route: Route): { address: string; parameters?: Record<string, { description: string }> } {
  switch (route.kind) {
    case "agency":
      return {
        address: `${route.prefix}.{agencyToken}.${route.event}`,
        parameters: { agencyToken: { description: 'Deciding agency code with "." replaced by "_", e.g. 000_00_12_H10.' } },
      };
    case "step":
      return {
        address: `lienthong.{bundleCode}.{stepCode}.${route.event}`,
        parameters: {
          bundleCode: { description: 'Bundle code, e.g. "birth", "death".' },
          stepCode: { description: 'Step code, e.g. "birth-registration", "permanent-residence", "health-insurance".' },
        },
      };
    case "dlq":
      return {
        address: "dlq.{stream}.{consumer}",
        parameters: {
          stream: { description: "Stream the message came from, e.g. DOSSIER." },
          consumer: { description: "Durable consumer that gave up." },
        },
      };
    case "fixed":
      return { address: route.subject };
  }
}

export function asyncApiDocument(): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const type of EVENT_TYPES) {
    const spec = EVENT_CATALOG[type];
    const id = channelId(type);
    const messageRef = { $ref: `#/components/messages/${id}` };
    channels[id] = {
      ...addressAndParameters(spec.route),
      title: type,
      summary: spec.summary,
      messages: { [id]: messageRef },
      "x-stream": spec.stream,
      "x-publisher": spec.publisher,
      "x-subscribers": [...spec.subscribers],
    };
    messages[id] = {
      name: type,
      title: spec.schema,
      summary: spec.summary,
      contentType: "application/cloudevents+json",
      headers: {
        type: "object",
        properties: { "Nats-Msg-Id": { type: "string", description: "The envelope id." } },
      },
      payload: {
        allOf: [
          { $ref: "#/components/schemas/EventEnvelope" },
          {
            type: "object",
            properties: {
              type: { const: type },
              dataschema: { const: `buf:${spec.schema}` },
              data: {
                type: "object",
                description: `Canonical proto3 JSON of ${spec.schema}.`,
              },
            },
          },
        ],
      },
      "x-proto-message": spec.schema,
    };
    const channel = { $ref: `#/channels/${id}` };
    const replies = (COMMAND_REPLIES as Partial<Record<EventType, readonly string[]>>)[type];
    operations[`${camel(spec.publisher)}Sends${upperFirst(id)}`] = {
      action: "send",
      channel,
      summary: `${spec.publisher} publishes ${type}.`,
      tags: [{ name: spec.publisher }],
      ...(replies === undefined
        ? {}
        : {
            reply: {
              address: {
                location: `$message.header#/${COMMAND_REPLY_HEADER}`,
                description: `Intake answers on the subject named in the ${COMMAND_REPLY_HEADER} header (the NATS reply subject gets JetStream's publish acknowledgement). The answer is the plain JSON (no envelope) of one of: ${replies.join(", ")}.`,
              },
            },
          }),
    };
    for (const subscriber of spec.subscribers) {
      operations[`${camel(subscriber)}Receives${upperFirst(id)}`] = {
        action: "receive",
        channel,
        summary: `${subscriber} consumes ${type}.`,
        tags: [{ name: subscriber }],
      };
    }
  }

  return {
    asyncapi: "3.0.0",
    info: {
      title: "One-stop event bus",
      version: "1.0.0",
      description: DESCRIPTION,
      tags: Object.entries(PARTICIPANTS).map(([name, description]) => ({ name, description })),
    },
    defaultContentType: "application/cloudevents+json",
    servers: {
      local: { host: "127.0.0.1:4222", protocol: "nats", description: "nats-server with JetStream started by infra/." },
    },
    channels,
    operations,
    components: {
      schemas: { EventEnvelope: ENVELOPE_SCHEMA },
      messages,
    },
    "x-streams": Object.values(STREAMS).map(({ name, subjects, description }) => ({
      name,
      subjects: [...subjects],
      description,
    })),
  };
}

export function renderAsyncApi(): string {
  return `# Generated from packages/contracts/src/subjects.ts by \`pnpm --filter @onestop/contracts asyncapi\`.\n${stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
