import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { defaultChatHandler } from "../support/FakeOpenAi.js"
import { hang, modelGate } from "../support/ModelGate.js"
import { startService } from "../support/ServiceProcess.js"
import {
  conversations,
  databaseAt,
  eventually,
  executions,
  fakeOpenAi,
  heldLeases,
  instanceEnv,
  oneWarmLine,
  playerWithConversation,
  relationshipScoreOf,
  scoreHistoryOf
} from "./support.js"

/**
 * An instance dies (SIGKILL: no finalizer, no release) in the middle of a run, after the run
 * already applied the score. Its lease must expire, another instance must finish the
 * conversation, and the player's score must have moved once, not twice.
 *
 * To stop A after `game_state`, the fake model leaves the summary out of the extraction, so the
 * `summary` stage asks the model for one: A's gate holds that call forever. B starts alongside A
 * (saving a start-up) but with a STALE_AFTER of an hour, so the fresh conversation is A's to take
 * and B only ever gets it as work whose lease expired.
 */

describe.skipIf(!postgresAvailable)("an instance killed mid-run", () => {
  it.scopedLive("leaves its conversation to another instance once the lease expires; the score moves once", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabaseUrl
      const db = yield* databaseAt(url)
      const fake = yield* fakeOpenAi
      yield* fake.onChat((request) => {
        const answer = defaultChatHandler(request)
        if (request.response_format?.json_schema?.name !== "extraction" || typeof answer !== "string") return answer
        const extraction: unknown = JSON.parse(answer)
        return JSON.stringify(typeof extraction === "object" && extraction !== null ? { ...extraction, summary: "" } : extraction)
      })
      const gateA = yield* modelGate(fake.url)
      const gateB = yield* modelGate(fake.url)
      yield* gateA.set("text", hang)
      const [a, b] = yield* Effect.all([
        startService("instance-a", instanceEnv(url, gateA, { INSTANCE_ID: "instance-a", LEASE_DURATION: "3 seconds" })),
        startService("instance-b", instanceEnv(url, gateB, { INSTANCE_ID: "instance-b", STALE_AFTER: "1 hour" }))
      ], { concurrency: "unbounded" })

      const { conversationId, userId } = yield* playerWithConversation(a, oneWarmLine)
      // A is inside the summary stage: past game_state, which recorded the score change.
      yield* gateA.awaitArrivals("text", 1)
      const [applied] = yield* Effect.provide(scoreHistoryOf(conversationId), db)
      if (applied === undefined) return yield* Effect.dieMessage("A reached the summary stage without recording the score")
      expect(applied.score_after).not.toBe(applied.score_before)
      expect(yield* Effect.provide(relationshipScoreOf(userId), db)).toBe(applied.score_after)
      const [held] = yield* Effect.provide(conversations, db)
      expect(held).toMatchObject({ status: "processing", processing_attempts: 1 })
      expect(held?.lease_owner).toMatch(/^instance-a\//)

      expect(yield* a.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" })

      const [done] = yield* eventually(
        "the conversation processed by B",
        Effect.provide(conversations, db),
        (rows) => rows[0]?.status === "processed"
      )
      expect(done?.processing_attempts).toBe(2)
      // B worked from the extraction A stored instead of asking the model again.
      expect(yield* gateB.arrivals("extraction")).toBe(0)
      // One score change, the one A recorded; B's run found it and applied nothing.
      expect(yield* Effect.provide(scoreHistoryOf(conversationId), db)).toEqual([applied])
      expect(yield* Effect.provide(relationshipScoreOf(userId), db)).toBe(applied.score_after)
      expect(yield* Effect.provide(heldLeases, db)).toEqual({ conversations: 0, players: 0 })
      // A's execution was closed when B claimed the conversation again, so nothing counts it as running.
      const runs = yield* Effect.provide(executions, db)
      expect(runs).toHaveLength(2)
      const [dead, finished] = runs
      expect(dead).toMatchObject({ instance_id: "instance-a", status: "failed", attempt: 1 })
      expect(dead?.error).toMatch(/lease expired/)
      expect(dead?.completed_at).not.toBeNull()
      expect(finished).toMatchObject({ instance_id: "instance-b", attempt: 2 })
      expect(["success", "partial_success"]).toContain(finished?.status)

      const health = yield* b.send("GET", "/pipeline/health")
      expect(health.json).toMatchObject({ stuck_conversations: 0, queue_depth: 0 })
      expect(yield* b.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    }), 60_000)
})
