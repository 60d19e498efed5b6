/**
 * The benchmark's floor: a bare node:http handler that only verifies an IPN's VNPAY signature
 * (HMAC-SHA512 over the sorted, encoded vnp_* parameters, as the payment service does first) and
 * answers 00 or 97. No store, no bus, no audit. Run as its own process, like the service, so both
 * sides get a core of their own: `BARE_SECRET=… node --import tsx bench/bare-ipn-server.ts`
 * prints `listening <port>` on stdout.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ipnAnswer, verifySignature } from "@onestop/payment-gateway";

const secret = process.env.BARE_SECRET;
if (!secret) throw new Error("BARE_SECRET is required");

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  if (req.method !== "GET" || url.pathname !== "/gateways/vnpay/ipn") {
    res.writeHead(404).end();
    return;
  }
  const answer = ipnAnswer(verifySignature(Object.fromEntries(url.searchParams), secret) ? "00" : "97");
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
});
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.close(() => process.exit(0)));
