/**
 * Fee assessment (pure): a dossier's fee lines from its procedure's catalogue lines and the
 * province's rules, zero lines kept explicitly (they decide the "paid online" denominator).
 * - Alternatives: lines of one procedure that exclude each other (on-time vs late birth or death
 *   registration). The dossier's facts choose (`registrationOnTime`); without the fact, the one line
 *   of the group the one-stop system sent in the receipt; otherwise the rule's default.
 * - Exemptions: a fact (`exemptApplicant: "true"`) zeroes every line, with the rule's reason.
 * - Reductions (effective-dated, by channel): e.g. filing online pays the catalogue's onlineAmount
 *   from the resolution's date.
 * Kinds: lệ phí (charge, to the state budget) or phí (fee), by the fee code's prefix.
 */
import { z } from "zod";

export type FeeKind = "FEE" | "CHARGE" | "UNSPECIFIED";
export type FilingChannel = "ONLINE" | "IN_PERSON" | "POSTAL";

/** A catalogue line (packages/catalogue FeeLine). */
export interface CatalogueFee {
  code: string;
  name: string;
  amount: number;
  onlineAmount?: number;
}

export interface AssessedLine {
  code: string;
  name: string;
  /** Đồng. */
  amount: number;
  kind: FeeKind;
  /** Why the amount is zero or reduced; empty otherwise. */
  waiverReason: string;
}

export interface Assessment {
  lines: AssessedLine[];
  total: number;
  /** The rules that decided, by id (for the audit and the explanation). */
  appliedRules: string[];
}

const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD");
const procedures = z.union([z.literal("*"), z.array(z.string().regex(/^\d\.\d{6}$/)).min(1)]);
const validity = { validFrom: dateText, validTo: dateText.nullable() };

export const feeRulesSchema = z.strictObject({
  kindsByCodePrefix: z.record(z.string().min(1), z.enum(["FEE", "CHARGE"])),
  alternatives: z.array(
    z.strictObject({
      id: z.string().min(1),
      procedures,
      fact: z.string().min(1),
      lines: z.record(z.string(), z.string().min(1)),
      default: z.string(),
      waiverReason: z.string().min(1),
      note: z.string().optional(),
    }),
  ),
  exemptions: z.array(z.strictObject({ id: z.string().min(1), procedures, fact: z.string().min(1), waiverReason: z.string().min(1), note: z.string().optional(), ...validity })),
  reductions: z.array(
    z.strictObject({
      id: z.string().min(1),
      procedures,
      channel: z.enum(["ONLINE", "IN_PERSON", "POSTAL"]),
      use: z.union([z.literal("onlineAmount"), z.strictObject({ percent: z.number().int().min(0).max(100) })]),
      waiverReason: z.string().min(1),
      note: z.string().optional(),
      ...validity,
    }),
  ),
});
export type FeeRules = z.infer<typeof feeRulesSchema>;

/** Parses the rules file; throws naming each bad field. */
export function parseFeeRules(json: unknown): FeeRules {
  const result = feeRulesSchema.safeParse(json);
  if (!result.success) throw new Error(`fee rules: ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  for (const group of result.data.alternatives) {
    if (!(group.default in group.lines)) throw new Error(`fee rules: alternatives ${group.id}: default "${group.default}" names no line`);
  }
  return result.data;
}

export interface AssessmentInput {
  procedureCode: string;
  channel: FilingChannel;
  /** The receipt's local date, YYYY-MM-DD (which rules are in force). */
  receivedOn: string;
  /** The procedure's lines in the catalogue. */
  catalogue: readonly CatalogueFee[];
  /** Codes of the lines the receipt carried (the one-stop system may name the case). */
  receiptCodes: readonly string[];
  /** Facts the rules read, e.g. { registrationOnTime: "false" }. */
  facts: Readonly<Record<string, string>>;
}

const applies = (rule: { procedures: "*" | string[] }, code: string) => rule.procedures === "*" || rule.procedures.includes(code);
const inForce = (rule: { validFrom: string; validTo: string | null }, day: string) => rule.validFrom <= day && (rule.validTo === null || day <= rule.validTo);

export function kindOf(code: string, rules: FeeRules): FeeKind {
  const prefix = Object.keys(rules.kindsByCodePrefix)
    .filter((p) => code.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? rules.kindsByCodePrefix[prefix]! : "UNSPECIFIED";
}

export function assessFees(input: AssessmentInput, rules: FeeRules): Assessment {
  const applied: string[] = [];
  let lines = input.catalogue.map((fee) => ({ fee, waiverReason: "" }));

  for (const group of rules.alternatives.filter((g) => applies(g, input.procedureCode))) {
    const codes = Object.values(group.lines);
    const sent = codes.filter((code) => input.receiptCodes.includes(code));
    const fact = input.facts[group.fact];
    const chosenKey = fact !== undefined && fact in group.lines ? fact : sent.length === 1 ? Object.keys(group.lines).find((key) => group.lines[key] === sent[0]) : group.default;
    const chosen = group.lines[chosenKey ?? group.default]!;
    lines = lines.filter(({ fee }) => !codes.includes(fee.code) || fee.code === chosen);
    const kept = lines.find(({ fee }) => fee.code === chosen);
    if (kept && kept.fee.amount === 0) kept.waiverReason = group.waiverReason;
    applied.push(group.id);
  }

  const exemption = rules.exemptions.find((rule) => applies(rule, input.procedureCode) && inForce(rule, input.receivedOn) && input.facts[rule.fact] === "true");
  const assessed: AssessedLine[] = lines.map(({ fee, waiverReason }) => {
    const line: AssessedLine = { code: fee.code, name: fee.name, amount: fee.amount, kind: kindOf(fee.code, rules), waiverReason };
    if (exemption) return { ...line, amount: 0, waiverReason: exemption.waiverReason };
    const reduction = rules.reductions.find((rule) => applies(rule, input.procedureCode) && rule.channel === input.channel && inForce(rule, input.receivedOn));
    if (!reduction || fee.amount === 0) return line;
    const reduced = reduction.use === "onlineAmount" ? (fee.onlineAmount ?? fee.amount) : Math.round((fee.amount * (100 - reduction.use.percent)) / 100);
    if (reduced === fee.amount) return line;
    if (!applied.includes(reduction.id)) applied.push(reduction.id);
    return { ...line, amount: reduced, waiverReason: reduction.waiverReason };
  });
  if (exemption) applied.push(exemption.id);
  return { lines: assessed, total: assessed.reduce((sum, line) => sum + line.amount, 0), appliedRules: applied };
}

/** Whether a payment of these lines holds a charge (lệ phí) that must reach the state budget within 8 working hours. */
export const holdsCharge = (lines: readonly AssessedLine[]) => lines.some((line) => line.kind === "CHARGE" && line.amount > 0);
