import { defineConfig } from "vitest/config"

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

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/SummaryReporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    sequence: { concurrent: false },
    setupFiles: ["test/support/setupEffectVitest.ts"],
    poolOptions: { threads: { isolate: false }, forks: { isolate: true } },
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
          exclude: [...unit, "test/process/**"],
          pool: "forks",
          globalSetup: ["test/support/globalSetup.ts"]
        }
      },
      {
        extends: true,
        test: {
          name: "process",
          include: ["test/process/**/*.test.ts"],
          pool: "forks",
          globalSetup: ["test/support/globalSetup.ts"]
        }
      }
    ]
  }
})
