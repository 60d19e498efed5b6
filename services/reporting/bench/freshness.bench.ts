/**
 * Benchmark: freshness of the reports under a steady load. Intake is driven through its public API
 * at BENCH_RATE events a second (default 100; the whole country's average is about 30) for
 * BENCH_SECONDS (default 600): receipts of new dossiers and decisions of dossiers received a few
 * seconds earlier, half and half, spread over every agency. A probe reads the province's statistics
 * form of the current quarter every PROBE_MS; the k-th receipt answered is counted once the form's received
 * total reaches k (the DOSSIER stream is folded in order), the same for decisions and the resolved
 * total. Printed: from intake's answer to the event being counted in the report, p50, p99 and max,
 * beside the baseline measured in the same run: from intake's answer to the event being on the bus
 * (an ordered consumer of the DOSSIER stream), which the report cannot beat.
 *
 *   BENCH_RATE=100 BENCH_SECONDS=600 pnpm --filter @onestop/reporting bench:freshness
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DeliverPolicy } from "@nats-io/jetstream";
import { STREAMS } from "@onestop/contracts";
import { repoRoot } from "@onestop/devservers";
import { envNumber, fmt } from "./support.js";
import { dossierBody, percentile, post, quarterOf, reportTotals, startServiceHarness } from "./service-harness.js";

const RATE = envNumber("BENCH_RATE", 100);
const SECONDS = envNumber("BENCH_SECONDS", 600);
const PROBE_MS = envNumber("PROBE_MS", 100);
const MAX_IN_FLIGHT = 64;
/** A dossier is decided no sooner than this after its receipt was answered. */
const DECIDE_AFTER_MS = 3_000;

const logDir = join(repoRoot(), ".local", "logs");
mkdirSync(logDir, { recursive: true });
const harness = await startServiceHarness("freshness", logDir);
try {
  const { intakeUrl, reportingUrl, agencies } = harness;
  const quarter = quarterOf(Date.now());
  const answered = { receipts: [] as number[], decisions: [] as number[] };
  const busArrival = new Map<string, number>();
  const answeredAt = new Map<string, number>();
  const waitingDecision: Array<{ code: string; at: number }> = [];
  let inFlight = 0;
  let skipped = 0;
  let failed = 0;
  let serial = 0;

  // The baseline: when each event reaches the bus.
  const bus = await harness.servers.js.consumers.get(STREAMS.DOSSIER.name, { deliver_policy: DeliverPolicy.New });
  const busMessages = await bus.consume();
  void (async () => {
    for await (const message of busMessages) {
      const envelope = message.json<{ subject: string; type: string }>();
      busArrival.set(`${envelope.subject}|${envelope.type.split(".")[3]}`, Date.now());
    }
  })();

  // The probe: the form's totals over time.
  const probes: Array<{ at: number; received: number; resolved: number }> = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const started = Date.now();
      try {
        probes.push({ ...(await reportTotals(reportingUrl, quarter)), at: Date.now() });
      } catch (error) {
        console.error(`probe failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, PROBE_MS - (Date.now() - started))));
    }
  })();

  const send = async (kind: "receipt" | "decision") => {
    inFlight += 1;
    try {
      if (kind === "receipt") {
        serial += 1;
        // Spread over every agency: a dossier code allows 10.000 receipts per agency and day.
        const agency = agencies[serial % agencies.length]!;
        const procedure = agency.procedures[Math.floor(serial / agencies.length) % agency.procedures.length]!;
        const receipt = await post(`${intakeUrl}/v1/dossiers`, dossierBody(procedure, agency.code, Date.now(), serial), 201, `freshness-${serial}`);
        const at = Date.now();
        answered.receipts.push(at);
        answeredAt.set(`${receipt.code}|received`, at);
        waitingDecision.push({ code: String(receipt.code), at });
      } else {
        const { code } = waitingDecision.shift()!;
        await post(`${intakeUrl}/v1/dossiers/${code}/events`, { eventId: `freshness-${code}-resolved`, type: "RESOLVED", at: new Date().toISOString(), outcome: "APPROVED" }, 200);
        const at = Date.now();
        answered.decisions.push(at);
        answeredAt.set(`${code}|resolved`, at);
      }
    } catch (error) {
      failed += 1;
      if (failed <= 5) console.error(error instanceof Error ? error.message : String(error));
    } finally {
      inFlight -= 1;
    }
  };

  const total = Math.round(RATE * SECONDS);
  const started = Date.now();
  let lastReport = started;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= MAX_IN_FLIGHT) {
      skipped += 1; // intake is behind: the rate is not held
      continue;
    }
    const decisionReady = waitingDecision.length > 0 && waitingDecision[0]!.at < Date.now() - DECIDE_AFTER_MS;
    void send(i % 2 === 1 && decisionReady ? "decision" : "receipt");
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      const last = probes.at(-1);
      process.stderr.write(
        `\r${Math.round((Date.now() - started) / 1000)}/${SECONDS} s: ${fmt(answered.receipts.length + answered.decisions.length)} answered, counted ${fmt((last?.received ?? 0) + (last?.resolved ?? 0))}   `,
      );
    }
  }
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const sentFor = (Date.now() - started) / 1000;
  // Until everything answered is counted (or a minute passes).
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const last = probes.at(-1);
    if (last && last.received >= answered.receipts.length && last.resolved >= answered.decisions.length) break;
    await new Promise((resolve) => setTimeout(resolve, PROBE_MS));
  }
  probing = false;
  await probe;
  await busMessages.close();
  process.stderr.write("\n");

  /** For the k-th answer: the first probe whose count reached k, minus the answer's time. */
  const countedLatencies = (answers: readonly number[], count: (p: (typeof probes)[number]) => number) => {
    const sortedAnswers = [...answers].sort((a, b) => a - b);
    const latencies: number[] = [];
    let p = 0;
    for (let k = 1; k <= sortedAnswers.length; k++) {
      while (p < probes.length && count(probes[p]!) < k) p++;
      if (p === probes.length) break;
      latencies.push(Math.max(0, probes[p]!.at - sortedAnswers[k - 1]!));
    }
    return latencies;
  };
  const counted = [...countedLatencies(answered.receipts, (p) => p.received), ...countedLatencies(answered.decisions, (p) => p.resolved)].sort((a, b) => a - b);
  const onBus = [...answeredAt].flatMap(([key, at]) => (busArrival.has(key) ? [Math.max(0, busArrival.get(key)! - at)] : [])).sort((a, b) => a - b);
  const answeredCount = answered.receipts.length + answered.decisions.length;
  const line = (label: string, values: number[]) =>
    console.log(
      `${label.padEnd(44)} p50 ${fmt(percentile(values, 50)).padStart(6)} ms   p99 ${fmt(percentile(values, 99)).padStart(6)} ms   max ${fmt(values.at(-1) ?? NaN).padStart(6)} ms   (${fmt(values.length)} events)`,
    );
  console.log(
    `\n${fmt(answeredCount)} events answered in ${fmt(Math.round(sentFor))} s (${fmt(Math.round(answeredCount / sentFor))}/s asked ${fmt(RATE)}/s; ${fmt(answered.receipts.length)} receipts, ${fmt(answered.decisions.length)} decisions; ${skipped} not sent, intake behind; ${failed} refused), ${agencies.length} agencies, ${quarter}`,
  );
  line("baseline: intake's answer → on the bus", onBus);
  line("intake's answer → counted in the report", counted);
  const p99 = percentile(counted, 99);
  console.log(`p99 ${fmt(p99)} ms (target < 5.000 ms); not counted within a minute of the end: ${fmt(answeredCount - counted.length)}`);
  if (counted.length < answeredCount || failed > 0) process.exitCode = 1;
} finally {
  await harness.stop();
}
