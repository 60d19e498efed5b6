import { Server, ServerCredentials } from "@grpc/grpc-js";
import { ReportingServiceService } from "@onestop/contracts";
import { GRPC_SERVER_OPTIONS } from "@onestop/service-kit";
import { reportingService, type ReportingGrpcDeps } from "./service.js";

export type { ReportingGrpcDeps } from "./service.js";
export { fieldErrorsOf } from "./status.js";

export interface RunningGrpcServer {
  /** The bound port (the one chosen by the system when asked for 0). */
  port: number;
  /** Stops accepting calls, lets running ones finish, and cuts them after a grace period. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5_000;

/** Serves ReportingService on `host:port`, without TLS. */
export async function startReportingGrpc(deps: ReportingGrpcDeps, port: number, host = "127.0.0.1"): Promise<RunningGrpcServer> {
  const server = new Server(GRPC_SERVER_OPTIONS);
  server.addService(ReportingServiceService, reportingService(deps));
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (error, chosen) => (error ? reject(error) : resolve(chosen))));
  return { port: bound, stop: () => shutdown(server, SHUTDOWN_GRACE_MS) };
}

function shutdown(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}
