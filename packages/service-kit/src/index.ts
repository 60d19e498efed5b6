export { baseConfigSchema, readConfig, redactUrl, ConfigError, type BaseConfig } from "./config.js";
export { connectNats, connectStore } from "./connections.js";
export { healthRouter, natsCheck, storeCheck, type ReadinessCheck } from "./health.js";
export { startService, runMain, type ServiceContext, type ServiceSpec, type RunningService } from "./service.js";
export { loadShedding, overloadedProblem } from "./overload.js";
export { GRPC_SERVER_OPTIONS, REQUEST_LIMITS, answerClientErrors, notFoundProblem, requestLimits } from "./http-limits.js";
export {
  RateLimitedError,
  RateLimiter,
  RETRY_AFTER_KEY,
  authenticateCallLimited,
  authenticateLimited,
  peerAddress,
  rateLimitProblem,
  sendRateLimited,
  takeToken,
  type Bucket,
  type Rate,
  type RateLimits,
} from "./rate-limit.js";
