// Import first in a service's main.ts: starts telemetry from the environment before express,
// grpc-js and the MongoDB driver are loaded, so that they are instrumented.
// The service kit flushes it at shutdown (shutdownTelemetry).
//   OTEL_SERVICE_NAME (default: the working folder's name), OTEL_EXPORTER_OTLP_ENDPOINT (optional).
import { basename } from "node:path";
import { startTelemetry } from "./otel.js";

startTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME || basename(process.cwd()),
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
});
