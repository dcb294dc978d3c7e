import { describe, expect, it } from "@effect/vitest"
import { SqlError } from "@effect/sql"
import { Chunk, Duration, Effect, Fiber, Layer, Ref, Schedule, TestClock } from "effect"
import { AppConfig } from "../../src/config/AppConfig.js"
import { ConversationClaims } from "../../src/queue/ConversationClaims.js"
import { ConversationLeases } from "../../src/queue/ConversationLeases.js"
import { StreamState } from "../../src/runs/StreamState.js"
import { ConversationStream, DatabaseRetry } from "../../src/queue/ConversationStream.js"
import { PipelineRuns } from "../../src/queue/PipelineRuns.js"
import { WorkerPool } from "../../src/queue/WorkerPool.js"
import { testEnv } from "../support/Db.js"

/**
 * The stream against a database that refuses its first claims, on the TestClock: no database
 * needed, and the backoff's timing is exact.
 */

const unused = (what: string) => () => Effect.dieMessage(`${what} must not be called: nothing was claimed`)

const streamWithClaims = (claimDue: ConversationClaims["claimDue"]) => {
  const doubles = Layer.mergeAll(
    Layer.succeed(ConversationClaims, ConversationClaims.make({ claimDue })),
    Layer.succeed(ConversationLeases, ConversationLeases.make({
      claim: unused("ConversationLeases.claim"),
      heartbeat: unused("ConversationLeases.heartbeat"),
      end: unused("ConversationLeases.end"),
      release: unused("ConversationLeases.release"),
      leaseDuration: Duration.seconds(60)
    })),
    Layer.succeed(PipelineRuns, PipelineRuns.make({
      process: unused("PipelineRuns.process"),
      submit: unused("PipelineRuns.submit"),
      runClaimed: unused("PipelineRuns.runClaimed")
    })),
    StreamState.Default
  )
  return ConversationStream.DefaultWithoutDependencies.pipe(
    Layer.provideMerge(WorkerPool.Default),
    Layer.provideMerge(doubles),
    Layer.provideMerge(AppConfig.Default),
    Layer.provide(testEnv({ STREAM_POLL_INTERVAL: "10 seconds" }))
  )
}

describe("DatabaseRetry", () => {
  it.effect("waits 1 s, then doubles, capped at a minute", () =>
    Effect.gen(function*() {
      const delays = yield* Schedule.run(Schedule.delays(DatabaseRetry), 0, Array.from({ length: 9 }, () => undefined))
      expect(Chunk.toReadonlyArray(delays).map(Duration.toSeconds)).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60])
    }))
})

describe("ConversationStream without its database", () => {
  it.scoped("says stopped and retries with backoff while claims fail, running once they succeed", () =>
    Effect.gen(function*() {
      const calls = yield* Ref.make(0)
      const claimDue: ConversationClaims["claimDue"] = () =>
        Ref.getAndUpdate(calls, (n) => n + 1).pipe(
          Effect.flatMap((n) =>
            n < 3 ? Effect.fail(new SqlError.SqlError({ message: "connection refused", cause: "test" })) : Effect.succeed([])
          )
        )
      yield* Effect.gen(function*() {
        const stream = yield* ConversationStream
        const state = yield* StreamState
        const loop = yield* Effect.fork(stream.run)
        const after = (millis: number) =>
          TestClock.adjust(Duration.millis(millis)).pipe(Effect.zipRight(Effect.all([Ref.get(calls), state.get])))

        expect(yield* after(999)).toEqual([1, "stopped"])
        expect(yield* after(1)).toEqual([2, "stopped"])
        expect(yield* after(1_999)).toEqual([2, "stopped"])
        expect(yield* after(1)).toEqual([3, "stopped"])
        expect(yield* after(3_999)).toEqual([3, "stopped"])
        expect(yield* after(1)).toEqual([4, "running"])
        // Healthy again: back to the poll interval, not the backoff.
        expect(yield* after(9_999)).toEqual([4, "running"])
        expect(yield* after(1)).toEqual([5, "running"])
        yield* Fiber.interrupt(loop)
      }).pipe(Effect.provide(streamWithClaims(claimDue)))
    }))
})
