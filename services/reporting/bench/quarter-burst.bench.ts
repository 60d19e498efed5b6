/**
 * Benchmark: a past quarter sent as fast as intake takes it, then how long until the report has it
 * all. BENCH_DOSSIERS (default 1.800) dossiers received in the previous quarter's working hours,
 * spread over every agency and its procedures, most of them resolved within the quarter and their
 * results returned, some after a supplement: about 5.000 events through intake's public API, 8
 * dossiers in flight (each dossier's events in order). Printed: from the last answer until the
 * province's statistics form of that quarter counts every receipt and every decision (target 10 s),
 * beside the baseline measured in the same run: from the last answer until every event is on the bus.
 *
 *   BENCH_DOSSIERS=1800 pnpm --filter @onestop/reporting bench:burst
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DeliverPolicy } from "@nats-io/jetstream";
import { STREAMS } from "@onestop/contracts";
import { repoRoot } from "@onestop/devservers";
import { prng } from "../test/golden/generator.js";
import { envNumber, fmt } from "./support.js";
import { dossierBody, post, quarterOf, reportTotals, startServiceHarness } from "./service-harness.js";

const DOSSIERS = envNumber("BENCH_DOSSIERS", 1_800);
const IN_FLIGHT = 8;
const HOUR = 3_600_000;

/** The previous quarter's first and last instants (UTC+7). */
function previousQuarter(now: number): { label: string; fromMs: number; toMs: number } {
  const local = new Date(now + 7 * HOUR);
  const firstMonth = Math.floor(local.getUTCMonth() / 3) * 3 - 3;
  const from = Date.UTC(local.getUTCFullYear(), firstMonth, 1) - 7 * HOUR;
  const to = Date.UTC(local.getUTCFullYear(), firstMonth + 3, 1) - 7 * HOUR - 1;
  return { label: quarterOf(from), fromMs: from, toMs: to };
}

const logDir = join(repoRoot(), ".local", "logs");
mkdirSync(logDir, { recursive: true });
const harness = await startServiceHarness("burst", logDir);
try {
  const { intakeUrl, reportingUrl, agencies } = harness;
  const quarter = previousQuarter(Date.now());
  const rand = prng(1_800);
  // Received in the first two thirds of the quarter, on a weekday between 8:00 and 16:30.
  const stories = Array.from({ length: DOSSIERS }, (_, index) => {
    const agency = agencies[Math.floor(rand() * agencies.length)]!;
    const procedure = agency.procedures[Math.floor(rand() * agency.procedures.length)]!;
    let day = quarter.fromMs + Math.floor(rand() * 60) * 24 * HOUR;
    while ([0, 6].includes(new Date(day + 7 * HOUR).getUTCDay())) day += 24 * HOUR;
    const receivedMs = day + (8 + rand() * 8.5) * HOUR;
    const events: Array<Record<string, unknown>> = [];
    let clock = receivedMs;
    const later = (hours: number) => new Date((clock = Math.min(clock + hours * HOUR, quarter.toMs - HOUR))).toISOString();
    const fate = rand();
    if (fate < 0.08) events.push({ type: "SUPPLEMENT_REQUESTED", at: later(20), reason: "Bổ sung bản sao giấy tờ" }, { type: "SUPPLEMENT_RECEIVED", at: later(30) });
    if (fate < 0.92) {
      events.push({ type: "RESOLVED", at: later(10 + rand() * 50), outcome: "APPROVED" });
      events.push({ type: "RESULT_RETURNED", at: later(4), channel: "ONLINE", electronic: true });
    }
    return { index, body: dossierBody(procedure, agency.code, receivedMs, index), events };
  });
  const expectedEvents = stories.reduce((sum, story) => sum + 1 + story.events.length, 0);
  const expectedResolved = stories.filter((story) => story.events.some((event) => event.type === "RESOLVED")).length;

  // The baseline: every event on the bus.
  let onBus = 0;
  let allOnBusAt = 0;
  const bus = await harness.servers.js.consumers.get(STREAMS.DOSSIER.name, { deliver_policy: DeliverPolicy.New });
  const busMessages = await bus.consume();
  void (async () => {
    for await (const _message of busMessages) if (++onBus === expectedEvents) allOnBusAt = Date.now();
  })();

  console.log(`sending ${fmt(DOSSIERS)} dossiers of ${quarter.label} (${fmt(expectedEvents)} events, ${fmt(expectedResolved)} decisions) over ${agencies.length} agencies, ${IN_FLIGHT} in flight`);
  const started = Date.now();
  let answeredEvents = 0;
  let next = 0;
  const worker = async () => {
    for (let story = stories[next++]; story; story = stories[next++]) {
      const receipt = await post(`${intakeUrl}/v1/dossiers`, story.body, 201, `burst-${story.index}`);
      answeredEvents += 1;
      for (const event of story.events) {
        await post(`${intakeUrl}/v1/dossiers/${receipt.code}/events`, { eventId: `burst-${story.index}-${event.type}`, ...event }, 200);
        answeredEvents += 1;
      }
      if (story.index % 100 === 0) process.stderr.write(`\r${fmt(answeredEvents)}/${fmt(expectedEvents)} events answered   `);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const lastAnswer = Date.now();
  process.stderr.write("\n");
  console.log(
    `intake answered ${fmt(answeredEvents)} events in ${fmt(Math.round((lastAnswer - started) / 100) / 10)} s (${fmt(Math.round((answeredEvents * 1000) / (lastAnswer - started)))} events/s)`,
  );

  let countedAt = 0;
  let last = { received: 0, resolved: 0 };
  while (Date.now() - lastAnswer < 120_000) {
    last = await reportTotals(reportingUrl, quarter.label);
    if (last.received === DOSSIERS && last.resolved === expectedResolved) {
      countedAt = Date.now();
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await busMessages.close();
  const seconds = (at: number) => (at ? `${fmt(at - lastAnswer)} ms` : "not within 120 s");
  console.log(`baseline: from the last answer until every event is on the bus: ${seconds(allOnBusAt && Math.max(allOnBusAt, lastAnswer))}`);
  console.log(
    `from the last answer until ${quarter.label} counts all ${fmt(DOSSIERS)} receipts and ${fmt(expectedResolved)} decisions: ${seconds(countedAt)} (target ≤ 10.000 ms; last read ${fmt(last.received)} received, ${fmt(last.resolved)} resolved)`,
  );
  if (!countedAt || countedAt - lastAnswer > 10_000) process.exitCode = 1;
} finally {
  await harness.stop();
}
