export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export { isPersonalKey, maskErrorText, maskPersonalData, maskText } from "./mask.js";
export { MaskingSpanExporter, maskSpan } from "./span-mask.js";
export { startTelemetry, shutdownTelemetry, activeTraceContext, type Telemetry, type TelemetryOptions } from "./otel.js";
