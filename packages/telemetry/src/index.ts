export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export { maskPersonalData, maskText } from "./mask.js";
export { startTelemetry, shutdownTelemetry, activeTraceContext, type Telemetry, type TelemetryOptions } from "./otel.js";
