import { credentials, Metadata } from "@grpc/grpc-js";
import { IntakeServiceClient, RecordDossierEventRequest } from "@onestop/contracts";
import type { TokenSource } from "@onestop/auth";
import type { IntakePort, OutboxEntry } from "../app/ports.js";

/**
 * Resolves a finished bundle's dossier through intake's own API (gRPC RecordDossierEvent), as any
 * one-stop system would: a RESOLVED event with one result per step, under an event id derived
 * from the bundle, so sending it again has no second effect at intake.
 */
export class IntakeGrpcClient implements IntakePort {
  private readonly client: IntakeServiceClient;

  constructor(
    address: string,
    private readonly tokens: TokenSource,
  ) {
    this.client = new IntakeServiceClient(address, credentials.createInsecure());
  }

  async resolve(entry: Extract<OutboxEntry, { kind: "intake" }>): Promise<void> {
    const request = RecordDossierEventRequest.fromJSON({
      dossierCode: entry.dossierCode,
      eventId: entry.id,
      type: "DOSSIER_EVENT_TYPE_RESOLVED",
      at: entry.at,
      reason: entry.reason ?? "",
      outcome: `OUTCOME_${entry.outcome}`,
      results: entry.results.map((result) => ({ ...result, resultNumber: result.resultNumber ?? "" })),
    });
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${await this.tokens.token()}`);
    await new Promise<void>((resolve, reject) => {
      this.client.recordDossierEvent(request, metadata, { deadline: Date.now() + 15_000 }, (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): void {
    this.client.close();
  }
}
