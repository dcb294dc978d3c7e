import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, TestClock } from "effect"
import { AppConfig, appConfig } from "../../src/config/AppConfig.js"
import { AuthThrottle } from "../../src/http/AuthThrottle.js"

/** The per-address budget of failed bearer attempts, on the TestClock. */

describe("AuthThrottle", () => {
  const config = appConfig.pipe(
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["AUTH_FAILURES_PER_MINUTE", "6"]]))),
    Effect.map((settings) => AppConfig.make(settings))
  )
  const sixPerMinute = AuthThrottle.pipe(Effect.provide(AuthThrottle.DefaultWithoutDependencies), Effect.provide(Layer.effect(AppConfig, config)))

  it.effect("refills at the configured rate per address, and other addresses are not affected", () =>
    Effect.gen(function*() {
      const auth = yield* sixPerMinute
      for (let i = 0; i < 6; i++) yield* auth.recordFailure("10.0.0.1")
      expect(yield* auth.waitFor("10.0.0.1")).toBe(10)
      expect(yield* auth.waitFor("10.0.0.2")).toBe(0)
      yield* TestClock.adjust("10 seconds")
      expect(yield* auth.waitFor("10.0.0.1")).toBe(0)
      yield* auth.recordFailure("10.0.0.1")
      expect(yield* auth.waitFor("10.0.0.1")).toBeGreaterThan(0)
    }))
})
