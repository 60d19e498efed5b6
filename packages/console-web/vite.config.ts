import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Workspace packages are read from their TypeScript source (the "onestop:source" export condition).
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["onestop:source", "module", "browser", "development|production"] },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 2_000 },
});
