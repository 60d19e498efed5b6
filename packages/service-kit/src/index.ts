export { baseConfigSchema, readConfig, redactUrl, ConfigError, type BaseConfig } from "./config.js";
export { connectNats, connectStore } from "./connections.js";
export { healthRouter, natsCheck, storeCheck, type ReadinessCheck } from "./health.js";
export { startService, runMain, type ServiceContext, type ServiceSpec, type RunningService } from "./service.js";
