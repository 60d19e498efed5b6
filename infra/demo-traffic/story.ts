// One live dossier's story, played against the running services in compressed time: filed at
// intake (a liên thông bundle goes on to lienthong and the sector simulators), its components
// scanned or reused at digitisation, its fees paid, supplements and pauses, a decision, the result
// returned (electronically: issued at digitisation first) and a rating.
import type { GatewaySimulator } from "@onestop/payment-gateway/sim";
import { poll, sleep, type Api } from "./api.js";
import { digitiseComponent, issueElectronicResult, reuseEarlierDocuments } from "./documents.js";
import { payFees } from "./payments.js";
import { vietnamInstant } from "./people.js";
import type { DossierPlan } from "./plan.js";

/** The bundles' national codes (packages/catalogue/data/bundles.json): a bundle is filed under it. */
const BUNDLE_NATIONAL_CODES = { BIRTH: "2.002621", DEATH: "2.002622" } as const;

export interface TrafficCounts {
  filed: number;
  refused: number;
  online: number;
  inPerson: number;
  postal: number;
  birthBundles: number;
  deathBundles: number;
  bundlesResolved: number;
  supplements: number;
  pauses: number;
  late: number;
  resolved: number;
  paidOnline: number;
  paidAtDesk: number;
  declined: number;
  components: number;
  reuses: number;
  electronicResults: number;
  failures: number;
}

export const emptyCounts = (): TrafficCounts => ({
  filed: 0,
  refused: 0,
  online: 0,
  inPerson: 0,
  postal: 0,
  birthBundles: 0,
  deathBundles: 0,
  bundlesResolved: 0,
  supplements: 0,
  pauses: 0,
  late: 0,
  resolved: 0,
  paidOnline: 0,
  paidAtDesk: 0,
  declined: 0,
  components: 0,
  reuses: 0,
  electronicResults: 0,
  failures: 0,
});

export interface StoryContext {
  api: Api;
  gateway: GatewaySimulator;
  counts: TrafficCounts;
}

function submission(plan: DossierPlan): Record<string, unknown> {
  return {
    procedureCode: plan.bundle ? BUNDLE_NATIONAL_CODES[plan.bundle] : plan.procedure.code,
    agencyCode: plan.agencyCode,
    channel: plan.channel,
    receivedAt: vietnamInstant(plan.receivedAt),
    applicant: { idNumber: plan.applicant.idNumber, fullName: plan.applicant.fullName },
    ...(plan.fees ? { fees: plan.fees } : {}),
    ...(plan.bundle ? { bundleCode: plan.bundle, bundleInputs: plan.bundleInputs } : {}),
  };
}

/** Plays `plan`; every failure is counted, none stops the traffic. */
export async function playStory(plan: DossierPlan, { api, gateway, counts }: StoryContext): Promise<void> {
  const filed = await api.post<{ code?: string }>(`${api.urls.intake}/v1/dossiers`, submission(plan), plan.key);
  const code = filed.body.code;
  if ((filed.status !== 201 && filed.status !== 200) || !code) {
    counts.refused += 1;
    return;
  }
  counts.filed += 1;
  counts[plan.channel === "ONLINE" ? "online" : plan.channel === "IN_PERSON" ? "inPerson" : "postal"] += 1;
  if (plan.late) counts.late += 1;

  const event = async (type: string, fields: Record<string, unknown> = {}): Promise<boolean> => {
    const answer = await api.post(`${api.urls.intake}/v1/dossiers/${code}/events`, { eventId: `${plan.key}-${type}`, type, at: vietnamInstant(Date.now()), ...fields });
    return answer.status === 200;
  };
  const step = (share: number) => sleep(plan.pace * share * 1_000);

  if (plan.bundle) {
    counts[plan.bundle === "BIRTH" ? "birthBundles" : "deathBundles"] += 1;
    // lienthong resolves the dossier at intake once every sector system has answered.
    const resolved = await poll(
      async () => {
        const dossier = await api.get<{ status?: string }>(`${api.urls.intake}/v1/dossiers/${code}`);
        return dossier.body.status === "RESOLVED" || undefined;
      },
      120_000,
      3_000,
    );
    if (!resolved) return;
    counts.bundlesResolved += 1;
    if (await event("RESULT_RETURNED", { channel: "ONLINE", electronic: true })) counts.electronicResults += 1;
    return;
  }

  await step(0.05);
  const reused = plan.applicant.regular ? await reuseEarlierDocuments(api, plan, code, ["CCCD"]) : [];
  counts.reuses += reused.length;
  // A regular applicant's identity card is scanned once, then reused by their later dossiers.
  const toScan = [...new Set([...plan.digitise, ...(plan.applicant.regular ? ["CCCD"] : [])])].filter((type) => !reused.includes(type));
  for (const type of toScan) if (await digitiseComponent(api, plan, code, type)) counts.components += 1;

  const paid = await payFees(api, gateway, plan, code);
  if (paid.outcome === "PAID_ONLINE") counts.paidOnline += 1;
  if (paid.outcome === "PAID_AT_DESK") counts.paidAtDesk += 1;
  if (paid.declined) counts.declined += 1;

  if (plan.supplement) {
    await step(0.2);
    if (await event("SUPPLEMENT_REQUESTED", { reason: "Bổ sung bản sao giấy tờ còn thiếu" })) counts.supplements += 1;
    await step(0.2);
    await event("SUPPLEMENT_RECEIVED");
  }
  if (plan.pause) {
    await step(0.1);
    if (await event("PAUSED", { reason: "OPINION_REQUEST" })) counts.pauses += 1;
    await step(0.1);
    await event("RESUMED");
  }
  await step(0.3);
  if (plan.fate === "PROCESSING") return;
  if (plan.fate === "WITHDRAWN") {
    await event("WITHDRAWN");
    return;
  }
  const approved = plan.fate === "RESOLVED";
  if (!(await event("RESOLVED", { outcome: approved ? "APPROVED" : "REFUSED" }))) return;
  counts.resolved += 1;
  await step(0.05);
  const electronic = approved && plan.electronicResult && (await issueElectronicResult(api, plan, code));
  if (electronic) counts.electronicResults += 1;
  await event("RESULT_RETURNED", { channel: electronic ? "ONLINE" : plan.returnChannel === "ONLINE" ? "IN_PERSON" : plan.returnChannel, electronic });
  if (plan.rating) {
    await step(0.05);
    await event("EVALUATED", { rating: plan.rating });
  }
}
