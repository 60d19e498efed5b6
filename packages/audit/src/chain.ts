/**
 * The audit chain's pure core: the record shape, its validation, its canonical form and hash,
 * and the check of one stored record against the one before it. No I/O here.
 *
 * A record is an entry (who, what, on which target, from where, with what outcome) sealed with a
 * sequence number, a time and the hash of the record before it:
 *   hash = hex(SHA-256(UTF-8(canonicalJson(record without `hash`))))
 * where canonicalJson writes objects with their keys sorted (by UTF-16 code units, as
 * Array.prototype.sort does), no whitespace, strings and numbers as JSON.stringify writes them,
 * and leaves out keys whose value is undefined. The first record's prevHash is GENESIS_HASH.
 *
 * No personal data of citizens goes in: targets are named by codes (a dossier code, a report id),
 * never by a name or an identity number. The caller is responsible for that; this module keeps the
 * door narrow: every field is a short string of a known key, unknown keys are rejected, and
 * `details` may only be a flat map of a few short strings.
 */
import { createHash } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

export type ActorKind = "user" | "service" | "system";
export type Transport = "rest" | "grpc" | "nats";
export type Outcome = "ok" | "denied" | "failed";

export interface AuditActor {
  /** The authenticated principal's stable id (token `sub`, service name). */
  subject: string;
  username?: string;
  roles: string[];
  agencyCode?: string;
  unitCode?: string;
  kind: ActorKind;
}

export interface AuditTarget {
  /** What kind of thing: "dossier", "report", "payment"… */
  type: string;
  /** Its code, e.g. a dossier code; never a citizen's name or identity number. */
  id: string;
}

export interface AuditOrigin {
  transport: Transport;
  /** The peer's address (IP:port, NATS client), when known. */
  address?: string;
}

/** What a caller records; the log adds seq, at, prevHash and hash. */
export interface AuditEntry {
  actor: AuditActor;
  /** e.g. "dossier.submit", "dossier.read", "dossier.event.RESUMED", "report.read". */
  action: string;
  target: AuditTarget;
  from: AuditOrigin;
  outcome: Outcome;
  /** A few short strings of context (a reason code, a form id). No personal data. */
  details?: Record<string, string>;
}

export interface AuditRecord extends AuditEntry {
  seq: number;
  /** ISO 8601 time the log took the entry. */
  at: string;
  prevHash: string;
  hash: string;
}

/** Where a chain stands: the last record's seq and hash (seq 0 and GENESIS_HASH before any). */
export interface ChainPosition {
  seq: number;
  hash: string;
}

export const GENESIS: ChainPosition = Object.freeze({ seq: 0, hash: GENESIS_HASH });

export class AuditEntryError extends Error {
  override readonly name = "AuditEntryError";
}

// ---------------------------------------------------------------------------------------------
// Canonical JSON and hash

/** JSON with object keys sorted at every level; throws on values JSON cannot carry exactly. */
export function canonicalJson(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(",")}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`canonicalJson: a ${(value as object).constructor?.name ?? "non-plain"} object has no canonical form`);
      }
      const object = value as Record<string, unknown>;
      const keys = Object.keys(object)
        .filter((key) => object[key] !== undefined)
        .sort();
      return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The hash of a record: over every field but `hash` (and a store's `_id`). */
export function recordHash(record: object): string {
  const { hash: _hash, _id: _storeId, ...rest } = record as Record<string, unknown>;
  return sha256Hex(canonicalJson(rest));
}

// ---------------------------------------------------------------------------------------------
// Validation

const MAX_SHORT = 128;
const MAX_CODE = 64;
const MAX_ROLES = 32;
const MAX_DETAILS = 16;
// C0 and C1 control characters, and the line/paragraph separators: nothing a code or name needs.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ACTION = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;
const TARGET_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const HEX64 = /^[0-9a-f]{64}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function fail(path: string, problem: string): never {
  throw new AuditEntryError(`audit entry: ${path} ${problem}`);
}

function onlyKeys(value: Record<string, unknown>, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(path ? `${path}.${key}` : key, "is not a field of an audit entry");
  }
}

function text(value: unknown, path: string, max = MAX_SHORT, pattern?: RegExp): string {
  if (typeof value !== "string") fail(path, "must be a string");
  if (value.length === 0) fail(path, "must not be empty");
  if (value.length > max) fail(path, `must be at most ${max} characters`);
  if (CONTROL.test(value)) fail(path, "must not contain control characters");
  if (pattern && !pattern.test(value)) fail(path, `must match ${pattern}`);
  return value;
}

function optionalText(value: unknown, path: string, max = MAX_SHORT): string | undefined {
  return value === undefined ? undefined : text(value, path, max);
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) fail(path, `must be one of ${allowed.join(", ")}`);
  return value as T;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, "must be an object");
  return value;
}

/** Drops undefined optional fields, so a record's stored form and its hashed form agree. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Checks an entry and returns a normalised copy holding only the known fields (throws
 * AuditEntryError naming the first offending field).
 */
export function validateEntry(input: unknown): AuditEntry {
  const entry = object(input, "entry");
  onlyKeys(entry, "", ["actor", "action", "target", "from", "outcome", "details"]);

  const actorIn = object(entry.actor, "actor");
  onlyKeys(actorIn, "actor", ["subject", "username", "roles", "agencyCode", "unitCode", "kind"]);
  if (!Array.isArray(actorIn.roles)) fail("actor.roles", "must be an array of strings");
  if (actorIn.roles.length > MAX_ROLES) fail("actor.roles", `must hold at most ${MAX_ROLES} roles`);
  const actor: AuditActor = compact({
    subject: text(actorIn.subject, "actor.subject"),
    username: optionalText(actorIn.username, "actor.username"),
    roles: actorIn.roles.map((role: unknown, i: number) => text(role, `actor.roles[${i}]`, MAX_CODE)),
    agencyCode: optionalText(actorIn.agencyCode, "actor.agencyCode", MAX_CODE),
    unitCode: optionalText(actorIn.unitCode, "actor.unitCode", MAX_CODE),
    kind: oneOf<ActorKind>(actorIn.kind, "actor.kind", ["user", "service", "system"]),
  });

  const targetIn = object(entry.target, "target");
  onlyKeys(targetIn, "target", ["type", "id"]);
  const target: AuditTarget = { type: text(targetIn.type, "target.type", MAX_CODE, TARGET_TYPE), id: text(targetIn.id, "target.id") };

  const fromIn = object(entry.from, "from");
  onlyKeys(fromIn, "from", ["transport", "address"]);
  const from: AuditOrigin = compact({
    transport: oneOf<Transport>(fromIn.transport, "from.transport", ["rest", "grpc", "nats"]),
    address: optionalText(fromIn.address, "from.address"),
  });

  let details: Record<string, string> | undefined;
  if (entry.details !== undefined) {
    const detailsIn = object(entry.details, "details");
    const keys = Object.keys(detailsIn);
    if (keys.length > MAX_DETAILS) fail("details", `must hold at most ${MAX_DETAILS} keys`);
    details = {};
    for (const key of keys) {
      text(key, `details key ${JSON.stringify(key.slice(0, 80))}`, MAX_CODE, DETAIL_KEY);
      details[key] = text(detailsIn[key], `details.${key}`);
    }
  }

  return compact({
    actor,
    action: text(entry.action, "action", 100, ACTION),
    target,
    from,
    outcome: oneOf<Outcome>(entry.outcome, "outcome", ["ok", "denied", "failed"]),
    details,
  });
}

export function isIsoTime(value: unknown): value is string {
  return typeof value === "string" && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
}

/** The record that follows `prev` for an entry already validated (validateEntry). */
export function sealRecord(prev: ChainPosition, entry: AuditEntry, at: string): AuditRecord {
  if (!Number.isSafeInteger(prev.seq) || prev.seq < 0) throw new RangeError(`sealRecord: bad previous seq ${prev.seq}`);
  if (!HEX64.test(prev.hash)) throw new RangeError("sealRecord: the previous hash must be 64 lowercase hex digits");
  if (!isIsoTime(at)) throw new AuditEntryError(`audit entry: at must be an ISO 8601 time with an offset, got ${JSON.stringify(at)}`);
  const unsealed = compact({
    seq: prev.seq + 1,
    at,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    from: entry.from,
    outcome: entry.outcome,
    details: entry.details,
    prevHash: prev.hash,
  });
  return { ...unsealed, hash: recordHash(unsealed) };
}

/** Seals several entries one after another from `prev`. */
export function sealRecords(prev: ChainPosition, entries: readonly AuditEntry[], at: string): AuditRecord[] {
  const records: AuditRecord[] = [];
  let position = prev;
  for (const entry of entries) {
    const record = sealRecord(position, entry, at);
    records.push(record);
    position = { seq: record.seq, hash: record.hash };
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Checking

/**
 * Why a chain is broken at a seq:
 *   - hash-mismatch: the record's content no longer gives its hash: it was altered;
 *   - seq-mismatch: the record at this position says it is another seq: records were moved/swapped;
 *   - prev-hash-mismatch: the record does not name the previous record's hash: the link is broken
 *     (the previous record was replaced with recomputed hashes, or records were reordered);
 *   - missing: no record at this seq though later ones exist, or the head names it: deleted;
 *   - malformed: the stored document lacks the chain's fields;
 *   - head-mismatch: the head document names a hash the record at its seq does not have;
 *   - anchor-mismatch: a published anchor (seq, hash) does not match the stored record.
 */
export type BreakReason = "hash-mismatch" | "seq-mismatch" | "prev-hash-mismatch" | "missing" | "malformed" | "head-mismatch" | "anchor-mismatch";

export interface ChainBreak {
  seq: number;
  reason: BreakReason;
  detail: string;
}

/**
 * Checks the document stored at position `seq` against the previous position. Returns null when it
 * is the valid successor. The checks run in this order: shape, own hash, seq, link.
 */
export function checkRecord(prev: ChainPosition, seq: number, stored: unknown): ChainBreak | null {
  if (!isPlainObject(stored)) return { seq, reason: "malformed", detail: `record ${seq} is not a document` };
  const { hash, prevHash } = stored;
  if (typeof hash !== "string" || !HEX64.test(hash) || typeof prevHash !== "string" || !HEX64.test(prevHash) || !Number.isSafeInteger(stored.seq)) {
    return { seq, reason: "malformed", detail: `record ${seq} lacks a valid seq, hash or prevHash` };
  }
  let computed: string;
  try {
    computed = recordHash(stored);
  } catch (error) {
    return { seq, reason: "hash-mismatch", detail: `record ${seq} holds a value that was never written by the log (${(error as Error).message})` };
  }
  if (computed !== hash) return { seq, reason: "hash-mismatch", detail: `record ${seq}'s content hashes to ${computed}, not to its stored hash ${hash}: it was altered` };
  if (stored.seq !== seq) return { seq, reason: "seq-mismatch", detail: `the record stored at ${seq} is record ${String(stored.seq)}: records were moved or swapped` };
  if (prevHash !== prev.hash) {
    return { seq, reason: "prev-hash-mismatch", detail: `record ${seq} names previous hash ${prevHash}, but record ${prev.seq} has ${prev.hash}: the link is broken` };
  }
  return null;
}

export type VerifyOutcome = { ok: true; count: number; head: ChainPosition } | { ok: false; firstBrokenSeq: number; reason: BreakReason; detail: string };

/**
 * Verifies a chain given as the documents at positions start.seq + 1, start.seq + 2, … in order
 * (undefined = no document at that position). A hole followed by any document is "missing".
 */
export function verifyChain(positions: readonly unknown[], start: ChainPosition = GENESIS): VerifyOutcome {
  let prev = start;
  let end = positions.length;
  while (end > 0 && positions[end - 1] === undefined) end--;
  for (let i = 0; i < end; i++) {
    const seq = start.seq + 1 + i;
    const stored = positions[i];
    if (stored === undefined) return { ok: false, firstBrokenSeq: seq, reason: "missing", detail: `no record ${seq}, though later records exist: it was deleted` };
    const broken = checkRecord(prev, seq, stored);
    if (broken) return { ok: false, firstBrokenSeq: broken.seq, reason: broken.reason, detail: broken.detail };
    prev = { seq, hash: (stored as { hash: string }).hash };
  }
  return { ok: true, count: end, head: prev };
}
