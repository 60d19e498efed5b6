import { maskPersonalData, maskText } from "./mask.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  /** Returns the current trace and span ids, if any, to join logs with traces. */
  traceContext?: () => { traceId: string; spanId: string } | undefined;
}

/**
 * JSON-lines logger. Masking is structural: the message and every field, bound or given, pass
 * through the personal-data mask (mask.ts) whatever the call site, at every level, debug included.
 */
export function createLogger(options: LoggerOptions, bound: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log =
    (level: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (LEVELS[level] < threshold) return;
      const trace = options.traceContext?.();
      const record = {
        time: new Date().toISOString(),
        level,
        service: options.service,
        msg: maskText(message),
        ...(trace ? { trace_id: trace.traceId, span_id: trace.spanId } : {}),
        ...(maskPersonalData({ ...bound, ...fields }) as Record<string, unknown>),
      };
      write(JSON.stringify(record));
    };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}
