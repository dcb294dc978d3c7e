import { defineConfig } from "vitest/config"

/**
 * Three projects, each with the pool and isolation its files need (measured; see README "Tests"):
 *
 * - unit: pure code (the game's rules, configuration, the model providers against an in-process
 *   fake server). No database, so no global setup.
 * - db: everything that takes a fresh PostgreSQL database per file (`test/support/Db.ts`).
 * - process: the service spawned as child processes (`test/support/ServiceProcess.ts`).
 *
 * unit and db run in worker threads WITHOUT isolation: a worker imports effect, the platform
 * packages and the service's modules once and keeps them for every file it runs, instead of
 * paying that import (most of the old "collect" time) per file. Each file still builds its own
 * layers and database. `setupEffectVitest.ts` undoes the one piece of global state a file leaves
 * behind (the testers `@effect/vitest`'s `layer()` puts on `it`).
 *
 * process files run in forks (they hold child processes, killed by an exit handler of the fork
 * should a file fail to), concurrently with the threads, because they mostly wait on their
 * children. Not isolated either: a fork imports the test support and effect once for all the
 * files it runs (the summed import time of the eight files went from 28 s to 16 s); what a file
 * starts, it stops in its own scope.
 *
 * Worker counts are fixed (min = max): with fewer minimum than maximum workers tinypool may end
 * an idle thread while vitest still awaits it ("Terminating worker thread"). Three threads on two
 * cores, measured: the db files spend much of their time waiting on PostgreSQL, so a third thread
 * fills the idle time (whole suite 138 s with two, 119 s with three, 133 s with four).
 */

const unit = [
  "test/config.test.ts",
  "test/game/**/*.test.ts",
  "test/model/Formats.test.ts",
  "test/model/RetryPolicy.test.ts",
  "test/model/OfflineProvider.test.ts",
  "test/model/ModelRateLimiter.test.ts",
  "test/model/OpenAiEmbeddings.test.ts",
  "test/model/OpenAiLanguageModel.test.ts",
  "test/http/voiceSignature.test.ts"
]

const processTests = "test/process/**/*.test.ts"

/** Threads for unit and db files; forks for process files. Both pools run at the same time. */
const threads = 3
const forks = 2

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/SummaryReporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    sequence: { concurrent: false },
    setupFiles: ["test/support/setupEffectVitest.ts"],
    // Pool-wide settings are read from the root config, not from the projects.
    poolOptions: {
      threads: { isolate: false, minThreads: threads, maxThreads: threads },
      forks: { isolate: false, minForks: forks, maxForks: forks }
    },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: unit, pool: "threads", isolate: false }
      },
      {
        extends: true,
        test: {
          name: "db",
          include: ["test/**/*.test.ts"],
          exclude: [...unit, processTests],
          pool: "threads",
          isolate: false,
          globalSetup: ["test/support/globalSetup.ts"]
        }
      },
      {
        extends: true,
        test: {
          name: "process",
          include: [processTests],
          pool: "forks",
          isolate: false,
          // A process test mostly waits on its children, and each starts its own: the tests of a
          // file run side by side (startup's three, cli's, shutdown's two).
          sequence: { concurrent: true },
          globalSetup: ["test/support/globalSetup.ts", "test/support/processSetup.ts"]
        }
      }
    ]
  }
})
