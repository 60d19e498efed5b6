/**
 * Keeps the stored tallies of the current and the previous quarter fresh in the background, so
 * a query rarely has to recompute an agency's tally itself: a first query of a large period on
 * FerretDB would otherwise read every record while the caller waits.
 */
import { localDateOf } from "@onestop/calendar";
import { quartersAround, type Period } from "../domain/index.js";
import type { TallyRefresh } from "./period-tallies.js";

export interface TallyRefresherOptions {
  refresh: (period: Period) => Promise<TallyRefresh>;
  intervalMs: number;
  quarterStartDay: number;
  onRefreshed?: (period: Period, refresh: TallyRefresh, ms: number) => void;
  onError: (error: unknown) => void;
  now?: () => Date;
}

export class TallyRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: TallyRefresherOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.refreshOnce()
        .catch(this.options.onError)
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** The quarters refreshed: the current one first, then the previous one (late events land there too). */
  periods(): Period[] {
    return quartersAround(localDateOf((this.options.now?.() ?? new Date()).toISOString()), this.options.quarterStartDay);
  }

  async refreshOnce(): Promise<void> {
    for (const period of this.periods()) {
      const started = performance.now();
      const refresh = await this.options.refresh(period);
      if (refresh.recomputed > 0) this.options.onRefreshed?.(period, refresh, Math.round(performance.now() - started));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
