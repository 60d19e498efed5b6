import type { Logger } from "@onestop/telemetry";
import type { TimerStore } from "../app/ports.js";
import type { Lienthong } from "../app/lienthong.js";

/**
 * Fires the durable timers: every `everyMs`, the bundles whose timer minute has come are looked
 * at (warnings, escalations) and the checkpoint moves on. Stopped or crashed, it resumes from the
 * stored checkpoint, so no timer is skipped; several instances may poll (a tick decided twice is
 * a no-op the second time).
 */
export class TimerPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly timers: TimerStore,
    private readonly app: Lienthong,
    private readonly log: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    const loop = () => {
      this.timer = setTimeout(() => {
        this.running = this.poll().finally(() => {
          this.running = undefined;
          if (!this.stopped) loop();
        });
      }, this.everyMs);
      this.timer.unref();
    };
    loop();
  }

  /** One pass, now (tests and the loop). */
  async poll(): Promise<void> {
    try {
      const due = await this.timers.due(this.app.nowIso());
      for (const id of due.bundleIds) await this.app.tick(id);
      await due.commit();
    } catch (error) {
      this.log.warn("timer pass failed; next pass retries", { error });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
