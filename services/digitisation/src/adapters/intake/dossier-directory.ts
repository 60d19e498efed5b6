import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { TokenSource } from "@onestop/auth";
import { IntakeServiceClient, type Dossier } from "@onestop/contracts";
import { UnavailableError } from "../../app/errors.js";
import type { DossierDirectory, DossierFacts } from "../../app/ports.js";

export interface IntakeDirectoryOptions {
  /** How long an answer is reused (a desk uploads a dossier's components one after another); 0: never. */
  cacheMs?: number;
  /** Answers kept at most. */
  cacheEntries?: number;
  deadlineMs?: number;
}

/**
 * Whose a dossier is, asked of intake (the record of dossiers) through its own API, gRPC
 * GetDossier, with the service's account (role `service`, which may read every dossier): its
 * deciding agency now, the desk that received it, its components. Digitisation then judges the
 * caller itself. An answer is reused for a short while (a transfer shows after at most `cacheMs`);
 * concurrent asks of the same dossier share one call.
 */
export class IntakeDossierDirectory implements DossierDirectory {
  private readonly client: IntakeServiceClient;
  private readonly cache = new Map<string, { at: number; facts: DossierFacts | undefined }>();
  private readonly inFlight = new Map<string, Promise<DossierFacts | undefined>>();
  private readonly cacheMs: number;
  private readonly cacheEntries: number;
  private readonly deadlineMs: number;

  constructor(
    address: string,
    private readonly tokens: TokenSource,
    options: IntakeDirectoryOptions = {},
  ) {
    this.client = new IntakeServiceClient(address, credentials.createInsecure());
    this.cacheMs = options.cacheMs ?? 30_000;
    this.cacheEntries = options.cacheEntries ?? 10_000;
    this.deadlineMs = options.deadlineMs ?? 10_000;
  }

  find(code: string): Promise<DossierFacts | undefined> {
    const cached = this.cache.get(code);
    // An unknown dossier is asked again each time: it may have been received since.
    if (cached?.facts && Date.now() - cached.at < this.cacheMs) return Promise.resolve(cached.facts);
    let pending = this.inFlight.get(code);
    if (!pending) {
      pending = this.ask(code).finally(() => this.inFlight.delete(code));
      this.inFlight.set(code, pending);
    }
    return pending;
  }

  close(): void {
    this.client.close();
  }

  private async ask(code: string): Promise<DossierFacts | undefined> {
    let token: string;
    try {
      token = await this.tokens.token();
    } catch (error) {
      throw new UnavailableError("Không lấy được thông tin hồ sơ từ bộ phận tiếp nhận (intake)", { cause: error });
    }
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${token}`);
    const dossier = await new Promise<Dossier | undefined>((resolve, reject) => {
      this.client.getDossier({ code }, metadata, { deadline: Date.now() + this.deadlineMs }, (error: ServiceError | null, response) => {
        if (!error) return resolve(response.dossier);
        if (error.code === status.NOT_FOUND) return resolve(undefined);
        reject(new UnavailableError("Không lấy được thông tin hồ sơ từ bộ phận tiếp nhận (intake)", { cause: error }));
      });
    });
    const facts = dossier && { code: dossier.code, agencyCode: dossier.agencyCode, receivingUnitCode: dossier.receivingUnitCode, components: dossier.components.map((c) => c.typeCode) };
    if (this.cacheMs > 0 && facts) {
      if (this.cache.size >= this.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.delete(code);
      this.cache.set(code, { at: Date.now(), facts });
    }
    return facts;
  }
}
