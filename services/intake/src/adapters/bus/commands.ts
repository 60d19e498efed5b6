import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { bearerToken, type Caller, type TokenVerifier } from "@onestop/auth";
import type { NatsConnection } from "@nats-io/transport-node";
import { derivedEventId, newEnvelope, publishEvent, startConsumer, type DeliveryInfo, type EventEnvelope, type RunningConsumer } from "@onestop/bus";
import {
  COMMAND_REPLY_HEADER,
  dossierStatusFromJSON,
  IntakeCommandRejected,
  RecordDossierEventRequest,
  RecordDossierEventResponse,
  STREAMS,
  SubmitDossierRequest,
  SubmitDossierResponse,
} from "@onestop/contracts";
import type { Logger } from "@onestop/telemetry";
import type { Intake } from "../../app/intake.js";
import { lifecycleEventFromContract, submissionFromContract } from "../contract-requests.js";
import { problemOf } from "../http/problems.js";

const SUBMIT = "vn.onestop.intake.submit_dossier.v1";
const RECORD_EVENT = "vn.onestop.intake.record_dossier_event.v1";
const REJECTED = "vn.onestop.intake.command_rejected.v1";

/**
 * One-stop systems may send intake's commands on NATS instead of REST: `intake.cmd.submit` and
 * `intake.cmd.event`, stored in the INTAKE_CMD stream, so a command survives an intake restart.
 * The same validation applies; the answer goes to the subject named in the Onestop-Reply-To
 * header, and every rejection is also recorded on `intake.rejected`. A redelivered command has no
 * second effect: a submission's idempotency key defaults to the command's envelope id.
 * Each command carries its sender's bearer token in the `Authorization` header, judged as of the
 * time the stream stored the command (a redelivery later than the token's expiry still counts).
 */
export function startCommandConsumer(nc: NatsConnection, js: JetStreamClient, jsm: JetStreamManager, intake: Intake, verifier: TokenVerifier, log: Logger): Promise<RunningConsumer> {
  const handle = async (command: EventEnvelope, delivery: DeliveryInfo) => {
    const replyTo = delivery.header(COMMAND_REPLY_HEADER);
    try {
      const principal = await verifier.verify(bearerToken(delivery.header("Authorization")), delivery.storedAt());
      const caller: Caller = { principal, from: { transport: "nats", address: command.source } };
      const answer = await execute(intake, caller, command);
      if (replyTo) nc.publish(replyTo, JSON.stringify(answer));
    } catch (error) {
      const problem = problemOf(error);
      if (problem.status >= 500) throw error; // not the command's fault: retry, then dead letters
      const rejection = IntakeCommandRejected.toJSON({
        commandSubject: delivery.subject,
        commandId: command.id,
        dossierCode: command.subject,
        code: problem.rule ?? problem.type.split(":").at(-1)!,
        reason: problem.detail,
        errors: problem.errors ?? [],
        rejectedAt: new Date().toISOString(),
      });
      const event = newEnvelope({
        id: derivedEventId(command.id, "rejected"),
        type: REJECTED,
        source: "urn:onestop:system:intake",
        subject: command.subject,
        time: new Date().toISOString(),
        data: rejection,
      });
      await publishEvent(js, "intake.rejected", event);
      if (replyTo) nc.publish(replyTo, JSON.stringify(rejection));
      log.info("command rejected", { command: command.type, commandId: command.id, code: (rejection as { code: string }).code });
    }
  };
  return startConsumer(nc, js, jsm, { stream: STREAMS.INTAKE_CMD.name, durable: "intake-commands", filterSubjects: ["intake.cmd.>"] }, handle, log);
}

async function execute(intake: Intake, caller: Caller, command: EventEnvelope): Promise<unknown> {
  switch (command.type) {
    case SUBMIT: {
      const { body, idempotencyKey } = submissionFromContract(SubmitDossierRequest.fromJSON(command.data));
      const { created, receipt } = await intake.submit(caller, body, idempotencyKey ?? `nats:${command.id}`);
      return SubmitDossierResponse.toJSON({
        code: receipt.code,
        status: dossierStatusFromJSON(`DOSSIER_STATUS_${receipt.status}`),
        receivedAt: receipt.receivedAt,
        dueAt: receipt.dueAt,
        replayed: !created,
      });
    }
    case RECORD_EVENT: {
      const { code, body } = lifecycleEventFromContract(RecordDossierEventRequest.fromJSON(command.data));
      const { applied, dossier } = await intake.recordEvent(caller, code, body);
      return RecordDossierEventResponse.toJSON({
        dossierCode: dossier.code,
        eventId: String(body.eventId),
        status: dossierStatusFromJSON(`DOSSIER_STATUS_${dossier.status}`),
        dueAt: dossier.dueAt ?? "",
        applied,
      });
    }
    default:
      throw new UnknownCommandError(`unknown command type ${command.type}`);
  }
}

class UnknownCommandError extends Error {}
