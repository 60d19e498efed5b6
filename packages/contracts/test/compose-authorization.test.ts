import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const committed = fileURLToPath(new URL("../../../infra/compose/nats/authorization.conf", import.meta.url));

describe("the compose cluster's NATS users", () => {
  it("are the operator command's output: regenerate with pnpm --filter @onestop/contracts nats-permissions > infra/compose/nats/authorization.conf", () => {
    const printed = execFileSync(process.execPath, ["--import", "tsx", "scripts/nats-permissions.ts"], { cwd: packageDir, env: { ...process.env, REPORTING_CONSUMER: "" } }).toString();
    expect(readFileSync(committed, "utf8")).toBe(printed);
  });
});
