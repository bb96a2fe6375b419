import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Kernel and browser suites start real processes; keep the 2-core machine from thrashing.
    fileParallelism: false,
  },
});
