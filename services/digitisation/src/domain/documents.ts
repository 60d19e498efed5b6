/**
 * Digitised documents and electronic results, the citizen's document store (reuse) and a dossier's
 * digitisation: deciders that return the events they decide. Pure: time, ids and the holder's
 * reference come in as inputs.
 */
import { resultNumber, validOn, type DocumentMetadata, type RegistrationRequest } from "./metadata.js";

/** The stored file: content-addressed by its SHA-256. */
export interface StoredContent {
  sha256: string;
  size: number;
  mediaType: string;
}

export interface Signature {
  algorithm: string;
  keyId: string;
  /** Base64 of the detached signature over `signingPayload(document)`. */
  value: string;
  signedAt: string;
}

export interface DigitisedDocument {
  id: string;
  kind: "COMPONENT" | "RESULT";
  dossierCode: string;
  agencyCode: string;
  /** The desk that received the dossier (its desk officers may read the document). */
  receivingUnitCode?: string;
  componentTypeCode?: string;
  resultTypeCode?: string;
  /** Electronic results only: holder ID number + result-type code. PERSONAL DATA (it holds the ID number). */
  resultNumber?: string;
  metadata: DocumentMetadata;
  /** Keyed hash of the holder (see holderRefInput): how the citizen's document store finds them. */
  holderRef: string;
  content: StoredContent;
  /** The officer (token subject) who digitised or issued it, and when. */
  digitisedBy: string;
  digitisedAt: string;
  /** Dossiers that reused it later, with their deciding agencies (they may read it). */
  reusedBy: Array<{ dossierCode: string; agencyCode: string; receivingUnitCode?: string }>;
}

export type DigitisationEvent =
  | { type: "COMPONENT_DIGITISED"; dossierCode: string; agencyCode: string; componentTypeCode: string; documentId: string; at: string }
  | { type: "RESULT_ISSUED"; dossierCode: string; agencyCode: string; resultTypeCode: string; documentId: string; at: string }
  | {
      type: "DOCUMENT_REUSED";
      dossierCode: string;
      agencyCode: string;
      componentTypeCode: string;
      documentId: string;
      documentTypeCode: string;
      at: string;
    }
  | { type: "DOSSIER_DIGITISED"; dossierCode: string; agencyCode: string; componentTypeCodes: string[]; at: string };

export class DigitisationRuleError extends Error {
  override readonly name = "DigitisationRuleError";
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the holder reference is computed over (then HMAC-keyed by the adapter): the normalised ID
 * number, or when there is none the name (NFC, lower case, single spaces) and the year of birth.
 */
export function holderRefInput(metadata: DocumentMetadata): string {
  const { idNumber, fullName, birthYear } = metadata.holder;
  if (idNumber !== undefined) return idNumber;
  return `name:${fullName!.normalize("NFC").toLocaleLowerCase("vi").replace(/\s+/g, " ").trim()}|${birthYear}`;
}

/** A new document from an accepted request and its complete stored content, with the event it announces. */
export function register(
  request: RegistrationRequest,
  facts: { documentId: string; holderRef: string; content: StoredContent; officer: string; now: string },
): { document: DigitisedDocument; events: DigitisationEvent[] } {
  const base = {
    id: facts.documentId,
    dossierCode: request.dossierCode,
    agencyCode: request.agencyCode,
    ...(request.receivingUnitCode ? { receivingUnitCode: request.receivingUnitCode } : {}),
    metadata: request.metadata,
    holderRef: facts.holderRef,
    content: facts.content,
    digitisedBy: facts.officer,
    digitisedAt: facts.now,
    reusedBy: [],
  };
  const link = { dossierCode: request.dossierCode, agencyCode: request.agencyCode, documentId: facts.documentId, at: facts.now };
  if (request.kind === "COMPONENT") {
    return {
      document: { ...base, kind: "COMPONENT", componentTypeCode: request.componentTypeCode },
      events: [{ type: "COMPONENT_DIGITISED", ...link, componentTypeCode: request.componentTypeCode }],
    };
  }
  return {
    document: {
      ...base,
      kind: "RESULT",
      resultTypeCode: request.resultTypeCode,
      resultNumber: resultNumber(request.metadata.holder.idNumber!, request.resultTypeCode),
    },
    events: [{ type: "RESULT_ISSUED", ...link, resultTypeCode: request.resultTypeCode }],
  };
}

/** The documents of a holder a new dossier may reuse on `day`: valid then, optionally of the given types. */
export function reusable(documents: readonly DigitisedDocument[], day: string, documentTypeCodes: readonly string[] = []): DigitisedDocument[] {
  return documents.filter((document) => validOn(document.metadata, day) && (documentTypeCodes.length === 0 || documentTypeCodes.includes(document.metadata.documentTypeCode)));
}

/**
 * A later dossier reuses a digitised document or result instead of a new upload: only a valid one,
 * of the same holder. Reusing it again for the same dossier component decides nothing new.
 */
export function decideReuse(
  document: DigitisedDocument,
  request: { dossierCode: string; agencyCode: string; componentTypeCode: string; holderRef: string; day: string; now: string },
): DigitisationEvent[] {
  if (document.holderRef !== request.holderRef) {
    throw new DigitisationRuleError("HOLDER_MISMATCH", "Giấy tờ không thuộc người nộp hồ sơ này");
  }
  if (!validOn(document.metadata, request.day)) {
    throw new DigitisationRuleError("DOCUMENT_NOT_VALID", `Giấy tờ không còn hiệu lực vào ngày ${request.day}`);
  }
  if (document.dossierCode === request.dossierCode) {
    throw new DigitisationRuleError("SAME_DOSSIER", "Giấy tờ đã thuộc chính hồ sơ này, không phải tái sử dụng");
  }
  return [
    {
      type: "DOCUMENT_REUSED",
      dossierCode: request.dossierCode,
      agencyCode: request.agencyCode,
      componentTypeCode: request.componentTypeCode,
      documentId: document.id,
      documentTypeCode: document.metadata.documentTypeCode,
      at: request.now,
    },
  ];
}

/** A dossier's digitisation: the components it has, which are covered (digitised or reused), whether announced. */
export interface DossierDigitisation {
  dossierCode: string;
  agencyCode: string;
  /** Declared by the desk: the dossier's component type codes; absent until declared. */
  components?: string[];
  /** Component type code -> document id. */
  covered: Record<string, string>;
  announced: boolean;
}

/** Announces the dossier fully digitised once every declared component is covered; once. */
export function decideFullyDigitised(state: DossierDigitisation, now: string): DigitisationEvent[] {
  if (state.announced || !state.components || state.components.length === 0) return [];
  if (!state.components.every((code) => state.covered[code] !== undefined)) return [];
  return [{ type: "DOSSIER_DIGITISED", dossierCode: state.dossierCode, agencyCode: state.agencyCode, componentTypeCodes: [...state.components], at: now }];
}

/**
 * The state after a component is covered or the components are declared: by the desk
 * (`components`, which replaces any), or as intake lists them (`declared`, kept only while the
 * desk has declared none).
 */
export function evolveDossier(state: DossierDigitisation, change: { covered?: [string, string]; components?: string[]; declared?: string[]; announced?: boolean }): DossierDigitisation {
  const components = change.components ?? (state.components === undefined && change.declared && change.declared.length > 0 ? change.declared : undefined);
  return {
    ...state,
    ...(components ? { components: [...new Set(components)] } : {}),
    covered: change.covered ? { ...state.covered, [change.covered[0]]: change.covered[1] } : state.covered,
    announced: state.announced || change.announced === true,
  };
}

/**
 * What a document's detached signature covers: its content hash and every metadata field (the
 * adapter signs its canonical JSON, absent fields left out), so changing any of them breaks it.
 */
export function signingSubject(document: DigitisedDocument): Record<string, unknown> {
  const subject: Record<string, unknown> = {
    documentId: document.id,
    kind: document.kind,
    dossierCode: document.dossierCode,
    agencyCode: document.agencyCode,
    componentTypeCode: document.componentTypeCode,
    resultTypeCode: document.resultTypeCode,
    resultNumber: document.resultNumber,
    metadata: document.metadata,
    sha256: document.content.sha256,
    size: document.content.size,
    mediaType: document.content.mediaType,
    digitisedBy: document.digitisedBy,
    digitisedAt: document.digitisedAt,
  };
  return Object.fromEntries(Object.entries(subject).filter(([, value]) => value !== undefined));
}
