// Realistic demo dossiers for the running system: procedures and agencies come from intake's own
// catalogue API; receipts are spread over recent working hours; most dossiers then follow a
// lifecycle (supplement, decision, return, rating). Deterministic for a given day, and every
// submission carries an Idempotency-Key, so running the demo again the same day adds nothing.
// Every call carries the bearer token of a service account, as a one-stop system's would
// (the demo uses Keycloak's `onestop-system` client, role service).
import type { TokenSource } from "@onestop/auth";
import { fullName, idNumber, pick, random, vietnamTime, workingMoment } from "./demo-traffic/people.js";

interface ProcedureSummary {
  code: string;
  levels: string[];
  onlineMode: "FULL" | "PARTIAL" | "NONE";
  bundleCode?: string;
}
interface AgencySummary {
  code: string;
  level: string;
}

async function call(url: string, tokens: TokenSource, body: unknown, key?: string): Promise<{ status: number; body: { code?: string } }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${await tokens.token()}`, "content-type": "application/json", ...(key ? { "Idempotency-Key": key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { code?: string } };
}

/** GET with the service account's token; a refusal (401, 403) stops the load with its status. */
async function read<T>(url: string, tokens: TokenSource): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${await tokens.token()}` } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

function progress(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} hồ sơ`);
  if (done === total) process.stdout.write("\n");
}

export interface DemoLoadResult {
  submitted: number;
  events: number;
  refused: number;
}

/** Dossiers sent at once; each dossier's own events stay in order. */
const IN_FLIGHT = 8;

interface DemoDossier {
  index: number;
  body: Record<string, unknown>;
  events: Array<Record<string, unknown>>;
}

/** Submits `count` demo dossiers and their stories through intake's REST API, authenticated by `tokens`. */
export async function loadDemoDossiers(intakeUrl: string, count: number, tokens: TokenSource, now = Date.now()): Promise<DemoLoadResult> {
  const today = vietnamTime(now).slice(0, 10);
  const procedures = (await read<ProcedureSummary[]>(`${intakeUrl}/v1/procedures`, tokens)).filter((p) => !p.bundleCode);
  const agencies = await read<AgencySummary[]>(`${intakeUrl}/v1/agencies?at=${today}`, tokens);
  const dossiers = demoDossiers(procedures, agencies, count, now);
  const total = dossiers.length;
  const result: DemoLoadResult = { submitted: 0, events: 0, refused: 0 };
  let done = 0;

  const send = async ({ index, body, events }: DemoDossier): Promise<void> => {
    const submitted = await call(`${intakeUrl}/v1/dossiers`, tokens, body, `demo-${today}-${index}`);
    if (submitted.status !== 201 || !submitted.body.code) {
      result.refused += 1;
      return;
    }
    result.submitted += 1;
    for (const event of events) {
      const answer = await call(`${intakeUrl}/v1/dossiers/${submitted.body.code}/events`, tokens, { eventId: `demo-${today}-${index}-${event.type}`, ...event });
      if (answer.status === 200) result.events += 1;
      else break; // the rest of this dossier's story no longer applies (e.g. a late apology)
    }
  };
  const worker = async (): Promise<void> => {
    for (let next = dossiers.shift(); next; next = dossiers.shift()) {
      await send(next);
      progress(++done, total);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return result;
}

/** The day's dossiers and their stories, drawn in a fixed order so that a day's demo is always the same. */
function demoDossiers(procedures: ProcedureSummary[], agencies: AgencySummary[], count: number, now: number): DemoDossier[] {
  const rand = random(Number(vietnamTime(now).slice(0, 10).replaceAll("-", "")));
  const dossiers: DemoDossier[] = [];
  for (let index = 1; index <= count; index++) {
    const procedure = pick(rand, procedures);
    const candidates = agencies.filter((a) => procedure.levels.includes(a.level));
    if (candidates.length === 0) continue;
    const receivedMs = workingMoment(now, 1 + Math.floor(rand() * 40), rand);
    const online = procedure.onlineMode !== "NONE" && rand() < 0.95;
    const body = {
      procedureCode: procedure.code,
      agencyCode: pick(rand, candidates).code,
      channel: online ? "ONLINE" : rand() < 0.9 ? "IN_PERSON" : "POSTAL",
      receivedAt: vietnamTime(receivedMs),
      applicant: { idNumber: idNumber(rand), fullName: fullName(rand) },
    };
    dossiers.push({ index, body, events: lifecycle(receivedMs, now, rand) });
  }
  return dossiers;
}

/** What happens to one dossier after receipt, in order and never after `now`. */
function lifecycle(receivedMs: number, now: number, rand: () => number): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  let clock = receivedMs;
  const later = (hours: number) => {
    clock = Math.min(clock + hours * 3_600_000, now - 60_000);
    return vietnamTime(clock);
  };
  const fate = rand();
  if (fate < 0.06) {
    events.push({ type: "SUPPLEMENT_REQUESTED", at: later(20), reason: "Bổ sung bản sao giấy tờ" });
    if (rand() < 0.8) events.push({ type: "SUPPLEMENT_RECEIVED", at: later(48) });
    else return events;
  }
  if (fate > 0.97) return [...events, { type: "WITHDRAWN", at: later(24) }];
  if (fate > 0.9) return events; // still being processed
  events.push({ type: "RESOLVED", at: later(12 + rand() * 60), outcome: rand() < 0.97 ? "APPROVED" : "REFUSED" });
  events.push({ type: "RESULT_RETURNED", at: later(4), channel: rand() < 0.9 ? "ONLINE" : "POSTAL", electronic: rand() < 0.8 });
  if (rand() < 0.4) events.push({ type: "EVALUATED", at: later(2), rating: rand() < 0.9 ? 5 : 3 });
  return events;
}
