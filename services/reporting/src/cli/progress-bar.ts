import type { RebuildProgress } from "../app/rebuild.js";
import { formatCount } from "../domain/index.js";

/** One line for a terminal: `[#####.....]  48% 471.000/974.118 events, catching-up`. */
export function progressLine(progress: Pick<RebuildProgress, "state" | "replayed" | "total">, width = 30): string {
  const fraction = progress.total > 0 ? Math.min(progress.replayed / progress.total, 1) : 0;
  const filled = Math.round(fraction * width);
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const count = formatCount;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent} ${count(progress.replayed)}/${count(progress.total)} events, ${progress.state}`;
}
