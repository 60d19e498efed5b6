// The committed generated files must be what the sources produce: src/gen from proto/ (buf +
// ts-proto), proto/asyncapi.yaml from the catalogue, and src/proto.ts must re-export every file.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderAsyncApi } from "../src/asyncapi.js";

const packageDir = join(import.meta.dirname, "..");
const protoDir = join(packageDir, "../../proto");
const genDir = join(packageDir, "src/gen");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe("generated code", () => {
  const outDir = mkdtempSync(join(tmpdir(), "contracts-gen-"));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it("src/gen is what buf generate produces from proto/", { timeout: 60_000 }, () => {
    execFileSync(join(packageDir, "node_modules/.bin/buf"), ["generate", protoDir, "--template", join(protoDir, "buf.gen.yaml"), "--output", outDir], { cwd: packageDir, stdio: "pipe" });
    const freshDir = join(outDir, "src/gen");
    const files = filesUnder(freshDir);
    expect(filesUnder(genDir)).toEqual(files);
    for (const file of files) {
      expect(readFileSync(join(genDir, file), "utf8"), `${file}: run pnpm generate`).toBe(readFileSync(join(freshDir, file), "utf8"));
    }
  });

  it("src/proto.ts re-exports every generated onestop file", () => {
    const index = readFileSync(join(packageDir, "src/proto.ts"), "utf8");
    const listed = [...index.matchAll(/^export \* from "\.\/gen\/(.+)\.js";$/gm)].map((m) => `${m[1]}.ts`).sort();
    expect(listed).toEqual(filesUnder(genDir).filter((file) => file.startsWith("onestop/")));
  });

  it("proto/asyncapi.yaml is rendered from the catalogue", () => {
    expect(readFileSync(join(protoDir, "asyncapi.yaml"), "utf8"), "run pnpm asyncapi").toBe(renderAsyncApi());
  });
});
