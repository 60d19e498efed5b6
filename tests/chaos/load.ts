/**
 * The load driver: one-stop systems sending a steady stream of realistic dossiers through both
 * intake instances, as real clients do over an unreliable network: every request is retried until
 * acknowledged, with its Idempotency-Key or eventId, so a retry is safe. Beside them: liên thông
 * bundles (answered by the sector simulators), fees paid online at the gateway simulator, and
 * scanned components uploaded to digitisation. What was acknowledged is kept as the ledger the
 * checker compares the platform against.
 */
import { randomBytes } from "node:crypto";
import type { GatewaySimulator } from "@onestop/payment-gateway/sim";

export const CHAOS_AGENCY = "000.09.31.H04"; // Ủy ban nhân dân xã Tân Tiến (commune, until 30/6/2025)
export const PROCEDURE = "1.004873"; // Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days

/** What happens to a dossier after its receipt (all in Q3/2024, no public holiday in July). */
export type Story = "early" | "overdue" | "supplemented" | "open";
const STORIES: Story[] = ["early", "overdue", "supplemented", "open"];

/** Mondays to Wednesdays of July 2024, received at 09:00: due 3 working days later, still in July. */
const RECEIPT_DAYS = [1, 2, 3, 8, 9, 10, 15, 16, 17, 22, 23, 24];

/** The commune where bundles are filed today (Bắc Ninh): the registry routes their steps from it. */
export const BUNDLE_AGENCY = "000.00.51.H06";
const BUNDLE_FORMS = {
  BIRTH: {
    procedureCode: "2.002621",
    bundleInputs: {
      childFullName: "Nguyễn Minh Khôi",
      childBirthDate: "2026-11-28",
      childSex: "NAM",
      birthPlace: "Bệnh viện Sản Nhi tỉnh Bắc Ninh",
      motherIdNumber: "024190012345",
      fatherIdNumber: "024188054321",
      residenceAddress: "Số 12 đường Hoàng Văn Thụ, phường Bắc Giang",
      householdHeadIdNumber: "024188054321",
    },
  },
  DEATH: {
    procedureCode: "1.000656",
    bundleInputs: {
      deceasedFullName: "Trần Văn Bảy",
      deceasedIdNumber: "024140011111",
      deathDate: "2026-11-30",
      deathPlace: "Phường Bắc Giang",
      residenceAddress: "Phường Bắc Giang",
      claimantIdNumber: "024170022222",
      bankAccount: "0123456789",
    },
  },
} as const;

export interface DossierRecord {
  key: string;
  story: Story;
  channel: "ONLINE" | "IN_PERSON";
  /** A liên thông bundle's dossier (filed at BUNDLE_AGENCY, resolved by lienthong), or one of CHAOS_AGENCY. */
  bundle?: "BIRTH" | "DEATH";
  /** The online payment of its fee, once the gateway answered it paid. */
  paymentId?: string;
  /** The scanned component uploaded for it, once digitisation acknowledged it. */
  documentId?: string;
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

/** Which dossiers take the extra flows (by their index): one in ten a bundle, one in six paid online, one in five digitised. */
const isBundle = (index: number) => index % 10 === 9;
const paysOnline = (index: number) => index % 6 === 1;
const isDigitised = (index: number) => index % 5 === 2;

export class LoadDriver {
  readonly dossiers: DossierRecord[] = [];
  readonly stats: LoadStats = { sent: 0, retries: 0, answers: new Map() };
  /** Requests refused as bad (4xx): the load's fault or the platform's, either way the run fails. */
  readonly refusals: string[] = [];
  private running = true;
  private readonly inFlight = new Set<Promise<void>>();
  private next = 0;

  constructor(
    /** The base URLs of a service's instances (empty when it is not running). */
    private readonly urls: (service: string) => string[],
    private readonly token: () => Promise<string>,
    private readonly runId: string,
    private readonly gateway?: GatewaySimulator,
  ) {}

  /** Starts `perSecond` new dossiers a second until stop(). */
  start(perSecond: number): void {
    const tick = () => {
      if (!this.running) return;
      const story = this.runDossier().catch((error: unknown) => void this.refusals.push(error instanceof Error ? error.message : String(error)));
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
    if (isBundle(index) && this.urls("lienthong").length > 0) return this.runBundle(record, index % 20 === 9 ? "BIRTH" : "DEATH");
    const day = RECEIPT_DAYS[index % RECEIPT_DAYS.length]!;
    const received = await this.send(
      "intake",
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
    if (isDigitised(index) && this.urls("digitisation").length > 0) await this.digitise(record);
    if (paysOnline(index) && record.channel === "ONLINE" && this.gateway && this.urls("payment").length > 0) await this.payOnline(record);
    for (const [step, event] of storyEvents(record.story, day).entries()) {
      await this.send("intake", "POST", `/v1/dossiers/${record.code}/events`, { eventId: `${record.key}-${step}`, ...event });
      record.acknowledged.push(event.type as string);
    }
    record.settled = true;
  }

  /** A bundle filed at intake today; lienthong and the sector systems take it from there. */
  private async runBundle(record: DossierRecord, bundle: "BIRTH" | "DEATH"): Promise<void> {
    record.bundle = bundle;
    record.channel = "ONLINE";
    const received = await this.send(
      "intake",
      "POST",
      "/v1/dossiers",
      {
        ...BUNDLE_FORMS[bundle],
        bundleCode: bundle,
        agencyCode: BUNDLE_AGENCY,
        channel: "ONLINE", // bundles are filed online only
        receivedAt: new Date().toISOString(),
        applicant: { idNumber: "024190012345", fullName: "Lê Thị Mai", phone: "0912345678" },
      },
      { "Idempotency-Key": record.key },
    );
    record.code = received.code as string;
    record.acknowledged.push("RECEIVED");
    record.settled = true;
  }

  /** A scanned component of the dossier (a unique PDF), uploaded as a desk's scanner would. */
  private async digitise(record: DossierRecord): Promise<void> {
    const file = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(32 * 1024)]);
    const metadata = {
      kind: "COMPONENT",
      dossierCode: record.code,
      agencyCode: CHAOS_AGENCY,
      componentTypeCode: "TK_TTHN",
      document: {
        documentTypeCode: "TK_TTHN",
        holder: { idNumber: "024090001234" },
        name: "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
        summary: "Bản quét tờ khai",
        validFrom: "2024-07-01",
        scope: "Toàn quốc",
      },
    };
    const answer = await this.send("digitisation", "POST", "/v1/documents", () => {
      const form = new FormData();
      form.append("metadata", JSON.stringify(metadata));
      form.append("file", new Blob([file], { type: "application/pdf" }), "to-khai.pdf");
      return form;
    });
    record.documentId = answer.id as string;
  }

  /** The fee paid online: the order requested once (Idempotency-Key), paid at the gateway's page. */
  private async payOnline(record: DossierRecord): Promise<void> {
    // Fees are assessed from the receipt on the bus: until then the dossier has none (404).
    await this.send("payment", "GET", `/v1/dossiers/${record.code}/fees`, undefined, {}, [404]);
    const order = await this.send("payment", "POST", "/v1/payments", { dossierCode: record.code, channel: "OTHER_GATEWAY" }, { "Idempotency-Key": `${record.key}-pay` });
    const payment = order.payment as { paymentId: string; status: string };
    if (payment.status !== "SUCCEEDED") await this.gateway!.pay(order.paymentUrl as string, "success");
    record.paymentId = payment.paymentId;
  }

  /**
   * Sends until a 2xx answer, alternating the service's instances, backing off on failures, on
   * 429/503 and on the statuses in `retryOn` (an answer that comes true later).
   */
  private async send(service: string, method: string, path: string, body: unknown | (() => FormData), headers: Record<string, string> = {}, retryOn: number[] = []): Promise<Record<string, unknown>> {
    for (let attempt = 0; ; attempt++) {
      const urls = this.urls(service);
      const url = urls[(this.stats.sent + attempt) % urls.length]!;
      this.stats.sent++;
      if (attempt > 0) this.stats.retries++;
      let status = 0;
      let retryAfterMs = 250 * Math.min(2 ** attempt, 16);
      try {
        const form = typeof body === "function" ? body() : undefined;
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { ...(form || body === undefined ? {} : { "content-type": "application/json" }), authorization: `Bearer ${await this.token()}`, ...headers },
          ...(form ? { body: form } : body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(15_000),
        });
        status = response.status;
        const answer = (await response.json()) as Record<string, unknown>;
        if (status >= 200 && status < 300) return answer;
        const refused = status >= 400 && status < 500 && status !== 408 && status !== 429 && !retryOn.includes(status);
        if (refused) throw new Error(`${method} ${path} refused ${status}: ${JSON.stringify(answer)}`);
        const retryAfter = Number(response.headers.get("retry-after"));
        if (retryAfter > 0) retryAfterMs = retryAfter * 1_000;
      } catch (error) {
        if (status >= 400 && status < 500 && status !== 408 && status !== 429 && !retryOn.includes(status)) throw error;
      }
      this.stats.answers.set(status, (this.stats.answers.get(status) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
    }
  }
}
