import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

const secret = "s".repeat(32);

describe("lienthong's webhook configuration (SECTOR_WEBHOOKS)", () => {
  it("given none, then every sector system is on NATS", () => {
    expect(loadConfig({}).SECTOR_WEBHOOKS).toEqual({});
  });

  it("given a sector system's URL and secret, then it is reached by webhook", () => {
    const config = loadConfig({ SECTOR_WEBHOOKS: JSON.stringify({ "sector-cutru": { url: "https://cutru.example.vn/lienthong", secret } }) });
    expect(config.SECTOR_WEBHOOKS).toEqual({ "sector-cutru": { url: "https://cutru.example.vn/lienthong", secret } });
  });

  it("refuses start-up on bad JSON, an unknown sector system, a short secret or a URL that is not http(s), naming the setting", () => {
    expect(() => loadConfig({ SECTOR_WEBHOOKS: "{sector-cutru" })).toThrow(/SECTOR_WEBHOOKS: must be JSON/);
    expect(() => loadConfig({ SECTOR_WEBHOOKS: JSON.stringify({ "sector-thue": { url: "https://x.vn", secret } }) })).toThrow(/SECTOR_WEBHOOKS/);
    expect(() => loadConfig({ SECTOR_WEBHOOKS: JSON.stringify({ "sector-cutru": { url: "https://x.vn", secret: "short" } }) })).toThrow(/SECTOR_WEBHOOKS\.sector-cutru\.secret/);
    expect(() => loadConfig({ SECTOR_WEBHOOKS: JSON.stringify({ "sector-cutru": { url: "ftp://x.vn", secret } }) })).toThrow(/SECTOR_WEBHOOKS\.sector-cutru\.url/);
  });
});
