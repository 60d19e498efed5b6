import "@onestop/telemetry/register";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { AuditTrail, MongoAuditLog } from "@onestop/audit";
import { Jurisdiction } from "@onestop/auth";
import { ensureStreams } from "@onestop/bus";
import { loadSeedAgencyRegistry, loadSeedCatalogue } from "@onestop/catalogue";
import { STREAMS } from "@onestop/contracts";
import { authenticateLimited, runMain, startService } from "@onestop/service-kit";
import { GuardedPayments } from "./app/guarded.js";
import { Payments } from "./app/payments.js";
import type { PaymentGateway } from "./app/ports.js";
import { OutboxRelay } from "./adapters/bus/outbox-relay.js";
import { startReceiptsConsumer } from "./adapters/bus/receipts-consumer.js";
import { VnpayGateway } from "./adapters/gateway/vnpay-gateway.js";
import { startPaymentGrpc } from "./adapters/grpc/server.js";
import { problemHandler } from "./adapters/http/problems.js";
import { gatewayRouter, paymentsRouter } from "./adapters/http/router.js";
import { PaymentStore } from "./adapters/store/payment-store.js";
import { parseFeeRules } from "./domain/fees.js";
import type { PaymentChannel } from "./domain/payment.js";
import { loadConfig } from "./config.js";

runMain(async () => {
  const config = loadConfig();
  const dir = config.CATALOGUE_DIR ? pathToFileURL(config.CATALOGUE_DIR.endsWith("/") ? config.CATALOGUE_DIR : `${config.CATALOGUE_DIR}/`) : undefined;
  const catalogue = loadSeedCatalogue(dir);
  if (!catalogue.ok) throw new Error(`catalogue invalid: ${catalogue.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  const registry = loadSeedAgencyRegistry(dir);
  if (!registry.ok) throw new Error(`agency registry invalid: ${registry.errors.map((e) => JSON.stringify(e)).join("; ")}`);
  const rules = parseFeeRules(JSON.parse(readFileSync(config.FEE_RULES_FILE ?? new URL("../data/fee-rules.json", import.meta.url), "utf8")));
  return startService({
    name: "payment",
    config,
    defaultDb: "onestop_payment",
    wire: async ({ app, nats, store, log, verifier, limiter, onShutdown }) => {
      const js = jetstream(nats);
      const jsm = await jetstreamManager(nats);
      await ensureStreams(
        jsm,
        [STREAMS.DOSSIER, STREAMS.PAYMENT, STREAMS.DLQ].map((s) => ({ name: s.name, subjects: [...s.subjects] })),
        config.NATS_STREAM_REPLICAS,
      );
      const db = store.db!;
      const paymentStore = new PaymentStore(db);
      const relay = new OutboxRelay(paymentStore, js, log, config.OUTBOX_SWEEP_MS);
      const vnpay = new VnpayGateway({
        tmnCode: config.VNPAY_TMN_CODE,
        hashSecret: config.VNPAY_HASH_SECRET,
        paymentPageUrl: config.VNPAY_PAYMENT_URL,
        merchantApiUrl: config.VNPAY_MERCHANT_API_URL,
        returnUrl: `${config.PAYMENT_PUBLIC_URL}/gateways/vnpay/return`,
      });
      const gateways = new Map<PaymentChannel, PaymentGateway>([[vnpay.channel, vnpay]]);
      const payments = new Payments({
        store: paymentStore,
        rules,
        catalogueFees: (code) => catalogue.value.procedure(code)?.fees,
        gateways,
        kick: (collection, id) => relay.kick(collection, id),
        orderTtlMs: config.ORDER_TTL_SECONDS * 1000,
      });
      await relay.start();
      onShutdown(() => relay.stop());
      const consumer = await startReceiptsConsumer({ nats, js, jsm, db, payments, durable: config.PAYMENT_CONSUMER, since: config.PAYMENT_RECEIPTS_SINCE, log });
      onShutdown(() => consumer.stop());
      const expiry = setInterval(() => void payments.expireDue().catch((error: unknown) => log.warn("expiring orders failed; trying again", { error })), config.EXPIRY_SWEEP_MS);
      expiry.unref();
      onShutdown(() => clearInterval(expiry));
      const jurisdiction = new Jurisdiction(registry.value);
      const audit = new AuditTrail(await MongoAuditLog.open(db));
      const byName = new Map([[vnpay.name, vnpay as PaymentGateway]]);
      const guarded = new GuardedPayments(payments, jurisdiction, audit, byName);
      const deps = { payments, guarded, audit, gateways: byName, log };
      if (config.GRPC_PORT !== undefined) {
        const grpc = await startPaymentGrpc({ ...deps, verifier, limiter }, config.GRPC_PORT, config.HTTP_HOST);
        log.info("gRPC listening", { port: grpc.port });
        onShutdown(() => grpc.stop());
      }
      app.set("trust proxy", false);
      app.use(gatewayRouter(deps));
      app.use("/v1", authenticateLimited(verifier, limiter));
      app.use(paymentsRouter(deps));
      app.use(problemHandler(log));
    },
  });
});
