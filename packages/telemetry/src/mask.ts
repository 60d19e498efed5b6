/**
 * Masks citizens' personal data (Decree 13/2023) before anything is logged or put on a span. The
 * logger and the span exporter pass everything through here, so masking does not depend on each
 * call site remembering to:
 * - keys that name personal fields (`idNumber`, `id_number`, `fullName`, `phone`, `email`,
 *   `address`, `dateOfBirth`…, compared without case, `_`, `-` or `.`) are masked whatever their
 *   value, and so is every value inside a personal record (`applicant`, `holder`, `person`…);
 * - in every other string, 12-digit citizen ID numbers (CCCD, also written in groups of three),
 *   other standalone runs of 9 to 13 digits (CMND, mistyped IDs) and Vietnamese phone numbers
 *   (0… or +84…, separators allowed) are masked;
 * - error messages (Error values and `error`/`reason`/`cause` strings, which often quote the input
 *   that failed, e.g. JSON.parse's excerpt of a body) lose everything between their first and last
 *   quote, besides the masking above.
 * Names inside free text cannot be recognised: never build messages from personal fields.
 */
const PERSONAL_KEYS = new Set([
  "idnumber",
  "citizenid",
  "cccd",
  "cmnd",
  "personalid",
  "identitynumber",
  "nationalid",
  "identitycard",
  "fullname",
  "applicantname",
  "holdername",
  "ownername",
  "personname",
  "phone",
  "phonenumber",
  "mobile",
  "telephone",
  "tel",
  "email",
  "emailaddress",
  "address",
  "dateofbirth",
  "birthdate",
  "dob",
]);

/** Fields holding an error's text: masked as error messages (what they quote is dropped). */
const ERROR_KEYS = new Set(["error", "reason", "cause", "errormessage", "failure"]);

/** Records about a person: every value inside is personal data, known field name or not. */
const PERSONAL_RECORDS = new Set(["applicant", "holder", "person", "citizen", "owner"]);

// 12 digits not part of a longer number, possibly in groups of three ("079 203 004 567"), glued to
// letters or not; and any standalone run of 9 to 13 digits (old 9-digit CMND, an ID mistyped).
const CITIZEN_ID = /(?<!\d)(?:\d{12}|\d{3}(?:[ .-]\d{3}){3})(?!\d)|(?<!\w)\d{9,13}(?!\w)/g;
// Vietnamese mobile and landline numbers: 0 or +84 followed by 9-10 digits, single spaces, dots or hyphens between.
const PHONE = /(?<![\d+])(?:\+84|0)[ .-]?\d(?:[ .-]?\d){8,9}(?!\d)/g;

const normaliseKey = (key: string) => key.toLowerCase().replace(/[_.\-\s]/g, "");

export function maskText(text: string): string {
  // Phones first: a phone is also a run of 10-11 digits.
  return text.replace(PHONE, (phone) => `${phone.slice(0, 3)}*****${phone.slice(-2)}`).replace(CITIZEN_ID, (id) => `${id.slice(0, 3)}*******${id.slice(-2)}`);
}

/**
 * An error message fit for logs and spans: what it quotes (often the request that failed) is
 * dropped, ID and phone numbers are masked. `Unexpected token 'L', "{"name": "Lê"}" is not valid
 * JSON` becomes `Unexpected token "…" is not valid JSON`.
 */
export function maskErrorText(text: string): string {
  return maskText(text.replace(/["'`“‘«][\s\S]*["'`”’»]/u, '"…"'));
}

/** First letter of each word kept: "Nguyễn Văn An" -> "N*** V*** A***". */
function maskName(name: string): string {
  return name
    .normalize("NFC")
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `${[...word][0] ?? ""}***`)
    .join(" ");
}

function maskPersonalValue(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => maskPersonalValue(key, item));
  if (typeof value === "object" && !(value instanceof Error)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonalValue(normaliseKey(k), v)]));
  }
  if (typeof value !== "string") return "***";
  if (key.includes("name")) return maskName(value);
  if (key === "email" || key === "emailaddress") return value.replace(/^(.).*(@.*)$/, "$1***$2").replace(/^[^@]*$/, "***");
  if (PERSONAL_KEYS.has(key)) {
    // ID numbers, phones, addresses: keep the first three and last two characters.
    return [...value].map((c, i, all) => (i < 3 || i >= all.length - 2 || c === " " ? c : "*")).join("");
  }
  return "***"; // a field of a personal record whose meaning is unknown here
}

/** Whether `key` names personal data or a record of a person (compared without case, `_`, `-`, `.`). */
export function isPersonalKey(key: string): boolean {
  const normalised = normaliseKey(key);
  return PERSONAL_KEYS.has(normalised) || PERSONAL_RECORDS.has(normalised);
}

/** A deep copy of `value` with personal data masked; safe to serialise into logs and spans. */
export function maskPersonalData(value: unknown, key = ""): unknown {
  const normalised = normaliseKey(key);
  if (PERSONAL_KEYS.has(normalised) || PERSONAL_RECORDS.has(normalised)) return maskPersonalValue(normalised, value);
  if (typeof value === "string") return ERROR_KEYS.has(normalised) ? maskErrorText(value) : maskText(value);
  if (Array.isArray(value)) return value.map((item) => maskPersonalData(item));
  if (value instanceof Error) return { name: value.name, message: maskErrorText(value.message) };
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonalData(v, k)]));
  }
  return value;
}
