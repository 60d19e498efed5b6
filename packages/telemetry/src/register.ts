// Import first in a service's main.ts: starts telemetry from the environment before express,
// grpc-js and the MongoDB driver are loaded, so that they are instrumented. Without
// OTEL_EXPORTER_OTLP_ENDPOINT nothing would be exported, so the SDK is not started at all and
// the services pay nothing for tracing. The service kit flushes it at shutdown (shutdownTelemetry).
//   OTEL_SERVICE_NAME (default: the working folder's name), OTEL_EXPORTER_OTLP_ENDPOINT.
import { basename } from "node:path";
import { startTelemetry } from "./otel.js";

const otlpEndpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
if (otlpEndpoint) {
  startTelemetry({ serviceName: process.env.OTEL_SERVICE_NAME || basename(process.cwd()), otlpEndpoint });
}
