import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { openAiError } from "../support/FakeOpenAi.js"
import { hang, modelGate, pass } from "../support/ModelGate.js"
import { startService } from "../support/ServiceProcess.js"
import { databaseAt, fakeOpenAi, heldLeases, instanceEnv, playerWithConversation, taskSecret } from "../process/support.js"
import { report } from "./support.js"

/**
 * The model provider in a storm: every call answered 500, or 429 with Retry-After, or never
 * answered. Each run gives up within its budget after a bounded number of attempts (one call and
 * at most three retries), answers as API.md says, and leaves no lease behind.
 */

const runsPerStorm = 3
const maxAttemptsPerCall = 4

describe.skipIf(!postgresAvailable)("model storms", () => {
  it.scopedLive("500, 429 and hang storms: bounded attempts, runs end within their budget, no lease held", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      const fake = yield* fakeOpenAi
      const gate = yield* modelGate(fake.url)
      // Conversations stay active (an hour to go stale): only the test triggers runs.
      const service = yield* startService("instance", instanceEnv(url, gate, { STALE_AFTER: "1 hour" }), { readyWithin: "120 seconds" })

      const storm = (name: string, timeoutSeconds: number, arrange: Effect.Effect<void>, attempts: Effect.Effect<number>) =>
        Effect.gen(function*() {
          yield* arrange
          const conversations = yield* Effect.forEach(Array.from({ length: runsPerStorm }), () => playerWithConversation(service))
          const before = yield* attempts
          const start = yield* Clock.currentTimeMillis
          const replies = yield* Effect.forEach(
            conversations,
            ({ conversationId }) =>
              service.send("POST", `/pipeline/process/${conversationId}`, {
                body: { timeout_seconds: timeoutSeconds },
                secret: taskSecret
              }),
            { concurrency: runsPerStorm }
          )
          const tookMs = (yield* Clock.currentTimeMillis) - start
          const calls = (yield* attempts) - before
          const statuses = replies.map((reply) => reply.status)
          yield* report(`model storm ${name}`, {
            runs: runsPerStorm,
            statuses: statuses.join(","),
            modelAttempts: calls,
            attemptsPerRun: (calls / runsPerStorm).toFixed(1),
            seconds: (tookMs / 1000).toFixed(1)
          })
          // A critical stage failed or the run timed out: API.md's 500 { status: "failed" }, nothing else.
          for (const reply of replies) {
            expect(reply.status).toBe(500)
            expect(reply.json).toMatchObject({ status: "failed", failed_stage: "extraction" })
          }
          expect(calls).toBeLessThanOrEqual(runsPerStorm * maxAttemptsPerCall)
          expect(tookMs).toBeLessThan((timeoutSeconds + 5) * 1000)
          yield* fake.reset
          yield* gate.set("extraction", pass)
        })

      const chatRequests = Effect.map(fake.requestsTo("/v1/chat/completions"), (requests) => requests.length)
      yield* storm("500", 20, fake.onChat(() => openAiError(500)), chatRequests)
      yield* storm("429", 20, fake.onChat(() => openAiError(429, { headers: { "retry-after": "1" } })), chatRequests)
      yield* storm("hang", 4, gate.set("extraction", hang), gate.arrivals("extraction"))

      expect(yield* Effect.provide(heldLeases, db)).toEqual({ conversations: 0, players: 0 })
      expect(yield* service.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    }), 180_000)
})
