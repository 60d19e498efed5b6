/**
 * Masks citizens' personal data before anything is logged or put on a span.
 * Keys that name personal fields are masked whatever their value; elsewhere, 12-digit citizen
 * ID numbers (CCCD) and phone numbers found inside strings are masked too.
 */
const PERSONAL_KEYS = new Set([
  "idnumber", "citizenid", "fullname", "applicantname", "phone", "phonenumber",
  "email", "address", "dateofbirth", "birthdate",
]);

const CITIZEN_ID = /\b\d{12}\b/g;
// Vietnamese mobile and landline numbers: 0 or +84 followed by 9-10 digits.
const PHONE = /(?:\+84|\b0)\d{9,10}\b/g;

export function maskText(text: string): string {
  return text
    .replace(CITIZEN_ID, (id) => `${id.slice(0, 3)}*******${id.slice(-2)}`)
    .replace(PHONE, (phone) => `${phone.slice(0, 3)}*****${phone.slice(-2)}`);
}

/** First letter of each word kept: "Nguyễn Văn An" -> "N*** V*** A***". */
function maskName(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `${[...word][0] ?? ""}***`)
    .join(" ");
}

function maskPersonalValue(key: string, value: unknown): unknown {
  if (typeof value !== "string") return value === undefined || value === null ? value : "***";
  if (key.includes("name")) return maskName(value);
  if (key === "email") return value.replace(/^(.).*(@.*)$/, "$1***$2");
  // ID numbers, phones, addresses: keep the first three and last two characters.
  return [...value].map((c, i, all) => (i < 3 || i >= all.length - 2 || c === " " ? c : "*")).join("");
}

/** A deep copy of `value` with personal data masked; safe to serialise into logs and spans. */
export function maskPersonalData(value: unknown, key = ""): unknown {
  if (PERSONAL_KEYS.has(key.toLowerCase())) return maskPersonalValue(key.toLowerCase(), value);
  if (typeof value === "string") return maskText(value);
  if (Array.isArray(value)) return value.map((item) => maskPersonalData(item));
  if (value instanceof Error) return { name: value.name, message: maskText(value.message) };
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonalData(v, k)]));
  }
  return value;
}
