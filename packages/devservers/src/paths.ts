import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The workspace root: the nearest folder above this file holding pnpm-workspace.yaml. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "pnpm-workspace.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the workspace root (pnpm-workspace.yaml)");
    dir = parent;
  }
  return dir;
}

/**
 * Where a server binary lives: ONESTOP_BIN_DIR, else the project's .local/bin from infra/install.sh.
 * `ferretdb` is the patched build, `ferretdb-stock` the unpatched release (infra/ferretdb);
 * `versitygw` the S3-compatible object store (Versity Gateway).
 */
export function serverBinary(name: "nats-server" | "ferretdb" | "ferretdb-stock" | "versitygw"): string {
  const path = join(process.env.ONESTOP_BIN_DIR ?? join(repoRoot(), ".local", "bin"), name);
  if (!existsSync(path)) {
    throw new Error(`${name} is not installed at ${path}: run \`bash infra/install.sh\` first`);
  }
  return path;
}
