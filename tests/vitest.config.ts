import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Lives in tests/ because the top level holds only the agreed entries; root is the workspace.
// One vitest run for the whole workspace, so the real servers start once (packages/testkit/src/global-setup.ts)
// and every test file gets its own database and stream names (packages/testkit).
export default defineConfig({
  root: fileURLToPath(new URL("..", import.meta.url)),
  resolve: { conditions: ["onestop:source"] },
  ssr: { resolve: { conditions: ["onestop:source"] } },
  test: {
    include: ["{packages,services}/*/test/**/*.test.ts", "tests/**/*.test.ts"],
    globalSetup: ["./packages/testkit/src/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
