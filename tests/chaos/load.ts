/**
 * The load driver: one-stop systems sending a steady stream of realistic dossiers through both
 * intake instances, as real clients do over an unreliable network: every request is retried until
 * acknowledged, with its Idempotency-Key or eventId, so a retry is safe. What was acknowledged is
 * kept as the ledger the checker compares the platform against.
 */

export const CHAOS_AGENCY = "000.09.31.H04"; // Ủy ban nhân dân xã Tân Tiến (commune, until 30/6/2025)
export const PROCEDURE = "1.004873"; // Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days

/** What happens to a dossier after its receipt (all in Q3/2024, no public holiday in July). */
export type Story = "early" | "overdue" | "supplemented" | "open";
const STORIES: Story[] = ["early", "overdue", "supplemented", "open"];

/** Mondays to Wednesdays of July 2024, received at 09:00: due 3 working days later, still in July. */
const RECEIPT_DAYS = [1, 2, 3, 8, 9, 10, 15, 16, 17, 22, 23, 24];

export interface DossierRecord {
  key: string;
  story: Story;
  channel: "ONLINE" | "IN_PERSON";
  code?: string;
  /** Requests intake acknowledged (2xx), in order. */
  acknowledged: string[];
  /** True once every request of its story was acknowledged. */
  settled: boolean;
}

const at = (day: number, time: string) => `2024-07-${String(day).padStart(2, "0")}T${time}+07:00`;

/** The requests of one dossier's story, after its receipt on `day`. */
function storyEvents(story: Story, day: number): Array<Record<string, unknown>> {
  switch (story) {
    case "early": // resolved the next day, result returned online
      return [
        { type: "RESOLVED", at: at(day + 1, "14:00:00"), outcome: "APPROVED" },
        { type: "RESULT_RETURNED", at: at(day + 1, "15:00:00"), channel: "ONLINE", electronic: true },
      ];
    case "overdue": // a week later: past any 3-working-day due date
      return [{ type: "RESOLVED", at: at(day + 7, "10:00:00"), outcome: "APPROVED" }];
    case "supplemented": // paused for a supplement, resolved the day after it came in
      return [
        { type: "SUPPLEMENT_REQUESTED", at: at(day + 1, "09:00:00"), reason: "Thiếu bản sao giấy khai sinh" },
        { type: "SUPPLEMENT_RECEIVED", at: at(day + 2, "14:00:00") },
        { type: "RESOLVED", at: at(day + 3, "10:00:00"), outcome: "APPROVED" },
      ];
    case "open":
      return [];
  }
}

export interface LoadStats {
  sent: number;
  retries: number;
  /** Answers other than 2xx, by status (0: no answer: connection refused or reset). */
  answers: Map<number, number>;
}

export class LoadDriver {
  readonly dossiers: DossierRecord[] = [];
  readonly stats: LoadStats = { sent: 0, retries: 0, answers: new Map() };
  private running = true;
  private readonly inFlight = new Set<Promise<void>>();
  private next = 0;

  constructor(
    private readonly intakes: () => string[],
    private readonly token: () => Promise<string>,
    private readonly runId: string,
  ) {}

  /** Starts `perSecond` new dossiers a second until stop(). */
  start(perSecond: number): void {
    const tick = () => {
      if (!this.running) return;
      const story = this.runDossier();
      this.inFlight.add(story);
      void story.finally(() => this.inFlight.delete(story));
      setTimeout(tick, 1_000 / perSecond);
    };
    tick();
  }

  /** Stops starting dossiers; those begun are carried through (retrying until acknowledged). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.inFlight);
  }

  get acknowledgedRequests(): number {
    return this.dossiers.reduce((sum, dossier) => sum + dossier.acknowledged.length, 0);
  }

  private async runDossier(): Promise<void> {
    const index = this.next++;
    const record: DossierRecord = { key: `${this.runId}-${index}`, story: STORIES[index % STORIES.length]!, channel: index % 3 === 0 ? "IN_PERSON" : "ONLINE", acknowledged: [], settled: false };
    this.dossiers.push(record);
    const day = RECEIPT_DAYS[index % RECEIPT_DAYS.length]!;
    const received = await this.send(
      "POST",
      "/v1/dossiers",
      {
        procedureCode: PROCEDURE,
        agencyCode: CHAOS_AGENCY,
        channel: record.channel,
        receivedAt: at(day, "09:00:00"),
        applicant: { idNumber: "024090001234", fullName: "Phạm Thị Lan", phone: "0912345678" },
        components: [{ typeCode: "TK_TTHN", name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân" }],
      },
      { "Idempotency-Key": record.key },
    );
    record.code = received.code as string;
    record.acknowledged.push("RECEIVED");
    for (const [step, event] of storyEvents(record.story, day).entries()) {
      await this.send("POST", `/v1/dossiers/${record.code}/events`, { eventId: `${record.key}-${step}`, ...event });
      record.acknowledged.push(event.type as string);
    }
    record.settled = true;
  }

  /** Sends until a 2xx answer, alternating intake instances, backing off on failures and on 429/503. */
  private async send(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const urls = this.intakes();
      const url = urls[(this.stats.sent + attempt) % urls.length]!;
      this.stats.sent++;
      if (attempt > 0) this.stats.retries++;
      let status = 0;
      let retryAfterMs = 250 * Math.min(2 ** attempt, 16);
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { "content-type": "application/json", authorization: `Bearer ${await this.token()}`, ...headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        status = response.status;
        const answer = (await response.json()) as Record<string, unknown>;
        if (status >= 200 && status < 300) return answer;
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new Error(`${method} ${path} refused ${status}: ${JSON.stringify(answer)}`);
        const retryAfter = Number(response.headers.get("retry-after"));
        if (retryAfter > 0) retryAfterMs = retryAfter * 1_000;
      } catch (error) {
        if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw error;
      }
      this.stats.answers.set(status, (this.stats.answers.get(status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    }
  }
}
