import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, Redacted } from "effect"
import { TaskSecret } from "../../src/config/TaskSecret.js"
import { testEnv } from "../support/Db.js"

/** Builds TaskSecret from `env` and returns it with every line it logged. */
const withLogs = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const logger = Logger.make(({ message }) => lines.push(JSON.stringify(message)))
    const secret = yield* TaskSecret.pipe(
      Effect.provide(
        TaskSecret.Default.pipe(
          Layer.provide(testEnv(env)),
          Layer.provide(Logger.replace(Logger.defaultLogger, logger))
        )
      )
    )
    return { secret, lines }
  })

describe("TaskSecret", () => {
  it.effect("uses TASK_SECRET, never logs it, and compares in constant time", () =>
    Effect.gen(function*() {
      const { secret, lines } = yield* withLogs({ TASK_SECRET: "configured-secret-value" })
      expect(Redacted.value(secret.secret)).toBe("configured-secret-value")
      expect(lines.join("\n")).not.toContain("configured-secret-value")
      expect(yield* secret.verify(Redacted.make("configured-secret-value"))).toBe(true)
      expect(yield* secret.verify(Redacted.make("configured-secret-valuE"))).toBe(false)
      expect(yield* secret.verify(Redacted.make("configured"))).toBe(false)
      expect(yield* secret.verify(Redacted.make(""))).toBe(false)
    }))

  it.effect("without TASK_SECRET, generates a random secret and shows it once in the log", () =>
    Effect.gen(function*() {
      const first = yield* withLogs({})
      const second = yield* withLogs({})
      const generated = Redacted.value(first.secret.secret)
      expect(generated.length).toBeGreaterThanOrEqual(32)
      expect(generated).not.toBe(Redacted.value(second.secret.secret))
      expect(first.lines.filter((line) => line.includes(generated))).toHaveLength(1)
      expect(yield* first.secret.verify(Redacted.make(generated))).toBe(true)
    }))
})
