import { Server, ServerCredentials } from "@grpc/grpc-js";
import { PaymentServiceService } from "@onestop/contracts";
import { GRPC_SERVER_OPTIONS } from "@onestop/service-kit";
import { paymentService, type PaymentGrpcDeps } from "./service.js";

/** Serves PaymentService on host:port without TLS; stop() lets running calls finish, then cuts them after 5 s. */
export async function startPaymentGrpc(deps: PaymentGrpcDeps, port: number, host = "127.0.0.1"): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new Server(GRPC_SERVER_OPTIONS);
  server.addService(PaymentServiceService, paymentService(deps));
  const address = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(address, ServerCredentials.createInsecure(), (error, chosen) => (error ? reject(error) : resolve(chosen))));
  return {
    port: bound,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
