import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AuditEntryError,
  canonicalJson,
  checkRecord,
  GENESIS,
  GENESIS_HASH,
  recordHash,
  sealRecord,
  sealRecords,
  validateEntry,
  verifyChain,
  type AuditEntry,
  type AuditRecord,
} from "../src/chain.js";

const AT = "2025-03-10T02:15:00.000Z";

const read: AuditEntry = {
  actor: { subject: "u-123", username: "nguyenvana", roles: ["chuyen_vien"], agencyCode: "000.00.01.H01", kind: "user" },
  action: "dossier.read",
  target: { type: "dossier", id: "H01.001-250310-0001" },
  from: { transport: "rest", address: "10.0.0.7" },
  outcome: "ok",
};

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** The first record's canonical form, written out by hand: keys sorted at every level, no `hash`. */
const FIRST_CANONICAL =
  '{"action":"dossier.read","actor":{"agencyCode":"000.00.01.H01","kind":"user","roles":["chuyen_vien"],"subject":"u-123","username":"nguyenvana"},' +
  '"at":"2025-03-10T02:15:00.000Z","from":{"address":"10.0.0.7","transport":"rest"},"outcome":"ok",' +
  '"prevHash":"0000000000000000000000000000000000000000000000000000000000000000","seq":1,"target":{"id":"H01.001-250310-0001","type":"dossier"}}';
/** `printf '%s' "$FIRST_CANONICAL" | sha256sum`, computed outside node. */
const FIRST_HASH = "24619a3ea3220d42f031a816b63e644f2ca661960b92ed2654ab72c11d215ab9";

function chainOf(count: number): AuditRecord[] {
  const entries = Array.from({ length: count }, (_, i) => ({ ...read, target: { type: "dossier", id: `H01.001-250310-${String(i + 1).padStart(4, "0")}` } }));
  return sealRecords(GENESIS, entries, AT);
}

describe("the record's hash", () => {
  it("is SHA-256 over the key-sorted JSON of every field but hash, from the genesis hash", () => {
    expect(GENESIS_HASH).toBe("0".repeat(64));
    expect(sha256(FIRST_CANONICAL)).toBe(FIRST_HASH);
    const first = sealRecord(GENESIS, validateEntry(read), AT);
    expect(first).toEqual({ seq: 1, at: AT, ...read, prevHash: GENESIS_HASH, hash: FIRST_HASH });
    const { hash: _hash, ...unsealed } = first;
    expect(canonicalJson(unsealed)).toBe(FIRST_CANONICAL);
  });

  it("chains the next record on the previous hash", () => {
    const first = sealRecord(GENESIS, read, AT);
    const submit: AuditEntry = {
      actor: { subject: "svc-intake", roles: [], kind: "service" },
      action: "dossier.event.RESUMED",
      target: { type: "dossier", id: "H01.001-250310-0001" },
      from: { transport: "nats" },
      outcome: "denied",
      details: { lyDo: "Bổ sung hồ sơ" },
    };
    const second = sealRecord({ seq: first.seq, hash: first.hash }, submit, "2025-03-10T09:16:00+07:00");
    const expected =
      '{"action":"dossier.event.RESUMED","actor":{"kind":"service","roles":[],"subject":"svc-intake"},"at":"2025-03-10T09:16:00+07:00",' +
      '"details":{"lyDo":"Bổ sung hồ sơ"},"from":{"transport":"nats"},"outcome":"denied",' +
      `"prevHash":"${FIRST_HASH}","seq":2,"target":{"id":"H01.001-250310-0001","type":"dossier"}}`;
    expect(second.prevHash).toBe(FIRST_HASH);
    expect(second.hash).toBe(sha256(expected));
  });

  it("does not depend on the order keys were written in", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, "x"], c: null } })).toBe('{"a":{"c":null,"d":[1,"x"]},"b":1}');
    const shuffled = { target: read.target, outcome: read.outcome, from: read.from, action: read.action, actor: read.actor };
    expect(sealRecord(GENESIS, shuffled, AT).hash).toBe(FIRST_HASH);
  });

  it("leaves out absent optional fields, so a stored record hashes as sealed", () => {
    const withUndefined = { ...read, actor: { ...read.actor, unitCode: undefined } };
    expect(sealRecord(GENESIS, validateEntry(withUndefined), AT).hash).toBe(FIRST_HASH);
    expect("unitCode" in validateEntry(withUndefined).actor).toBe(false);
  });

  it("refuses values JSON cannot carry exactly", () => {
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => sealRecord(GENESIS, read, "10/03/2025")).toThrow(AuditEntryError);
  });
});

describe("an entry", () => {
  it("is accepted with the documented fields, details a flat map of short strings", () => {
    const entry = { ...read, details: { form: "BC-01", quarter: "2025-Q1" } };
    expect(validateEntry(entry)).toEqual(entry);
  });

  it.each<[string, unknown]>([
    ["an unknown top-level field", { ...read, citizenName: "Nguyễn Văn A" }],
    ["an unknown actor field", { ...read, actor: { ...read.actor, identityNumber: "001099012345" } }],
    ["nested details", { ...read, details: { citizen: { name: "Nguyễn Văn A" } } }],
    ["a number in details", { ...read, details: { age: 42 } }],
    ["a long details value", { ...read, details: { note: "x".repeat(129) } }],
    ["too many details", { ...read, details: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }],
    ["details as an array", { ...read, details: ["a"] }],
    ["a control character", { ...read, target: { type: "dossier", id: "H01\n001" } }],
    ["an unknown actor kind", { ...read, actor: { ...read.actor, kind: "citizen" } }],
    ["an unknown transport", { ...read, from: { transport: "smtp" } }],
    ["an unknown outcome", { ...read, outcome: "maybe" }],
    ["an action with spaces", { ...read, action: "read dossier" }],
    ["roles not an array", { ...read, actor: { ...read.actor, roles: "admin" } }],
    ["an empty subject", { ...read, actor: { ...read.actor, subject: "" } }],
  ])("is rejected with %s", (_label, entry) => {
    expect(() => validateEntry(entry)).toThrow(AuditEntryError);
  });
});

describe("checking a chain", () => {
  it("accepts an intact chain and names its head", () => {
    const records = chainOf(5);
    expect(verifyChain(records)).toEqual({ ok: true, count: 5, head: { seq: 5, hash: records[4]!.hash } });
    expect(verifyChain([])).toEqual({ ok: true, count: 0, head: GENESIS });
  });

  it("finds an altered field at exactly that record", () => {
    const records: unknown[] = chainOf(5);
    records[2] = { ...(records[2] as AuditRecord), outcome: "denied" };
    expect(verifyChain(records)).toMatchObject({ ok: false, firstBrokenSeq: 3, reason: "hash-mismatch" });
  });

  it("finds an added field (data slipped into a record)", () => {
    const records: unknown[] = chainOf(3);
    records[1] = { ...(records[1] as AuditRecord), note: "x" };
    expect(verifyChain(records)).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: "hash-mismatch" });
  });

  it("finds a record rewritten with a recomputed hash at the link after it", () => {
    const records: unknown[] = chainOf(5);
    const forged = { ...(records[2] as AuditRecord), outcome: "denied" as const };
    records[2] = { ...forged, hash: recordHash(forged) };
    expect(verifyChain(records)).toMatchObject({ ok: false, firstBrokenSeq: 4, reason: "prev-hash-mismatch" });
  });

  it("finds a deleted record", () => {
    const records: unknown[] = chainOf(5);
    records[1] = undefined;
    expect(verifyChain(records)).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: "missing" });
  });

  it("finds two swapped records, whole or by their content", () => {
    const whole: unknown[] = chainOf(5);
    [whole[1], whole[2]] = [whole[2], whole[1]];
    expect(verifyChain(whole)).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: "seq-mismatch" });

    const renumbered: unknown[] = chainOf(5);
    const [r2, r3] = [renumbered[1] as AuditRecord, renumbered[2] as AuditRecord];
    renumbered[1] = { ...r3, seq: 2 };
    renumbered[2] = { ...r2, seq: 3 };
    expect(verifyChain(renumbered)).toMatchObject({ ok: false, firstBrokenSeq: 2, reason: "hash-mismatch" });
  });

  it("reports a document without the chain's fields as malformed", () => {
    expect(checkRecord(GENESIS, 1, { seq: 1 })).toMatchObject({ seq: 1, reason: "malformed" });
    expect(checkRecord(GENESIS, 1, "x")).toMatchObject({ seq: 1, reason: "malformed" });
  });
});
