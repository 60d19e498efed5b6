/**
 * The gateway simulator as a server of its own, for a person trying the payment service by hand
 * (the demo and the tests start it in-process instead): `pnpm --filter @onestop/payment-gateway sim`.
 * Its defaults are what the payment service expects locally: port 8094 (payment's VNPAY_PAYMENT_URL
 * and VNPAY_MERCHANT_API_URL), the merchant ONESTOP1 with the development secret, and payment's IPN
 * at http://127.0.0.1:8084/gateways/vnpay/ipn. Settings: SIM_PORT, VNPAY_TMN_CODE,
 * VNPAY_HASH_SECRET, SIM_IPN_URL, SIM_DUPLICATE_RATE, SIM_LATE_RATE (0–1), SIM_SEED.
 */
import { DEV_VNPAY_HASH_SECRET, DEV_VNPAY_TMN_CODE, GatewaySimulator, seededRandom } from "./simulator.js";

const rate = (name: string) => {
  const value = Number(process.env[name] ?? 0);
  if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be between 0 and 1`);
  return value;
};

const sim = await new GatewaySimulator({
  tmnCode: process.env.VNPAY_TMN_CODE ?? DEV_VNPAY_TMN_CODE,
  secret: process.env.VNPAY_HASH_SECRET ?? DEV_VNPAY_HASH_SECRET,
  ipnUrl: process.env.SIM_IPN_URL ?? "http://127.0.0.1:8084/gateways/vnpay/ipn",
  port: Number(process.env.SIM_PORT ?? 8094),
  duplicateRate: rate("SIM_DUPLICATE_RATE"),
  lateRate: rate("SIM_LATE_RATE"),
  ...(process.env.SIM_SEED ? { random: seededRandom(Number(process.env.SIM_SEED)) } : {}),
}).start();
console.log(`Cổng thanh toán mô phỏng (VNPAY 2.1.0): ${sim.paymentPageUrl}`);
console.log(`Đối soát: ${sim.url}/merchant/statements/<yyyyMMdd>.csv (signed query)`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void sim.stop().then(() => process.exit(0)));
