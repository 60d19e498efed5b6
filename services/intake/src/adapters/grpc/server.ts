import { Server, ServerCredentials } from "@grpc/grpc-js";
import { IntakeServiceService } from "@onestop/contracts";
import { GRPC_SERVER_OPTIONS } from "@onestop/service-kit";
import { intakeService, type IntakeGrpcDeps } from "./service.js";

export type { IntakeGrpcDeps } from "./service.js";
export { FIELD_ERRORS_KEY, RULE_KEY, fieldErrorsOf, ruleOf } from "./status.js";

export interface RunningGrpcServer {
  /** The bound port (the one chosen by the system when asked for 0). */
  port: number;
  /** Stops accepting calls, lets running ones finish, and cuts them after a grace period. */
  stop(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 5_000;

/** Serves IntakeService on `host:port`, without TLS. */
export async function startIntakeGrpc(deps: IntakeGrpcDeps, port: number, host = "127.0.0.1"): Promise<RunningGrpcServer> {
  // Requests above the REST body limit are refused by grpc-js (RESOURCE_EXHAUSTED) before they are decoded.
  const server = new Server(GRPC_SERVER_OPTIONS);
  server.addService(IntakeServiceService, intakeService(deps));
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
