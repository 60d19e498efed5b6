/**
 * Full-size golden run (in memory, no servers): the seed 002 half-year (Bắc Giang, 15/12/2023 - 30/6/2024, 314.849
 * dossiers in the form) generated, folded into facts, classified and checked against the
 * generator's truth. Prints the timings and the form's totals in Vietnamese format.
 */
import { defaultCalendar } from "@onestop/calendar";
import { dossiersOfPeriod, emptyFacts, factFromEnvelope, foldEvent, formatCount, tthcForm, type DossierFacts } from "../src/domain/index.js";
import { StreamGenerator } from "../test/golden/generator.js";
import { seedProcedures } from "../test/golden/catalogue.js";
import { SEED_002_TARGETS } from "../test/golden/targets.js";

const period = { from: "2023-12-15", to: "2024-06-30" };
const { procedures, sectors } = seedProcedures();
const started = performance.now();
const generator = new StreamGenerator({ seed: 2, period, targets: SEED_002_TARGETS, procedures, calendar: defaultCalendar });
const facts = new Map<string, DossierFacts>();
let generateMs = 0;
let foldMs = 0;
for (const dossier of generator.dossiers()) {
  const t0 = performance.now();
  let record = facts.get(dossier.code) ?? emptyFacts(dossier.code);
  for (const event of dossier.events) record = foldEvent(record, factFromEnvelope(event)!);
  facts.set(dossier.code, record);
  foldMs += performance.now() - t0;
}
generateMs = performance.now() - started - foldMs;
// Baseline from the same run: one blind counter per event type over the same events, the
// cheapest possible "report" (and the one that cannot correct a late event's period).
const tb = performance.now();
const blind = new Map<string, number>();
for (const record of facts.values()) for (const event of record.events) blind.set(event.kind, (blind.get(event.kind) ?? 0) + 1);
const baselineMs = performance.now() - tb;
const t1 = performance.now();
const form = tthcForm(dossiersOfPeriod(facts.values(), period, {}, defaultCalendar), sectors);
const reportMs = performance.now() - t1;

const same = JSON.stringify(form.totals) === JSON.stringify(generator.truth.total);
const t = form.totals;
console.log(`dossiers ${formatCount(generator.truth.dossiers)} in the period + ${formatCount(generator.truth.outside)} outside, events ${formatCount(generator.truth.events)}`);
console.log(
  `received ${formatCount(t.received.total)} = online ${formatCount(t.received.online)} + in person ${formatCount(t.received.inPerson)} + post ${formatCount(t.received.postal)} + carried over ${formatCount(t.received.carriedOver)}`,
);
console.log(`resolved ${formatCount(t.resolved.total)} = early ${formatCount(t.resolved.early)} + on time ${formatCount(t.resolved.onTime)} + overdue ${formatCount(t.resolved.overdue)}`);
console.log(`pending ${formatCount(t.pending.total)} = not yet due ${formatCount(t.pending.notYetDue)} + overdue ${formatCount(t.pending.overdue)}; returned ${formatCount(t.returned.total)}`);
console.log(`checks: ${form.checks.map((c) => `${c.rule} ${c.holds ? "ok" : "FAILED"}`).join(", ")}`);
console.log(`generate ${(generateMs / 1000).toFixed(1)} s, fold ${(foldMs / 1000).toFixed(1)} s, report ${(reportMs / 1000).toFixed(1)} s`);
console.log(`report over facts ${reportMs.toFixed(0)} ms vs blind counters ${baselineMs.toFixed(0)} ms (ratio ${(reportMs / baselineMs).toFixed(1)})`);
console.log(`projection equals the generator's truth: ${same}`);
if (!same || !form.checks.every((c) => c.holds)) process.exit(1);
