/**
 * The minimum metadata of a digitised document or an electronic result (domain primer,
 * "Digitisation"): document-type code; the holder's ID number, or when there is none the holder's
 * name and year of birth with the issue date and the issuer; the document's name; a summary; the
 * validity period; the scope. Pure: read from the caller's JSON, every missing or bad field named.
 */
import { normaliseIdNumber } from "@onestop/contracts";

export interface FieldError {
  path: string;
  message: string;
}

export interface DocumentHolder {
  /** Số định danh cá nhân (12 digits), or an organisation's identifier; normalised. PERSONAL DATA. */
  idNumber?: string;
  /** When there is no ID number. PERSONAL DATA. */
  fullName?: string;
  birthYear?: number;
}

export interface DocumentMetadata {
  documentTypeCode: string;
  holder: DocumentHolder;
  /** Tên giấy tờ. */
  name: string;
  /** Trích yếu nội dung. PERSONAL DATA (it may name the holder). */
  summary: string;
  /** Ngày cấp "YYYY-MM-DD" and cơ quan cấp: required when the holder has no ID number. */
  issuedOn?: string;
  issuer?: string;
  /** Thời hạn hiệu lực: from, and to (absent = unlimited), "YYYY-MM-DD". */
  validFrom: string;
  validTo?: string;
  /** Phạm vi hiệu lực, e.g. "Toàn quốc". */
  scope: string;
}

/** What a digitised component or an electronic result is attached to. */
export interface DossierLink {
  dossierCode: string;
  /** The dossier's deciding agency (subject token of the events, whose officers may act): intake's. */
  agencyCode: string;
  /** The desk that received the dossier (its desk officers may act): intake's. */
  receivingUnitCode?: string;
}

export interface ComponentRequest extends DossierLink {
  kind: "COMPONENT";
  componentTypeCode: string;
  metadata: DocumentMetadata;
}

export interface ResultRequest extends DossierLink {
  kind: "RESULT";
  resultTypeCode: string;
  metadata: DocumentMetadata;
}

export type RegistrationRequest = ComponentRequest | ResultRequest;

/** A request as the caller sends it: the agency, when given, must be the dossier's (intake's word decides). */
export type RegistrationInput = (Omit<ComponentRequest, "agencyCode" | "receivingUnitCode"> | Omit<ResultRequest, "agencyCode" | "receivingUnitCode">) & { agencyCode?: string };

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

type Json = Record<string, unknown>;

const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DOSSIER_CODE = /^[\x21-\x7e]{1,64}$/;
const AGENCY_CODE = /^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$/;
const ID_NUMBER = /^[0-9A-Za-z]{9,13}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MAX_TEXT = 2_000;

function isRealDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  if (year < 1900 || year > 2199) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

class Reader {
  readonly errors: FieldError[] = [];
  constructor(private readonly prefix = "") {}

  private path(field: string): string {
    return `${this.prefix}${field}`;
  }

  fail(field: string, message: string): undefined {
    this.errors.push({ path: this.path(field), message });
    return undefined;
  }

  text(data: Json, field: string, label: string, required: boolean, pattern?: RegExp): string | undefined {
    const value = data[field];
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
      return required ? this.fail(field, `thiếu ${label}`) : undefined;
    }
    if (typeof value !== "string") return this.fail(field, `${label} phải là chuỗi ký tự`);
    const trimmed = value.normalize("NFC").trim();
    if (trimmed.length > MAX_TEXT) return this.fail(field, `${label} dài quá ${MAX_TEXT} ký tự`);
    if (pattern && !pattern.test(trimmed)) return this.fail(field, `${label} không đúng định dạng`);
    return trimmed;
  }

  date(data: Json, field: string, label: string, required: boolean): string | undefined {
    const value = this.text(data, field, label, required);
    if (value === undefined) return undefined;
    return isRealDate(value) ? value : this.fail(field, `${label} phải là ngày có thật dạng YYYY-MM-DD`);
  }
}

/** Reads the holder: an ID number, or name + year of birth (issue date and issuer are checked by the caller). */
function readHolder(raw: unknown, reader: Reader, prefix: string): DocumentHolder | undefined {
  if (raw === undefined || raw === null) {
    reader.errors.push({ path: `${prefix}holder`, message: "thiếu người được cấp giấy tờ (số định danh, hoặc họ tên và năm sinh)" });
    return undefined;
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    reader.errors.push({ path: `${prefix}holder`, message: "người được cấp phải là một đối tượng" });
    return undefined;
  }
  const data = raw as Json;
  const holder = new Reader(`${prefix}holder.`);
  const idRaw = holder.text(data, "idNumber", "số định danh", false);
  let idNumber: string | undefined;
  if (idRaw !== undefined) {
    const normalised = normaliseIdNumber(idRaw);
    // The number itself is never quoted back: it is personal data.
    idNumber = ID_NUMBER.test(normalised) ? normalised : holder.fail("idNumber", "số định danh không hợp lệ (9 đến 13 chữ số hoặc chữ cái)");
  }
  let fullName: string | undefined;
  let birthYear: number | undefined;
  if (idRaw === undefined) {
    fullName = holder.text(data, "fullName", "họ tên người được cấp (khi không có số định danh)", true);
    const year = data.birthYear;
    if (year === undefined || year === null || year === "") holder.fail("birthYear", "thiếu năm sinh (khi không có số định danh)");
    else if (typeof year !== "number" || !Number.isInteger(year) || year < 1900 || year > 2199) holder.fail("birthYear", "năm sinh phải là số nguyên từ 1900 đến 2199");
    else birthYear = year;
  }
  reader.errors.push(...holder.errors);
  if (holder.errors.length > 0) return undefined;
  return idNumber !== undefined ? { idNumber } : { fullName: fullName!, birthYear: birthYear! };
}

function readMetadata(raw: unknown, reader: Reader): DocumentMetadata | undefined {
  if (raw === undefined || raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    reader.fail("document", "thiếu thông tin giấy tờ (document)");
    return undefined;
  }
  const data = raw as Json;
  const doc = new Reader("document.");
  const documentTypeCode = doc.text(data, "documentTypeCode", "mã loại giấy tờ", true, CODE);
  const holder = readHolder(data.holder, doc, "document.");
  const name = doc.text(data, "name", "tên giấy tờ", true);
  const summary = doc.text(data, "summary", "trích yếu nội dung", true);
  // Without an ID number (whatever else is wrong with the holder) the issue date and issuer identify the document.
  const holderRaw = data.holder as Json | undefined;
  const noId = holderRaw !== undefined && holderRaw !== null && (holderRaw.idNumber === undefined || holderRaw.idNumber === null || holderRaw.idNumber === "");
  const issuedOn = doc.date(data, "issuedOn", "ngày cấp (bắt buộc khi không có số định danh)", noId);
  const issuer = doc.text(data, "issuer", "cơ quan cấp (bắt buộc khi không có số định danh)", noId);
  const validFrom = doc.date(data, "validFrom", "ngày bắt đầu hiệu lực", true);
  const validTo = doc.date(data, "validTo", "ngày hết hiệu lực", false);
  if (validFrom && validTo && validTo < validFrom) doc.fail("validTo", "ngày hết hiệu lực trước ngày bắt đầu hiệu lực");
  const scope = doc.text(data, "scope", "phạm vi hiệu lực", true);
  reader.errors.push(...doc.errors);
  if (doc.errors.length > 0) return undefined;
  return {
    documentTypeCode: documentTypeCode!,
    holder: holder!,
    name: name!,
    summary: summary!,
    ...(issuedOn ? { issuedOn } : {}),
    ...(issuer ? { issuer } : {}),
    validFrom: validFrom!,
    ...(validTo ? { validTo } : {}),
    scope: scope!,
  };
}

/**
 * A registration request from the caller's JSON: `kind` COMPONENT (a scanned component of a
 * dossier: `componentTypeCode`) or RESULT (an electronic result: `resultTypeCode`; the holder's
 * ID number is then required, since the result's number is made of it). `agencyCode` is optional:
 * the dossier's agency is intake's.
 */
export function parseRegistration(raw: unknown): Parsed<RegistrationInput> {
  const reader = new Reader();
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: "(metadata)", message: "thông tin kèm theo phải là một đối tượng JSON" }] };
  }
  const data = raw as Json;
  const kindRaw = data.kind ?? "COMPONENT";
  const kind = kindRaw === "COMPONENT" || kindRaw === "RESULT" ? kindRaw : reader.fail("kind", "loại phải là COMPONENT hoặc RESULT");
  const dossierCode = reader.text(data, "dossierCode", "mã hồ sơ", true, DOSSIER_CODE);
  const agencyCode = reader.text(data, "agencyCode", "mã cơ quan giải quyết", false, AGENCY_CODE);
  const componentTypeCode = kind === "COMPONENT" ? reader.text(data, "componentTypeCode", "mã thành phần hồ sơ", true, CODE) : undefined;
  const resultTypeCode = kind === "RESULT" ? reader.text(data, "resultTypeCode", "mã loại kết quả", true, CODE) : undefined;
  const metadata = readMetadata(data.document, reader);
  if (kind === "RESULT" && metadata && metadata.holder.idNumber === undefined) {
    reader.fail("document.holder.idNumber", "kết quả điện tử cần số định danh của người được cấp (số kết quả = số định danh + mã loại kết quả)");
  }
  if (reader.errors.length > 0) return { ok: false, errors: reader.errors };
  const link = { dossierCode: dossierCode!, ...(agencyCode ? { agencyCode } : {}), metadata: metadata! };
  return kind === "COMPONENT" ? { ok: true, value: { kind, ...link, componentTypeCode: componentTypeCode! } } : { ok: true, value: { kind: "RESULT", ...link, resultTypeCode: resultTypeCode! } };
}

/** An electronic result's number: the holder's ID number followed by the result-type code. */
export function resultNumber(holderIdNumber: string, resultTypeCode: string): string {
  return `${normaliseIdNumber(holderIdNumber)}${resultTypeCode}`;
}

/** Whether a document is valid on `day` ("YYYY-MM-DD"): within its validity period. */
export function validOn(metadata: Pick<DocumentMetadata, "validFrom" | "validTo">, day: string): boolean {
  return metadata.validFrom <= day && (metadata.validTo === undefined || day <= metadata.validTo);
}
