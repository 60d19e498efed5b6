export { createLogger, type Logger, type LoggerOptions, type LogLevel } from "./logger.js";
export { maskPersonalData, maskText } from "./mask.js";
