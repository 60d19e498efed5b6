import { createHash } from "node:crypto";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { canonicalJson, type AuditTrail } from "@onestop/audit";
import type { Caller, DossierHolders, Jurisdiction } from "@onestop/auth";
import { formatInstant, localDateOf } from "@onestop/calendar";
import { maskPersonalData } from "@onestop/telemetry";
import {
  decideFullyDigitised,
  decideReuse,
  DigitisationRuleError,
  evolveDossier,
  holderRefInput,
  register,
  reusable,
  signingSubject,
  type DigitisationEvent,
  type DigitisedDocument,
  type DossierDigitisation,
  type Signature,
} from "../domain/documents.js";
import { parseRegistration, type FieldError, type RegistrationRequest } from "../domain/metadata.js";
import { ContentCheck } from "./content-check.js";
import { ConflictError, NotFoundError, ValidationError } from "./errors.js";
import type { ContentRegistry, DocumentRepository, DossierDirectory, DossierFacts, ObjectStorePort, OutboxEntry, Publisher, Signer, StoredDocument, StoredReuse } from "./ports.js";

/** The steps of an upload: the object complete, its content claimed, the document registered. */
export type UploadStep = "written" | "claimed" | "inserted";

export interface DigitisationDeps {
  repository: DocumentRepository;
  contents: ContentRegistry;
  /** Intake's dossiers: whose a dossier is (its agency, its desk) and its components. */
  dossiers: DossierDirectory;
  objects: ObjectStorePort;
  signer: Signer;
  publisher: Publisher;
  /** The announcement of a decided event; its id is derived from `cause`, so a retry announces the same event. */
  toOutboxEntry: (event: DigitisationEvent, cause: string, document?: DigitisedDocument) => OutboxEntry;
  /** Keyed hash (HMAC with PERSONAL_DATA_KEY) of a holder reference input. */
  holderRef: (input: string) => string;
  /** A stable UUIDv7-shaped id from a string (the same request gives the same id). */
  stableId: (seed: string) => string;
  jurisdiction: Jurisdiction;
  audit: Pick<AuditTrail, "record" | "authorised">;
  maxUploadBytes: number;
  presignSeconds: number;
  now?: () => Date;
  /** Test hook: called at each step of an upload (a fault test kills the process there). */
  onStep?: (step: UploadStep) => void;
}

/** A registration accepted before its file is read: metadata complete, caller allowed. */
export interface AcceptedUpload {
  caller: Caller;
  request: RegistrationRequest;
  /** The dossier as intake knows it. */
  dossier?: DossierFacts;
}

export interface VerifyOutcome {
  valid: boolean;
  contentIntact: boolean;
  signatureValid: boolean;
  sha256: string;
  actualSha256: string;
  algorithm: string;
  keyId: string;
}

const MAX_CONFLICT_ATTEMPTS = 16;
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The digitisation use cases, shared by the REST and gRPC adapters; each on behalf of a verified
 * caller, recorded on the audit trail before the change it announces. A file reaches the object
 * store under a temporary key, is moved under its content key (its SHA-256) once complete, and
 * only then is its document registered: a crash before leaves no document, only a temporary object.
 */
export class Digitisation {
  private readonly now: () => Date;
  private readonly toSettle = new Set<string>();
  private settling: Promise<void> | undefined;

  constructor(private readonly deps: DigitisationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Checks the metadata, the dossier (at intake: its agency and desk) and the caller's right to act
   * on it before any byte of the file is read; throws 400 / 404 / 403.
   */
  async accept(caller: Caller, raw: unknown): Promise<AcceptedUpload> {
    const parsed = parseRegistration(raw);
    if (!parsed.ok) throw new ValidationError(parsed.errors);
    const dossier = await this.dossierOf(parsed.value.dossierCode, parsed.value.agencyCode);
    const request = { ...parsed.value, agencyCode: dossier.agencyCode, receivingUnitCode: dossier.receivingUnitCode } as RegistrationRequest;
    const action = request.kind === "COMPONENT" ? "document.digitise" : "result.issue";
    await this.deps.audit.authorised(caller, action, { type: "dossier", id: request.dossierCode }, () => this.deps.jurisdiction.assertMayAct(caller.principal, holdersOf(dossier)));
    return { caller, request, dossier };
  }

  /**
   * Streams the file to the object store (checked: allowed type by its first bytes, size limit,
   * SHA-256), then registers the signed document and announces it. The same file for the same
   * dossier component (or result) again returns the document registered before (`created` false).
   */
  async upload(accepted: AcceptedUpload, file: Readable): Promise<{ created: boolean; stored: StoredDocument }> {
    const { caller, request } = accepted;
    const check = new ContentCheck(this.deps.maxUploadBytes);
    const piping = pipeline(file, check);
    piping.catch(() => undefined);
    let written: string;
    try {
      // The object is typed by the first bytes, which the check holds back until it has seen them.
      const sniffed = await Promise.race([check.type, piping.then(() => check.type)]);
      // Both sides settle: a failed check rejects the pipeline and aborts the store's multipart upload.
      [, written] = await Promise.all([piping, this.deps.objects.write(check, sniffed.mediaType)]);
    } catch (error) {
      check.destroy();
      throw error;
    }
    this.deps.onStep?.("written");
    const type = await check.type;
    const sha256 = check.digest();
    const content = { sha256, size: check.bytesPassed, mediaType: type.mediaType };
    const typeCode = request.kind === "COMPONENT" ? request.componentTypeCode : request.resultTypeCode;
    const documentId = this.deps.stableId(`document\u0000${request.kind}\u0000${request.dossierCode}\u0000${typeCode}\u0000${sha256}`);
    const now = formatInstant(this.now().getTime());
    const { document, events } = register(request, {
      documentId,
      holderRef: this.deps.holderRef(holderRefInput(request.metadata)),
      content,
      officer: caller.principal.subject,
      now,
    });
    const signature = await this.sign(document, now);
    const action = request.kind === "COMPONENT" ? "document.digitise" : "result.issue";
    // The content claimed (or found stored already: this object removed) and the audit record written,
    // side by side; both before the document is. The same upload again is recorded too, and answered
    // with the document registered before (its insert finds it).
    const [objectKey] = await Promise.all([
      this.claim(sha256, written),
      this.deps.audit.record({ caller, action, target: { type: "document", id: documentId }, outcome: "ok", details: { dossierCode: request.dossierCode, sha256 } }),
    ]);
    this.deps.onStep?.("claimed");
    const stored: StoredDocument = {
      document,
      signature,
      objectKey,
      ...(accepted.dossier ? { dossierComponents: accepted.dossier.components } : {}),
      outbox: events.map((event) => this.deps.toOutboxEntry(event, documentId, document)),
      pending: true,
    };
    if ((await this.deps.repository.insert(stored)) === "exists") {
      const winner = await this.deps.repository.find(documentId);
      if (winner) return { created: false, stored: winner };
    }
    this.deps.onStep?.("inserted");
    await this.settleDocument(documentId, stored);
    return { created: true, stored };
  }

  /** The object that holds content `sha256`: `written`, or the one stored before (then `written` is removed). */
  private async claim(sha256: string, written: string): Promise<string> {
    const claimed = await this.deps.contents.claim(sha256, written);
    if (!claimed.duplicate) return written;
    await this.deps.objects.remove(written);
    await this.deps.contents.release(written);
    return claimed.key;
  }

  /**
   * Removes what crashed uploads left in the object store: multipart uploads never completed, and
   * complete objects no content claims (a crash between the upload and the claim), once older
   * than `olderThanMs`. Objects are listed from where the last sweep stopped, in order of creation.
   */
  async sweepObjects(olderThanMs: number): Promise<number> {
    const cutoff = this.now().getTime() - olderThanMs;
    let removed = await this.deps.objects.abortUnfinished(olderThanMs);
    const from = await this.deps.contents.sweptUpTo();
    let upTo = from;
    for await (const { key, lastModified } of this.deps.objects.listAfter(from)) {
      const created = this.deps.objects.createdAt(key);
      if (created !== undefined && created > cutoff) break;
      if (created !== undefined && lastModified <= cutoff && !(await this.deps.contents.isClaimed(key))) {
        await this.deps.objects.remove(key);
        removed++;
      }
      upTo = key;
    }
    if (upTo !== undefined && upTo !== from) await this.deps.contents.setSweptUpTo(upTo);
    return removed;
  }

  /** A document's metadata, for whoever may see it (the holder masked). */
  async get(caller: Caller, id: string): Promise<StoredDocument> {
    const stored = await this.readable(caller, id, "document.read");
    await this.deps.audit.record({ caller, action: "document.read", target: { type: "document", id }, outcome: "ok" });
    return stored;
  }

  /** The file itself, streamed from the object store. */
  async content(caller: Caller, id: string): Promise<{ stored: StoredDocument; body: Readable }> {
    const stored = await this.readable(caller, id, "document.download");
    await this.deps.audit.record({ caller, action: "document.download", target: { type: "document", id }, outcome: "ok" });
    return { stored, body: await this.deps.objects.read(objectKeyOf(stored)) };
  }

  /** A short-lived presigned URL of the file. */
  async downloadUrl(caller: Caller, id: string): Promise<{ url: string; expiresAt: string }> {
    const stored = await this.readable(caller, id, "document.download");
    await this.deps.audit.record({ caller, action: "document.download-url", target: { type: "document", id }, outcome: "ok" });
    const seconds = this.deps.presignSeconds;
    const url = await this.deps.objects.presignedUrl(objectKeyOf(stored), seconds, fileNameOf(stored.document));
    return { url, expiresAt: formatInstant(this.now().getTime() + seconds * 1000) };
  }

  /** Re-reads the stored file: its SHA-256 must be the signed one, and the signature over hash and metadata must hold. */
  async verify(caller: Caller, id: string): Promise<VerifyOutcome> {
    const stored = await this.readable(caller, id, "document.verify");
    const hash = createHash("sha256");
    for await (const chunk of await this.deps.objects.read(objectKeyOf(stored))) hash.update(chunk as Buffer);
    const actualSha256 = hash.digest("hex");
    const signatureValid = await this.deps.signer.verify(payloadOf(stored.document, stored.signature.signedAt), stored.signature.value, stored.signature.keyId);
    const contentIntact = actualSha256 === stored.document.content.sha256;
    await this.deps.audit.record({
      caller,
      action: "document.verify",
      target: { type: "document", id },
      outcome: "ok",
      details: { valid: String(contentIntact && signatureValid) },
    });
    return {
      valid: contentIntact && signatureValid,
      contentIntact,
      signatureValid,
      sha256: stored.document.content.sha256,
      actualSha256,
      algorithm: stored.signature.algorithm,
      keyId: stored.signature.keyId,
    };
  }

  /**
   * The citizen's document store: the holder's documents and results a new dossier may reuse on
   * `validOn` (today by default), asked for a dossier the caller may act on. Expired ones are not offered.
   */
  async findReusable(caller: Caller, raw: unknown): Promise<StoredDocument[]> {
    const query = parseReuseQuery(raw);
    const dossier = await this.dossierOf(query.dossierCode, query.agencyCode);
    await this.deps.audit.authorised(caller, "document.find-reusable", { type: "dossier", id: query.dossierCode }, () => this.deps.jurisdiction.assertMayAct(caller.principal, holdersOf(dossier)));
    const ids = await this.deps.repository.idsOfHolder(this.deps.holderRef(query.holderIdNumber));
    const stored = await this.deps.repository.findMany(ids);
    const day = query.validOn ?? localDateOf(this.now().getTime());
    const offered = new Set(
      reusable(
        stored.map((s) => s.document),
        day,
        query.documentTypeCodes,
      ).map((d) => d.id),
    );
    await this.deps.audit.record({ caller, action: "document.find-reusable", target: { type: "dossier", id: query.dossierCode }, outcome: "ok", details: { offered: String(offered.size) } });
    return stored.filter((s) => offered.has(s.document.id));
  }

  /** A later dossier reuses a valid document of the same holder: recorded, announced, and the dossier's component covered. */
  async recordReuse(caller: Caller, dossierCode: string, raw: unknown): Promise<{ created: boolean; reuse: StoredReuse }> {
    const request = parseReuseRequest(dossierCode, raw);
    const dossier = await this.dossierOf(request.dossierCode, request.agencyCode);
    await this.deps.audit.authorised(caller, "document.reuse", { type: "dossier", id: request.dossierCode }, () => this.deps.jurisdiction.assertMayAct(caller.principal, holdersOf(dossier)));
    const stored = await this.deps.repository.find(request.documentId);
    if (!stored) throw new NotFoundError(`Không có giấy tờ ${request.documentId}`);
    const id = this.deps.stableId(`reuse\u0000${request.dossierCode}\u0000${request.componentTypeCode}\u0000${request.documentId}`);
    const earlier = await this.deps.repository.findReuse(id);
    if (earlier) return { created: false, reuse: earlier };
    const nowDate = this.now();
    const now = formatInstant(nowDate.getTime());
    const events = decideReuse(stored.document, {
      dossierCode: request.dossierCode,
      agencyCode: dossier.agencyCode,
      componentTypeCode: request.componentTypeCode,
      holderRef: this.deps.holderRef(request.holderIdNumber),
      day: localDateOf(nowDate.getTime()),
      now,
    });
    const reuse: StoredReuse = {
      id,
      dossierCode: request.dossierCode,
      agencyCode: dossier.agencyCode,
      receivingUnitCode: dossier.receivingUnitCode,
      ...(dossier.components.length > 0 ? { dossierComponents: dossier.components } : {}),
      componentTypeCode: request.componentTypeCode,
      documentId: request.documentId,
      reusedBy: caller.principal.subject,
      reusedAt: now,
      outbox: events.map((event) => this.deps.toOutboxEntry(event, id)),
      pending: true,
    };
    await this.deps.audit.record({ caller, action: "document.reuse", target: { type: "document", id: request.documentId }, outcome: "ok", details: { dossierCode: request.dossierCode, reuseId: id } });
    if ((await this.deps.repository.insertReuse(reuse)) === "exists") return { created: false, reuse: (await this.deps.repository.findReuse(id)) ?? reuse };
    await this.settleReuse(id);
    return { created: true, reuse };
  }

  /** The desk declares the dossier's components; once each is digitised or reused the dossier is announced fully digitised. */
  async declareComponents(caller: Caller, dossierCode: string, raw: unknown): Promise<DossierDigitisation> {
    const { agencyCode, components } = parseComponents(dossierCode, raw);
    const dossier = await this.dossierOf(dossierCode, agencyCode);
    await this.deps.audit.authorised(caller, "dossier.digitisation.declare", { type: "dossier", id: dossierCode }, () => this.deps.jurisdiction.assertMayAct(caller.principal, holdersOf(dossier)));
    await this.deps.audit.record({ caller, action: "dossier.digitisation.declare", target: { type: "dossier", id: dossierCode }, outcome: "ok" });
    return this.updateDossier(dossierCode, dossier.agencyCode, { components });
  }

  /** A dossier's digitisation (its components, which are covered, whether announced), for whoever may read the dossier. */
  async dossierDigitisation(caller: Caller, dossierCode: string): Promise<DossierDigitisation> {
    if (!DOSSIER_CODE.test(dossierCode)) throw new NotFoundError("Không có hồ sơ này");
    const dossier = await this.dossierOf(dossierCode);
    await this.deps.audit.authorised(caller, "dossier.digitisation.read", { type: "dossier", id: dossierCode }, () => this.deps.jurisdiction.assertMayRead(caller.principal, holdersOf(dossier)));
    const current = await this.deps.repository.dossier(dossierCode);
    if (!current) return { dossierCode, agencyCode: dossier.agencyCode, ...(dossier.components.length > 0 ? { components: dossier.components } : {}), covered: {}, announced: false };
    return current.state;
  }

  /** Finishes what a crashed instance left: holder indexes, dossiers' coverage, unpublished announcements. */
  async settleAll(): Promise<number> {
    const { documents, reuses, dossiers } = await this.deps.repository.unsettled();
    for (const id of documents) await this.settleDocument(id);
    for (const id of reuses) await this.settleReuse(id);
    for (const code of dossiers) await this.publishDossierOutbox(code);
    return documents.length + reuses.length + dossiers.length;
  }

  // -------------------------------------------------------------------------------------------

  /** The dossier as intake knows it (404 when unknown); an agency the caller names must be its deciding agency (400). */
  private async dossierOf(code: string, namedAgency?: string): Promise<DossierFacts> {
    const dossier = await this.deps.dossiers.find(code);
    if (!dossier) throw new NotFoundError(`Không có hồ sơ ${code}`);
    if (namedAgency !== undefined && namedAgency !== dossier.agencyCode) {
      throw new ValidationError([{ path: "agencyCode", message: `không phải cơ quan giải quyết hồ sơ ${code} (là ${dossier.agencyCode}); có thể bỏ trống` }]);
    }
    return dossier;
  }

  private async settleDocument(id: string, known?: StoredDocument): Promise<void> {
    const stored = known ?? (await this.deps.repository.find(id));
    if (!stored?.pending) return;
    const { document } = stored;
    // Each step is idempotent (a set addition, a publish under the same id, a coverage by the same
    // document), so they run side by side, and a sweep after a crash anywhere in between repeats them safely.
    await Promise.all([
      this.deps.repository.addToHolder(document.holderRef, document.id),
      (async () => {
        for (const entry of stored.outbox) await this.deps.publisher.publish(entry);
      })(),
      document.kind === "COMPONENT" ? this.cover(document.dossierCode, document.agencyCode, [document.componentTypeCode!, document.id], stored.dossierComponents) : Promise.resolve(),
    ]);
    this.markSettled(id);
  }

  /**
   * Marks a document's follow-up done, in batches off the request path: until then it stays
   * pending, and a sweep would only repeat idempotent steps.
   */
  private markSettled(id: string): void {
    this.toSettle.add(id);
    if (this.settling) return;
    this.settling = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (this.toSettle.size > 0) {
        const ids = [...this.toSettle];
        this.toSettle.clear();
        await this.deps.repository.settleMany(ids).catch(() => undefined);
      }
    })().finally(() => {
      this.settling = undefined;
    });
  }

  /** Waits until the documents marked settled are written so (a graceful stop). */
  async flush(): Promise<void> {
    while (this.settling) await this.settling;
  }

  private async settleReuse(id: string): Promise<void> {
    const reuse = await this.deps.repository.findReuse(id);
    if (!reuse?.pending) return;
    await Promise.all([
      this.deps.repository.addReuser(reuse.documentId, {
        dossierCode: reuse.dossierCode,
        agencyCode: reuse.agencyCode,
        ...(reuse.receivingUnitCode ? { receivingUnitCode: reuse.receivingUnitCode } : {}),
      }),
      (async () => {
        for (const entry of reuse.outbox) await this.deps.publisher.publish(entry);
      })(),
      this.cover(reuse.dossierCode, reuse.agencyCode, [reuse.componentTypeCode, reuse.documentId], reuse.dossierComponents),
    ]);
    await this.deps.repository.settleReuse(id);
  }

  /**
   * A component covered: one atomic write in the common case; when that completes the dossier (or
   * intake's components are still to be recorded), the general conditional update, which announces it.
   */
  private async cover(dossierCode: string, agencyCode: string, covered: [string, string], declared: string[] | undefined): Promise<DossierDigitisation> {
    const current = await this.deps.repository.cover(dossierCode, agencyCode, covered[0], covered[1]);
    const undeclared = current.state.components === undefined && declared !== undefined && declared.length > 0;
    if (undeclared || decideFullyDigitised(current.state, "").length > 0) return this.updateDossier(dossierCode, agencyCode, { covered, ...(declared ? { declared } : {}) });
    if (current.outbox.length > 0) await this.publishDossierOutbox(dossierCode);
    return current.state;
  }

  /** Applies a change to the dossier's digitisation (conditional on its version) and announces it fully digitised when it now is. */
  private async updateDossier(dossierCode: string, agencyCode: string, change: { covered?: [string, string]; components?: string[]; declared?: string[] }): Promise<DossierDigitisation> {
    for (let attempt = 0; attempt < MAX_CONFLICT_ATTEMPTS; attempt++) {
      const current = await this.deps.repository.dossier(dossierCode);
      const state: DossierDigitisation = current?.state ?? { dossierCode, agencyCode, covered: {}, announced: false };
      let next = evolveDossier(state, change);
      const events = decideFullyDigitised(next, formatInstant(this.now().getTime()));
      if (events.length > 0) next = evolveDossier(next, { announced: true });
      const outbox = [...(current?.outbox ?? []), ...events.map((event) => this.deps.toOutboxEntry(event, `dossier\u0000${dossierCode}`))];
      if (await this.deps.repository.saveDossier(next, current?.version ?? 0, outbox)) {
        if (outbox.length > 0) await this.publishDossierOutbox(dossierCode);
        return next;
      }
    }
    throw new ConflictError("CONCURRENT_UPDATES", `Hồ sơ ${dossierCode} đang được cập nhật đồng thời; hãy thử lại`);
  }

  private async publishDossierOutbox(dossierCode: string): Promise<void> {
    const current = await this.deps.repository.dossier(dossierCode);
    if (!current || current.outbox.length === 0) return;
    for (const entry of current.outbox) await this.deps.publisher.publish(entry);
    await this.deps.repository.clearDossierOutbox(
      dossierCode,
      current.outbox.map((entry) => entry.envelope.id),
    );
  }

  private async readable(caller: Caller, id: string, action: string): Promise<StoredDocument> {
    if (!ID.test(id)) throw new NotFoundError("Không có giấy tờ này");
    const stored = await this.deps.repository.find(id);
    if (!stored) throw new NotFoundError(`Không có giấy tờ ${id}`);
    const { document } = stored;
    await this.deps.audit.authorised(caller, action, { type: "document", id }, () => {
      const holders: DossierHolders[] = [document, ...document.reusedBy].map((d) => ({ receivingUnitCode: d.receivingUnitCode ?? d.agencyCode, agencyCodes: [d.agencyCode] }));
      let refusal: unknown;
      for (const holder of holders) {
        try {
          return this.deps.jurisdiction.assertMayRead(caller.principal, holder);
        } catch (error) {
          refusal = error;
        }
      }
      throw refusal;
    });
    return stored;
  }

  private async sign(document: DigitisedDocument, signedAt: string): Promise<Signature> {
    const value = await this.deps.signer.sign(payloadOf(document, signedAt));
    return { algorithm: this.deps.signer.algorithm, keyId: this.deps.signer.keyId, value, signedAt };
  }
}

/** The object holding a document's file; documents stored before objects were written once are under their hash. */
function objectKeyOf(stored: StoredDocument): string {
  const { sha256 } = stored.document.content;
  return stored.objectKey ?? `sha256/${sha256.slice(0, 2)}/${sha256}`;
}

function payloadOf(document: DigitisedDocument, signedAt: string): Buffer {
  return Buffer.from(canonicalJson({ ...signingSubject(document), signedAt }), "utf8");
}

/** A dossier as jurisdiction sees it: the desk that received it, the agency deciding it now. */
function holdersOf(dossier: DossierFacts): DossierHolders {
  return { receivingUnitCode: dossier.receivingUnitCode, agencyCodes: [dossier.agencyCode] };
}

function fileNameOf(document: DigitisedDocument): string {
  const extension = { "application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/tiff": "tiff" }[document.content.mediaType] ?? "bin";
  return `${document.id}.${extension}`;
}

/** The caller's view of a document: the holder (ID number, name) and the result number masked. */
export function documentView(stored: StoredDocument) {
  const { document, signature } = stored;
  return {
    ...document,
    metadata: { ...document.metadata, holder: maskPersonalData(document.metadata.holder) as typeof document.metadata.holder },
    ...(document.resultNumber ? { resultNumber: (maskPersonalData({ idNumber: document.resultNumber }) as { idNumber: string }).idNumber } : {}),
    signature,
  };
}

// ---------------------------------------------------------------------------------------------
// Request bodies of the smaller use cases

type Json = Record<string, unknown>;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const AGENCY = /^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DOSSIER_CODE = /^[\x21-\x7e]{1,64}$/;

function object(raw: unknown): Json {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ValidationError([{ path: "(body)", message: "nội dung phải là một đối tượng JSON" }]);
  return raw as Json;
}

function field(data: Json, name: string, label: string, pattern: RegExp, errors: FieldError[], required = true): string | undefined {
  const value = data[name];
  if (value === undefined || value === "" || value === null) {
    if (required) errors.push({ path: name, message: `thiếu ${label}` });
    return undefined;
  }
  if (typeof value !== "string" || !pattern.test(value)) {
    errors.push({ path: name, message: `${label} không đúng định dạng` });
    return undefined;
  }
  return value;
}

function idNumberOf(data: Json, errors: FieldError[]): string | undefined {
  const value = data.holderIdNumber;
  if (typeof value !== "string" || value.trim() === "") {
    errors.push({ path: "holderIdNumber", message: "thiếu số định danh của người nộp" });
    return undefined;
  }
  return value;
}

function parseReuseQuery(raw: unknown) {
  const data = object(raw);
  const errors: FieldError[] = [];
  const dossierCode = field(data, "dossierCode", "mã hồ sơ", DOSSIER_CODE, errors);
  const agencyCode = field(data, "agencyCode", "mã cơ quan giải quyết", AGENCY, errors, false);
  const holderIdNumber = idNumberOf(data, errors);
  const validOn = field(data, "validOn", "ngày xét hiệu lực (YYYY-MM-DD)", DAY, errors, false);
  const types = data.documentTypeCodes ?? [];
  if (!Array.isArray(types) || !types.every((t) => typeof t === "string" && CODE.test(t))) errors.push({ path: "documentTypeCodes", message: "danh sách mã loại giấy tờ không hợp lệ" });
  if (errors.length > 0) throw new ValidationError(errors);
  return { dossierCode: dossierCode!, ...(agencyCode ? { agencyCode } : {}), holderIdNumber: holderIdNumber!, documentTypeCodes: types as string[], ...(validOn ? { validOn } : {}) };
}

function parseReuseRequest(dossierCode: string, raw: unknown) {
  const data = object(raw);
  const errors: FieldError[] = [];
  if (!DOSSIER_CODE.test(dossierCode)) errors.push({ path: "dossierCode", message: "mã hồ sơ không đúng định dạng" });
  const agencyCode = field(data, "agencyCode", "mã cơ quan giải quyết", AGENCY, errors, false);
  const componentTypeCode = field(data, "componentTypeCode", "mã thành phần hồ sơ", CODE, errors);
  const documentId = field(data, "documentId", "mã giấy tờ", ID, errors);
  const holderIdNumber = idNumberOf(data, errors);
  if (errors.length > 0) throw new ValidationError(errors);
  return { dossierCode, ...(agencyCode ? { agencyCode } : {}), componentTypeCode: componentTypeCode!, documentId: documentId!, holderIdNumber: holderIdNumber! };
}

function parseComponents(dossierCode: string, raw: unknown) {
  const data = object(raw);
  const errors: FieldError[] = [];
  if (!DOSSIER_CODE.test(dossierCode)) errors.push({ path: "dossierCode", message: "mã hồ sơ không đúng định dạng" });
  const agencyCode = field(data, "agencyCode", "mã cơ quan giải quyết", AGENCY, errors, false);
  const components = data.components;
  if (!Array.isArray(components) || components.length === 0 || components.length > 100 || !components.every((c) => typeof c === "string" && CODE.test(c))) {
    errors.push({ path: "components", message: "cần danh sách mã thành phần hồ sơ (1 đến 100 mã)" });
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return { ...(agencyCode ? { agencyCode } : {}), components: components as string[] };
}

export { DigitisationRuleError };
