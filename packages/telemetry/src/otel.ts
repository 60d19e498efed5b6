import { metrics, trace } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { MongoDBInstrumentation } from "@opentelemetry/instrumentation-mongodb";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { MaskingSpanExporter } from "./span-mask.js";

export interface TelemetryOptions {
  serviceName: string;
  /** OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); without it and without `spanExporter`, nothing is exported. */
  otlpEndpoint?: string;
  /** For tests: spans go here, synchronously (e.g. an InMemorySpanExporter). */
  spanExporter?: SpanExporter;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts tracing and metrics and instruments http/express, grpc-js and the MongoDB driver. It must
 * run before those modules are loaded (import "@onestop/telemetry/register" first in main.ts),
 * because the instrumentations patch them as they are required. NATS has no instrumentation
 * package: the bus propagates trace context in message headers itself.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName });
  // Every exporter is wrapped: spans are masked of personal data on their way out (span-mask.ts).
  const spanProcessors: SpanProcessor[] = [];
  if (options.spanExporter) spanProcessors.push(new SimpleSpanProcessor(new MaskingSpanExporter(options.spanExporter)));
  if (options.otlpEndpoint) {
    spanProcessors.push(new BatchSpanProcessor(new MaskingSpanExporter(new OTLPTraceExporter({ url: `${options.otlpEndpoint}/v1/traces` }))));
  }
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors });
  tracerProvider.register();

  const meterProvider = new MeterProvider({
    resource,
    readers: options.otlpEndpoint ? [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${options.otlpEndpoint}/v1/metrics` }) })] : [],
  });
  metrics.setGlobalMeterProvider(meterProvider);

  registerInstrumentations({
    tracerProvider,
    meterProvider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz)/.test(request.url ?? "") }),
      new ExpressInstrumentation(),
      new GrpcInstrumentation(),
      // Filters and documents can hold citizens' ID numbers and names: spans get their shape only.
      new MongoDBInstrumentation({ dbStatementSerializer: (command) => JSON.stringify(statementShape(command)) }),
    ],
  });

  current = {
    shutdown: async () => {
      current = undefined;
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
  return current;
}

let current: Telemetry | undefined;

/** Flushes and stops the telemetry started in this process, if any (a service's last shutdown step). */
export async function shutdownTelemetry(): Promise<void> {
  await current?.shutdown();
}

/** A command with every value replaced by "?": `{ code: "?", fees: ["?"] }`. */
function statementShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [statementShape(value[0])] : [];
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, statementShape(inner)]));
  }
  return "?";
}

/** The active span's ids, for joining log lines with traces. */
export function activeTraceContext(): { traceId: string; spanId: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : undefined;
}
