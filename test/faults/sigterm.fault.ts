import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { delay, modelGate } from "../support/ModelGate.js"
import { startService } from "../support/ServiceProcess.js"
import { databaseAt, fakeOpenAi, heldLeases, instanceEnv, withoutCommitFlush } from "../process/support.js"
import { figures, report, seedConversations } from "./support.js"

/**
 * SIGTERM (a deploy) while the instance has eight runs in flight, each inside its extraction
 * call: it exits 0 within SHUTDOWN_GRACE and a few seconds, leaves no lease held, and what it
 * could not finish is queued again, not lost; a second instance then finishes everything.
 */

const inFlight = 8
const graceSeconds = 3

describe.skipIf(!postgresAvailable)("SIGTERM with eight runs in flight", () => {
  it.scopedLive("exits 0 within the grace, no lease held, and nothing lost", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      yield* Effect.provide(withoutCommitFlush, db)
      const fake = yield* fakeOpenAi
      const gate = yield* modelGate(fake.url)
      // Some runs finish within the grace, some do not: both paths at once.
      yield* gate.set("extraction", delay("2500 millis"))
      yield* Effect.provide(seedConversations(inFlight * 2, 1), db)
      const env = instanceEnv(url, gate, { STREAM_CONCURRENCY: String(inFlight), SHUTDOWN_GRACE: `${graceSeconds} seconds` })
      const service = yield* startService("instance", env, { readyWithin: "120 seconds" })
      yield* gate.awaitArrivals("extraction", inFlight)

      const start = yield* Clock.currentTimeMillis
      const exit = yield* service.stop("SIGTERM", `${graceSeconds + 8} seconds`)
      const exitMs = (yield* Clock.currentTimeMillis) - start
      const afterStop = yield* Effect.provide(figures, db)
      const leases = yield* Effect.provide(heldLeases, db)
      yield* report("sigterm", { exit: exit.code, exitMs, processedBeforeExit: afterStop.processed, leases: JSON.stringify(leases) })
      expect(exit).toEqual({ code: 0, signal: null })
      expect(leases).toEqual({ conversations: 0, players: 0 })

      yield* gate.set("extraction", delay("10 millis"))
      const next = yield* startService("successor", env, { readyWithin: "120 seconds" })
      yield* Effect.provide(figures, db).pipe(
        Effect.repeat({ until: (f) => f.processed === inFlight * 2 }),
        Effect.timeout("60 seconds"),
        Effect.orDie
      )
      expect(yield* next.stop("SIGTERM")).toEqual({ code: 0, signal: null })
      const result = yield* Effect.provide(figures, db)
      yield* report("sigterm successor", result)
      expect(result).toMatchObject({ lost: 0, appliedTwice: 0, overlappingRuns: 0, repeatedAfterSuccess: 0, leasesHeld: 0 })
    }), 120_000)
})
