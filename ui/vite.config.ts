/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { readFile } from "node:fs/promises";

const ASSIGNMENT = "prototype.constructor = constructor;";
const DEFINITION = 'Object.defineProperty(prototype, "constructor", { value: constructor, writable: true, configurable: true, enumerable: false });';

/**
 * The window runs with Object.prototype frozen (tauri.conf.json → security.freezePrototype).
 * d3-color (through @xyflow/react, and vendored in Cloudscape's charts) sets `constructor` on
 * plain objects by assignment, which a frozen Object.prototype forbids (the "override
 * mistake"); define the property instead, as its authors intend.
 */
function frozenPrototypeSafe(): Plugin {
  return {
    name: "frozen-prototype-safe",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("node_modules") || !code.includes(ASSIGNMENT)) return null;
      return { code: code.split(ASSIGNMENT).join(DEFINITION), map: null };
    },
  };
}

// The UI is bundled into the app (tauri.conf.json → build.frontendDist = ui/dist); no remote content.
export default defineConfig({
  plugins: [frozenPrototypeSafe(), react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  // The dev server pre-bundles dependencies with esbuild, past the plugin above: same fix there.
  optimizeDeps: {
    esbuildOptions: {
      plugins: [
        {
          name: "frozen-prototype-safe",
          setup(build) {
            build.onLoad({ filter: /(d3-color|d3-scale)[^/]*\.m?js$/ }, async (args) => {
              const code = await readFile(args.path, "utf8");
              return { contents: code.split(ASSIGNMENT).join(DEFINITION), loader: "js" };
            });
          },
        },
      ],
    },
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 4000, target: "es2021" },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    testTimeout: 20000,
  },
});
