import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { delay, hang, modelGate } from "../support/ModelGate.js"
import { startService } from "../support/ServiceProcess.js"
import {
  conversations,
  databaseAt,
  executions,
  fakeOpenAi,
  heldLeases,
  instanceEnv,
  oneWarmLine,
  playerWithConversation
} from "./support.js"

/**
 * SIGTERM (a deploy, a scale-down) while the stream has runs in flight: the service stops
 * claiming, lets its runs finish within SHUTDOWN_GRACE, puts the rest back in the queue, and
 * exits 0 — leaving no lease behind for another instance to wait out.
 */

const players = 3

/** Starts an instance, gives it `players` conversations and waits until all are inside their extraction call. */
const instanceWithRunsInFlight = (env: Record<string, string>, extraction: "slow" | "hanging") =>
  Effect.gen(function*() {
    const url = yield* freshDatabaseUrl
    const db = yield* databaseAt(url)
    const fake = yield* fakeOpenAi
    const gate = yield* modelGate(fake.url)
    yield* gate.set("extraction", extraction === "slow" ? delay("4 seconds") : hang)
    const service = yield* startService("instance", instanceEnv(url, gate, env))
    const created = yield* Effect.forEach(Array.from({ length: players }), () => playerWithConversation(service, oneWarmLine))

    yield* gate.awaitArrivals("extraction", players)
    const inFlight = yield* Effect.provide(conversations, db)
    expect(inFlight.map((c) => c.status)).toEqual(Array(players).fill("processing"))
    return { service, db, created }
  })

describe.skipIf(!postgresAvailable)("SIGTERM with runs in flight", () => {
  it.scopedLive("lets the runs finish within SHUTDOWN_GRACE, exits 0 and leaves no lease held", () =>
    Effect.gen(function*() {
      const { db, service } = yield* instanceWithRunsInFlight({ SHUTDOWN_GRACE: "20 seconds" }, "slow")

      const exit = yield* service.stop("SIGTERM")

      expect(exit).toEqual({ code: 0, signal: null })
      const after = yield* Effect.provide(conversations, db)
      expect(after.map((c) => [c.status, c.processing_attempts])).toEqual(Array(players).fill(["processed", 1]))
      expect(yield* Effect.provide(heldLeases, db)).toEqual({ conversations: 0, players: 0 })
      const runs = yield* Effect.provide(executions, db)
      expect(runs).toHaveLength(players)
      for (const run of runs) expect(["success", "partial_success"]).toContain(run.status)
      expect(yield* service.stderr).not.toMatch(/^\s+at /m)
    }), 60_000)

  it.scopedLive("past SHUTDOWN_GRACE puts the runs back in the queue uncounted, exits 0 and leaves no lease held", () =>
    Effect.gen(function*() {
      const { db, service } = yield* instanceWithRunsInFlight({ SHUTDOWN_GRACE: "1 second" }, "hanging")

      const exit = yield* service.stop("SIGTERM")

      expect(exit).toEqual({ code: 0, signal: null })
      const after = yield* Effect.provide(conversations, db)
      // Queued at once and the interrupted attempt not counted: the next instance starts afresh.
      expect(after.map((c) => [c.status, c.processing_attempts])).toEqual(Array(players).fill(["queued", 0]))
      expect(yield* Effect.provide(heldLeases, db)).toEqual({ conversations: 0, players: 0 })
      const runs = yield* Effect.provide(executions, db)
      expect(runs).toHaveLength(players)
      for (const run of runs) {
        // Closed, so status polling and health do not wait for a run that will never finish.
        expect(run.status).toBe("failed")
        expect(run.completed_at).not.toBeNull()
        expect(run.error).toMatch(/interrupted by shutdown/)
      }
    }), 60_000)
})
