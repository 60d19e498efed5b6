import { parseSchedule, type OfficialSchedule } from "../schedule.js";
import schedule2024 from "./2024.json" with { type: "json" };
import schedule2025 from "./2025.json" with { type: "json" };
import schedule2026 from "./2026.json" with { type: "json" };

/** The published schedules shipped with this package, validated at load. */
export const OFFICIAL_SCHEDULES: readonly OfficialSchedule[] = [schedule2024, schedule2025, schedule2026].map(parseSchedule);
