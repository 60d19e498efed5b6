/**
 * Serves the web UI built by Vite (packages/console-web, `pnpm build`): its assets as files, and
 * index.html for each of the UI's pages, which the browser app then draws.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import express, { Router } from "express";

/** The UI's pages (React routes); any other path is not the UI's. */
export const UI_PAGES = [/^\/$/, /^\/ho-so-cham-muon$/, /^\/bao-cao-quy$/, /^\/ho-so\/[^/]+$/, /^\/ho-so\/[^/]+\/phieu-xin-loi$/];

/** packages/console-web/dist, found through the workspace package. */
export function defaultWebDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("@onestop/console-web/package.json")), "dist");
}

export function webRouter(dir: string): Router {
  const router = Router();
  const index = join(dir, "index.html");
  router.use("/assets", express.static(join(dir, "assets"), { index: false, immutable: true, maxAge: "365d", fallthrough: false }));
  router.get(UI_PAGES, (_req, res) => {
    if (!existsSync(index)) {
      res.status(503).type("text/plain; charset=utf-8").send("Giao diện bảng điều hành chưa được dựng: chạy `pnpm build` (packages/console-web).");
      return;
    }
    res.set("Cache-Control", "no-store").type("html").send(readFileSync(index));
  });
  return router;
}
