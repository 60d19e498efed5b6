// The demo's living province: a new dossier every 1/rate seconds, each playing its story while
// the next ones arrive, with a progress line in Vietnamese and the moment the Decision 766 items
// first show online payment, digitisation and reuse. Slots are aligned on the clock, so a slot
// always files the same dossier (see plan.ts): a demo restarted the same day repeats nothing.
import type { GatewaySimulator } from "@onestop/payment-gateway/sim";
import type { Api } from "./api.js";
import { vi } from "./people.js";
import { planDossier, type Catalogue } from "./plan.js";
import { emptyCounts, playStory, type TrafficCounts } from "./story.js";

export interface TrafficOptions {
  api: Api;
  gateway: GatewaySimulator;
  catalogue: Catalogue;
  /** New dossiers per second. */
  ratePerSecond: number;
  reportingUrl: string;
  /** The quarter the console shows, e.g. 2026-Q4. */
  quarter: string;
  /** When the demo was started (ms): the 766 figures are timed from it. */
  startedAt: number;
}

export interface Traffic {
  counts: TrafficCounts;
  /** Prints a progress line now and every `everyMs` (started once the one-off load has printed its own). */
  showProgress(everyMs?: number): void;
  stop(): Promise<void>;
}

/** Stories under way at most: beyond it a slot is skipped, so that slow services are not flooded. */
const MAX_IN_FLIGHT = 400;

/** Reads DEMO_TRAFFIC_RATE: new dossiers per second, 0 turns the live traffic off. */
export function trafficRateFromEnv(env: Record<string, string | undefined>): number {
  const raw = env.DEMO_TRAFFIC_RATE;
  if (raw === undefined || raw === "") return 2;
  const rate = Number(raw);
  if (!Number.isFinite(rate) || rate < 0 || rate > 50) throw new Error(`DEMO_TRAFFIC_RATE must be a number of dossiers per second from 0 to 50, got "${raw}"`);
  return rate;
}

export function startTraffic(options: TrafficOptions): Traffic {
  const counts = emptyCounts();
  const inFlight = new Set<Promise<void>>();
  const periodMs = Math.max(20, Math.round(1_000 / options.ratePerSecond));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let skipped = 0;

  const fileNext = () => {
    if (stopped) return;
    const slot = Math.ceil(Date.now() / periodMs) * periodMs;
    timer = setTimeout(
      () => {
        const plan = planDossier(slot, options.catalogue);
        if (plan && inFlight.size < MAX_IN_FLIGHT) {
          const story = playStory(plan, { api: options.api, gateway: options.gateway, counts }).catch(() => {
            counts.failures += 1;
          });
          inFlight.add(story);
          void story.finally(() => inFlight.delete(story));
        } else if (plan) skipped += 1;
        fileNext();
      },
      slot - Date.now() + 1,
    );
  };
  fileNext();

  const watcher = watchIndicators(options);
  let progress: NodeJS.Timeout | undefined;
  const printProgress = () => {
    const c = counts;
    const time = new Date().toLocaleTimeString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh" });
    const trouble = c.refused + c.failures + skipped > 0 ? `; ${vi(c.refused)} bị từ chối, ${vi(c.failures)} lỗi, ${vi(skipped)} bỏ qua` : "";
    console.log(
      [
        `  [${time}] Hồ sơ mới: ${vi(c.filed)} (trực tuyến ${vi(c.online)}, trực tiếp ${vi(c.inPerson)}, bưu chính ${vi(c.postal)}), ${vi(c.late)} nhập muộn quá hạn, ${vi(c.supplements)} yêu cầu bổ sung, ${vi(c.pauses)} tạm dừng, ${vi(c.resolved)} đã giải quyết, ${vi(inFlight.size)} đang xử lý${trouble}`,
        `    Liên thông: ${vi(c.birthBundles)} khai sinh, ${vi(c.deathBundles)} khai tử (${vi(c.bundlesResolved)} đã xong) · Thanh toán: ${vi(c.paidOnline)} trực tuyến, ${vi(c.paidAtDesk)} tại quầy/chuyển khoản · Số hóa: ${vi(c.components)} thành phần, ${vi(c.electronicResults)} kết quả điện tử, ${vi(c.reuses)} tái sử dụng`,
        ...watcher.lines(),
      ].join("\n"),
    );
  };

  return {
    counts,
    showProgress: (everyMs = 30_000) => {
      printProgress();
      progress = setInterval(printProgress, everyMs);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(progress);
      watcher.stop();
      // Stories under way end at their next call once the services are gone: not awaited.
    },
  };
}

interface IndicatorItem {
  code: string;
  measure?: { numerator: number; denominator: number; rate: number | null };
}

/** The 766 items the live traffic feeds beyond intake's events. */
const WATCHED = [
  ["dossiersPaidOnline", "thanh toán trực tuyến"],
  ["digitisedWithEResult", "số hóa và kết quả điện tử"],
  ["dataReuse", "tái sử dụng"],
] as const;

const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? "–" : `${(rate * 100).toLocaleString("vi-VN", { maximumFractionDigits: 1 })}%`);

/** Polls reporting's 766 items (as the service account) and notes when every watched item has first left zero. */
function watchIndicators({ api, reportingUrl, quarter, startedAt }: TrafficOptions): { lines(): string[]; stop(): void } {
  let latest: IndicatorItem[] = [];
  let liveAfterSeconds: number | undefined;
  let told = false;
  const rateOf = (code: string) => latest.find((item) => item.code === code)?.measure;
  const check = async () => {
    const answer = await api.get<{ items?: IndicatorItem[] }>(`${reportingUrl}/v1/reports/indicators-766?period=${quarter}`);
    if (answer.status !== 200 || !answer.body.items) return;
    latest = answer.body.items;
    if (liveAfterSeconds === undefined && WATCHED.every(([code]) => (rateOf(code)?.numerator ?? 0) > 0)) liveAfterSeconds = Math.round((Date.now() - startedAt) / 1_000);
  };
  const timer = setInterval(() => void check().catch(() => undefined), 5_000);
  return {
    lines: () => {
      const lines = [
        ...(latest.length === 0 ? [] : [`    Chỉ số 766 quý ${quarter}: ${WATCHED.map(([code, label]) => `${label} ${percent(rateOf(code)?.rate)}`).join(", ")}`]),
        ...(liveAfterSeconds === undefined || told ? [] : [`    Cả ba nhóm đã có số liệu ${vi(liveAfterSeconds)} giây sau khi khởi động.`]),
      ];
      told ||= liveAfterSeconds !== undefined;
      return lines;
    },
    stop: () => clearInterval(timer),
  };
}

/** Procedures and the agencies valid today, as intake lists them. */
export async function readCatalogue(api: Api, today: string): Promise<Catalogue> {
  const procedures = await api.get<Catalogue["procedures"]>(`${api.urls.intake}/v1/procedures`);
  const agencies = await api.get<Catalogue["agencies"]>(`${api.urls.intake}/v1/agencies?at=${today}`);
  if (procedures.status !== 200 || agencies.status !== 200) throw new Error(`intake's catalogue answered ${procedures.status} / ${agencies.status}`);
  return { procedures: procedures.body, agencies: agencies.body };
}
