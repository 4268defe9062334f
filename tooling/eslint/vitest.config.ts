import { defineConfig } from "vitest/config";

export default defineConfig({
  // Loading each package's config (typescript-eslint, Next's plugin) takes seconds under load.
  test: { include: ["test/**/*.test.ts"], testTimeout: 300_000 },
});
