export {
  addDays,
  atLocalTime,
  dayOfWeek,
  daysBetween,
  endOfDayMs,
  formatInstant,
  InvalidDateError,
  localDate,
  localDateOf,
  localTimeOfDayMs,
  toEpochMs,
  VIETNAM_UTC_OFFSET_HOURS,
  type Instant,
  type LocalDate,
} from "./dates.js";
export { lunarToSolar, NoSuchLunarDateError, solarToLunar, VIETNAM_TIME_ZONE, type LunarDate } from "./lunar.js";
export {
  InvalidScheduleError,
  parseSchedule,
  type NonWorkingDay,
  type NonWorkingKind,
  type OfficialSchedule,
  type ScheduleSource,
} from "./schedule.js";
export { OFFICIAL_SCHEDULES } from "./schedules/index.js";
export { computedDaysOff, HOLIDAY_NAMES } from "./default-holidays.js";
export { defaultCalendar, WorkingCalendar, type WorkingCalendarOptions, type YearSource } from "./calendar.js";
export { DECREE_118_2025, DECREE_61_2018, RULE_SETS, ruleSetFor, type DeadlineRuleSet, type RuleSetId } from "./rules.js";
export {
  checkTimeline,
  computeDueAt,
  DeadlineError,
  supplementRequestDeadline,
  type ClockStatus,
  type DeadlineErrorCode,
  type DossierClock,
  type Extension,
  type LegalDeadline,
  type Pause,
  type PauseReason,
  type SupplementRequest,
  type TimeLimit,
  type TimeLimitUnit,
} from "./deadline.js";
export {
  classifyResolution,
  indicatorVerdict,
  legalVerdict,
  type IndicatorVerdictResult,
  type ResolvedDossier,
  type Verdict,
  type VerdictResult,
} from "./verdict.js";
export {
  agenciesHeld,
  agencyAt,
  foldClock,
  foldClockEvents,
  LEAVES_PROCESSING,
  leftProcessingAt,
  openPause,
  startClock,
  type ClockAnomaly,
  type ClockEvent,
  type ClockEventType,
  type ClockRule,
  type ClockState,
  type EndKind,
  type ResolutionOutcome,
  type Transfer,
} from "./clock-fold.js";
export { addWorkingHours, DEFAULT_OFFICE_SESSIONS, workingMsBetween, type OfficeSession } from "./working-hours.js";
