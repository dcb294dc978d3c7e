import { defineConfig } from "vitest/config"

/**
 * `npm run test:faults`: real processes and real faults (SIGKILL storms, a PostgreSQL restart,
 * model storms, SIGTERM with runs in flight, hostile input on every endpoint), one file at a time
 * since each case loads the machine on its own. Not part of `npm test`; `.ci/run` runs it after.
 */
export default defineConfig({
  test: {
    include: ["test/faults/**/*.fault.ts"],
    globalSetup: ["test/support/globalSetup.ts", "test/support/processSetup.ts"],
    reporters: ["default"],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: "forks",
    fileParallelism: false,
    sequence: { concurrent: false }
  }
})
