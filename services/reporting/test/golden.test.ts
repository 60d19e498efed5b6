/**
 * Golden test: a generated half-year stream calibrated to seed 002 (Bắc Giang, 15/12/2023 -
 * 30/6/2024), folded in a shuffled order with duplicates, must reproduce the generator's own
 * truth exactly with every check of the form holding. The suite runs it at 1/10 of the province
 * (about 31.500 dossiers, 3 s); `pnpm --filter @onestop/reporting bench` runs the full size
 * (314.849 dossiers, about 30 s).
 */
import { describe, expect, it } from "vitest";
import { defaultCalendar } from "@onestop/calendar";
import { dossiersOfPeriod, emptyFacts, factFromEnvelope, foldEvent, tthcForm, type DossierFacts, type EnvelopeInput, type Level } from "../src/domain/index.js";
import { prng, StreamGenerator } from "./golden/generator.js";
import { seedProcedures } from "./golden/catalogue.js";
import { outcomesOf, receivedOf, scaleTargets, SEED_002_TARGETS } from "./golden/targets.js";

const PERIOD = { from: "2023-12-15", to: "2024-06-30" };
const LEVELS: Level[] = ["PROVINCE", "DISTRICT", "COMMUNE"];

describe("seed 002 calibration", () => {
  it("adds up to the published figures it keeps", () => {
    const sum = (pick: (t: (typeof SEED_002_TARGETS)["PROVINCE"]) => number) => LEVELS.reduce((total, level) => total + pick(SEED_002_TARGETS[level]), 0);
    expect(sum(receivedOf)).toBe(314_849);
    expect(sum((t) => t.online)).toBe(300_458);
    expect(sum((t) => t.inPerson + t.postal)).toBe(4_144);
    expect(sum((t) => t.carriedOver)).toBe(10_247);
    expect(sum((t) => t.early)).toBe(261_764);
    expect(sum((t) => t.onTime)).toBe(40_890);
    expect(sum((t) => t.overdue)).toBe(2_285);
    expect(sum((t) => t.withdrawn + t.refused)).toBe(332);
    expect(sum((t) => t.pendingOverdue)).toBe(210);
    // Published by level: received 132.969 / 49.682 / 132.198, resolved 127.394 / 46.426 / 131.119.
    expect(LEVELS.map((l) => receivedOf(SEED_002_TARGETS[l]))).toEqual([132_969, 49_682, 132_198]);
    expect(LEVELS.map((l) => SEED_002_TARGETS[l].early + SEED_002_TARGETS[l].onTime + SEED_002_TARGETS[l].overdue)).toEqual([127_394, 46_426, 131_119]);
    for (const level of LEVELS) expect(outcomesOf(SEED_002_TARGETS[level])).toBe(receivedOf(SEED_002_TARGETS[level]));
  });
});

describe("golden stream, 1/10 of Bắc Giang's half-year", () => {
  it("given the stream shuffled with duplicates, when folded and reported, then the form equals the generator's truth", () => {
    const { procedures, sectors } = seedProcedures();
    const generator = new StreamGenerator({ seed: 2002, period: PERIOD, targets: scaleTargets(SEED_002_TARGETS, 0.1), procedures, calendar: defaultCalendar });
    const events: EnvelopeInput[] = [];
    for (const dossier of generator.dossiers()) events.push(...dossier.events);
    // Any order (a decision may come before its receipt), and 2% of the events delivered twice.
    const random = prng(7);
    const delivered = [...events, ...events.filter(() => random() < 0.02)];
    for (let i = delivered.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
    }
    const facts = new Map<string, DossierFacts>();
    for (const envelope of delivered) {
      facts.set(envelope.subject, foldEvent(facts.get(envelope.subject) ?? emptyFacts(envelope.subject), factFromEnvelope(envelope)!));
    }

    const form = tthcForm(dossiersOfPeriod(facts.values(), PERIOD, {}, defaultCalendar), sectors);
    // Each level floored: 13.296 + 4.968 + 13.219.
    expect(generator.truth.dossiers).toBe(31_483);
    expect(generator.truth.outside).toBeGreaterThan(0);
    expect(form.totals).toEqual(generator.truth.total);
    expect(form.checks.filter((check) => !check.holds)).toEqual([]);
    expect(form.awaitingReceipt).toBe(0);
    for (const level of LEVELS) {
      const byLevel = tthcForm(dossiersOfPeriod(facts.values(), PERIOD, { level }, defaultCalendar), sectors);
      expect(byLevel.totals, level).toEqual(generator.truth.byLevel[level]);
    }
  });
});
