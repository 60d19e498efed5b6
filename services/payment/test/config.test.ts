/** The payment service's defaults meet the simulator's: a local run needs no VNPAY_* setting. */
import { describe, expect, it } from "vitest";
import { DEV_VNPAY_HASH_SECRET as SIM_SECRET, DEV_VNPAY_TMN_CODE } from "@onestop/payment-gateway/sim";
import { DEV_VNPAY_HASH_SECRET, loadConfig } from "../src/config.js";

describe("configuration", () => {
  it("given no VNPAY_* setting, then the simulator's merchant and secret on port 8094; in production the development secret is refused naming it", () => {
    expect(DEV_VNPAY_HASH_SECRET).toBe(SIM_SECRET);
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) if (key.startsWith("VNPAY_") || key === "NODE_ENV" || key === "PAYMENT_RECEIPTS_SINCE") delete process.env[key];
      const config = loadConfig();
      expect(config).toMatchObject({ VNPAY_TMN_CODE: DEV_VNPAY_TMN_CODE, VNPAY_HASH_SECRET: SIM_SECRET, VNPAY_PAYMENT_URL: "http://127.0.0.1:8094/paymentv2/vpcpay.html", HTTP_PORT: 8084 });
      process.env.NODE_ENV = "production";
      expect(() => loadConfig()).toThrow(/VNPAY_HASH_SECRET/);
      process.env.NODE_ENV = "test";
      process.env.PAYMENT_RECEIPTS_SINCE = "1/10/2025";
      expect(() => loadConfig()).toThrow(/PAYMENT_RECEIPTS_SINCE/);
    } finally {
      process.env = saved;
    }
  });
});
