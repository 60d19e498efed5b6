/**
 * A deterministic, province-sized dossier event stream for one reporting period, and its truth:
 * the generator decides each dossier's place in the form first (entry channel or carry-over,
 * outcome), then writes events whose times produce it, and counts what it decided. The
 * projection must reproduce those counts from the events alone.
 */
import { addDays, atLocalTime, computeDueAt, formatInstant, localDateOf, localTimeOfDayMs, type LocalDate, type WorkingCalendar } from "@onestop/calendar";
import type { EnvelopeInput, Level, Period, ProcedureInfo, TimeUnit } from "../../src/domain/index.js";
import { emptyCounts, type FormCounts } from "../../src/domain/index.js";
import type { LevelTargets, Targets } from "./targets.js";

export interface GeneratorProcedure extends ProcedureInfo {
  timeLimit: { amount: number; unit: TimeUnit; sameDay: boolean };
}

/** Mulberry32: small, fast, seeded. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Entry = "ONLINE" | "IN_PERSON" | "POSTAL" | "CARRIED_OVER";
type Outcome = "EARLY" | "ON_TIME" | "OVERDUE" | "PENDING_NOT_DUE" | "PENDING_OVERDUE" | "WITHDRAWN" | "REFUSED";

export interface Truth {
  total: FormCounts;
  byLevel: Record<Level, FormCounts>;
  /** Dossiers generated outside the period (finished before it, or received after it): in no count. */
  outside: number;
  dossiers: number;
  events: number;
}

export interface GeneratedDossier {
  code: string;
  events: EnvelopeInput[];
}

export interface GeneratorOptions {
  seed: number;
  period: Period;
  targets: Targets;
  procedures: readonly GeneratorProcedure[];
  calendar: WorkingCalendar;
  /** Share of extra dossiers outside the period, to check they are left out. */
  outsideShare?: number;
}

const AGENCY: Record<Level, string> = { PROVINCE: "000.00.05.H04", DISTRICT: "000.00.31.H04", COMMUNE: "000.01.31.H04" };
const LEVELS: Level[] = ["PROVINCE", "DISTRICT", "COMMUNE"];

function labels<T extends string>(counts: Array<[T, number]>): T[] {
  return counts.flatMap(([label, n]) => Array<T>(n).fill(label));
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Entry and outcome of every dossier of a level; a carry-over is never "pending, not yet due" (it would need a due date months away). */
function plan(t: LevelTargets, random: () => number): Array<[Entry, Outcome]> {
  const entries = shuffle(
    labels<Entry>([
      ["ONLINE", t.online],
      ["IN_PERSON", t.inPerson],
      ["POSTAL", t.postal],
      ["CARRIED_OVER", t.carriedOver],
    ]),
    random,
  );
  const notDue = labels<Outcome>([["PENDING_NOT_DUE", t.pendingNotDue]]);
  const others = shuffle(
    labels<Outcome>([
      ["EARLY", t.early],
      ["ON_TIME", t.onTime],
      ["OVERDUE", t.overdue],
      ["PENDING_OVERDUE", t.pendingOverdue],
      ["WITHDRAWN", t.withdrawn],
      ["REFUSED", t.refused],
    ]),
    random,
  );
  const carried = entries.filter((e) => e === "CARRIED_OVER").length;
  const forCarried = others.slice(0, carried);
  const forNew = shuffle([...others.slice(carried), ...notDue], random);
  let c = 0;
  let n = 0;
  return entries.map((entry) => [entry, entry === "CARRIED_OVER" ? forCarried[c++]! : forNew[n++]!]);
}

const MINUTE = 60_000;

export class StreamGenerator {
  readonly truth: Truth;
  private readonly random: () => number;
  private readonly byLevel: Record<Level, GeneratorProcedure[]>;
  private serial = 0;
  private readonly dueCache = new Map<string, LocalDate>();

  constructor(private readonly options: GeneratorOptions) {
    this.random = prng(options.seed);
    this.byLevel = Object.fromEntries(LEVELS.map((level) => [level, options.procedures.filter((p) => p.levels.includes(level))])) as Record<Level, GeneratorProcedure[]>;
    this.truth = { total: emptyCounts(), byLevel: { PROVINCE: emptyCounts(), DISTRICT: emptyCounts(), COMMUNE: emptyCounts() }, outside: 0, dossiers: 0, events: 0 };
  }

  /** Dossier by dossier, so a province-sized stream never has to sit in memory whole. */
  *dossiers(): Generator<GeneratedDossier> {
    const { targets, outsideShare = 0.02 } = this.options;
    for (const level of LEVELS) {
      for (const [entry, outcome] of plan(targets[level], this.random)) {
        yield this.inPeriod(level, entry, outcome);
        if (this.random() < outsideShare) yield this.outside(level);
      }
    }
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /** A local time of day between 07:30 and 16:30, in minutes. */
  private officeMinute(): number {
    return this.int(7 * 60 + 30, 16 * 60 + 30);
  }

  private at(day: LocalDate, minuteOfDay: number): number {
    return atLocalTime(day, 0, minuteOfDay);
  }

  private dueDay(receivedMs: number, procedure: GeneratorProcedure, supplement?: { requestedMs: number; returnedMs: number }): LocalDate {
    // Without a supplement the due day depends only on the receipt day (and, same-day, on 15:00).
    const key = supplement ? undefined : `${procedure.code}|${localDateOf(receivedMs)}|${localTimeOfDayMs(receivedMs) > 15 * 60 * MINUTE}`;
    const cached = key && this.dueCache.get(key);
    if (cached) return cached;
    const clock = {
      receivedAt: new Date(receivedMs),
      timeLimit: procedure.timeLimit,
      ...(supplement ? { supplements: [{ requestedAt: new Date(supplement.requestedMs), returnedAt: new Date(supplement.returnedMs) }] } : {}),
    };
    const due = computeDueAt(clock, this.options.calendar).dueDate!;
    if (key) this.dueCache.set(key, due);
    return due;
  }

  private inPeriod(level: Level, entry: Entry, outcome: Outcome): GeneratedDossier {
    const { from, to } = this.options.period;
    for (let attempt = 0; attempt < 200; attempt++) {
      const candidates = this.byLevel[level].filter((p) => (entry !== "ONLINE" || p.onlineMode !== "NONE") && (outcome !== "EARLY" || !p.timeLimit.sameDay));
      const procedure = this.pick(candidates);
      const receivedDay =
        entry === "CARRIED_OVER" ? addDays(from, -this.int(1, 45)) : outcome === "PENDING_NOT_DUE" ? addDays(to, -this.int(0, 20)) : addDays(from, this.int(0, dayCount(from, to) - 1));
      const receivedMs = this.at(receivedDay, this.officeMinute());
      // A few new dossiers that get decided have had a supplement request: the legal clock restarts.
      const resolves = outcome === "EARLY" || outcome === "ON_TIME" || outcome === "OVERDUE";
      const supplement =
        resolves && entry !== "CARRIED_OVER" && this.random() < 0.03 ? { requestedMs: this.at(addDays(receivedDay, 1), 9 * 60), returnedMs: this.at(addDays(receivedDay, 3), 14 * 60) } : undefined;
      const due = this.dueDay(receivedMs, procedure, supplement);
      const placed = this.place(outcome, receivedMs, supplement?.returnedMs ?? receivedMs, due);
      if (placed === undefined) continue;
      if (supplement && localDateOf(supplement.returnedMs) > to) continue;
      return this.emit(level, entry, outcome, procedure, receivedMs, supplement, placed);
    }
    throw new Error(`could not place a ${entry} dossier with outcome ${outcome} at ${level}`);
  }

  /** When the deciding event happens (ms), or undefined when this draw cannot give the outcome. */
  private place(outcome: Outcome, receivedMs: number, clockStartMs: number, due: LocalDate): number | undefined {
    const { from, to } = this.options.period;
    const startDay = localDateOf(clockStartMs);
    // biome-ignore lint/complexity/useMathMinMax: dates compared as strings, not numbers
    const earliest = startDay > from ? startDay : from;
    const onDay = (day: LocalDate) => (day === startDay ? clockStartMs + 30 * MINUTE : this.at(day, this.officeMinute()));
    const dayIn = (lo: LocalDate, hi: LocalDate) => (lo > hi ? undefined : addDays(lo, this.int(0, dayCount(lo, hi) - 1)));
    switch (outcome) {
      case "EARLY": {
        const day = dayIn(earliest, minDay(addDays(due, -1), to));
        return day === undefined ? undefined : onDay(day);
      }
      case "ON_TIME":
        return due >= earliest && due <= to ? onDay(due) : undefined;
      case "OVERDUE": {
        const day = dayIn(maxDay(addDays(due, 1), earliest), to);
        return day === undefined ? undefined : onDay(day);
      }
      case "PENDING_NOT_DUE":
        // Not due by the end of the period: the due day is its last day or later.
        return due >= to ? this.at(addDays(to, this.int(1, 20)), 10 * 60) : undefined;
      case "PENDING_OVERDUE":
        return due < to ? this.at(addDays(to, this.int(1, 30)), 10 * 60) : undefined;
      case "WITHDRAWN":
      case "REFUSED": {
        const day = dayIn(earliest, minDay(addDays(earliest, 10), to));
        return day === undefined ? undefined : day === localDateOf(receivedMs) ? receivedMs + 60 * MINUTE : this.at(day, 10 * 60);
      }
    }
  }

  private emit(
    level: Level,
    entry: Entry,
    outcome: Outcome,
    procedure: GeneratorProcedure,
    receivedMs: number,
    supplement: { requestedMs: number; returnedMs: number } | undefined,
    decidedMs: number,
  ): GeneratedDossier {
    const { to } = this.options.period;
    const code = this.code(level, receivedMs);
    const channel = entry === "CARRIED_OVER" ? (procedure.onlineMode === "NONE" ? "IN_PERSON" : "ONLINE") : entry;
    const events = [this.receipt(code, level, channel, procedure, receivedMs)];
    if (supplement) {
      events.push(this.lifecycle(code, "supplement_requested", "requestedAt", supplement.requestedMs, { requestNumber: 1 }));
      events.push(this.lifecycle(code, "supplement_received", "receivedAt", supplement.returnedMs));
    }
    let byPost = false;
    if (outcome === "WITHDRAWN" || outcome === "REFUSED") {
      events.push(this.lifecycle(code, outcome === "WITHDRAWN" ? "withdrawn" : "refused", outcome === "WITHDRAWN" ? "withdrawnAt" : "refusedAt", decidedMs));
    } else if (outcome !== "PENDING_OVERDUE" || this.random() < 0.5) {
      // Pending ones are decided after the period (half of the overdue ones never within the stream).
      events.push(this.lifecycle(code, "resolved", "resolvedAt", decidedMs, { outcome: "OUTCOME_APPROVED" }));
      const draw = this.random();
      const returnChannel = draw < 0.04 ? "POSTAL" : draw < 0.6 ? "ONLINE" : "IN_PERSON";
      const returnedMs = decidedMs + (returnChannel === "POSTAL" ? 24 * 60 : 60) * MINUTE;
      events.push(
        this.lifecycle(code, "result_returned", "returnedAt", returnedMs, {
          channel: `CHANNEL_${returnChannel}`,
          form: returnChannel === "ONLINE" ? "DOCUMENT_FORM_ELECTRONIC" : "DOCUMENT_FORM_PAPER",
        }),
      );
      byPost = returnChannel === "POSTAL" && localDateOf(returnedMs) <= to;
    }
    this.count(level, entry, outcome, supplement !== undefined, byPost);
    this.truth.dossiers += 1;
    this.truth.events += events.length;
    return { code, events };
  }

  /** A dossier finished before the period, or received after it. */
  private outside(level: Level): GeneratedDossier {
    const { from, to } = this.options.period;
    const procedure = this.pick(this.byLevel[level]);
    const before = this.random() < 0.5;
    const receivedDay = before ? addDays(from, -this.int(20, 60)) : addDays(to, this.int(1, 30));
    const receivedMs = this.at(receivedDay, this.officeMinute());
    const code = this.code(level, receivedMs);
    const events = [this.receipt(code, level, "IN_PERSON", procedure, receivedMs)];
    // Before: decided within 10 days, so well before the period starts.
    events.push(this.lifecycle(code, "resolved", "resolvedAt", this.at(addDays(receivedDay, this.int(0, 10)), 17 * 60), { outcome: "OUTCOME_APPROVED" }));
    this.truth.outside += 1;
    this.truth.events += events.length;
    return { code, events };
  }

  private count(level: Level, entry: Entry, outcome: Outcome, supplement: boolean, byPost: boolean): void {
    for (const c of [this.truth.total, this.truth.byLevel[level]]) {
      c.received.total += 1;
      c.received[entry === "ONLINE" ? "online" : entry === "IN_PERSON" ? "inPerson" : entry === "POSTAL" ? "postal" : "carriedOver"] += 1;
      if (outcome === "EARLY" || outcome === "ON_TIME" || outcome === "OVERDUE") {
        c.resolved.total += 1;
        if (outcome === "OVERDUE") c.resolved.overdue += 1;
        else {
          c.resolved.onTimeOrEarly += 1;
          c.resolved[outcome === "EARLY" ? "early" : "onTime"] += 1;
        }
      } else if (outcome === "PENDING_NOT_DUE" || outcome === "PENDING_OVERDUE") {
        c.pending.total += 1;
        c.pending[outcome === "PENDING_OVERDUE" ? "overdue" : "notYetDue"] += 1;
      } else {
        c.returned.total += 1;
        c.returned[outcome === "WITHDRAWN" ? "withdrawn" : "refused"] += 1;
      }
      if (supplement) c.supplementRequested += 1;
      if (byPost) c.resultsByPost += 1;
    }
  }

  private code(level: Level, receivedMs: number): string {
    const day = localDateOf(receivedMs).replaceAll("-", "").slice(2);
    return `${AGENCY[level]}-${day}-${String(++this.serial).padStart(6, "0")}`;
  }

  private receipt(code: string, level: Level, channel: "ONLINE" | "IN_PERSON" | "POSTAL", procedure: GeneratorProcedure, receivedMs: number): EnvelopeInput {
    const receivedAt = formatInstant(receivedMs);
    const due = this.dueDay(receivedMs, procedure);
    return {
      id: `${code}/received`,
      type: "vn.onestop.dossier.received.v1",
      subject: code,
      time: receivedAt,
      data: {
        dossierCode: code,
        procedureCode: procedure.code,
        sectorCode: procedure.sectorCode,
        agencyCode: AGENCY[level],
        receivingUnitCode: AGENCY[level],
        level: `LEVEL_${level}`,
        channel: `CHANNEL_${channel}`,
        onlineMode: channel === "ONLINE" ? `ONLINE_MODE_${procedure.onlineMode}` : "ONLINE_MODE_NONE",
        receivedAt,
        dueAt: `${due}T23:59:59.999+07:00`,
        timeLimit: {
          ...(procedure.timeLimit.amount ? { amount: procedure.timeLimit.amount } : {}),
          unit: `TIME_UNIT_${procedure.timeLimit.unit}`,
          ...(procedure.timeLimit.sameDay ? { sameDay: true } : {}),
        },
      },
    };
  }

  private lifecycle(code: string, name: string, field: string, ms: number, extra: Record<string, unknown> = {}): EnvelopeInput {
    const at = formatInstant(ms);
    return { id: `${code}/${name}`, type: `vn.onestop.dossier.${name}.v1`, subject: code, time: at, data: { dossierCode: code, [field]: at, ...extra } };
  }
}

function dayCount(from: LocalDate, to: LocalDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}
const minDay = (a: LocalDate, b: LocalDate) => (a < b ? a : b);
const maxDay = (a: LocalDate, b: LocalDate) => (a > b ? a : b);
