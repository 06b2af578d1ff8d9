import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration suites start servers (emulator, Azurite); keep parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
