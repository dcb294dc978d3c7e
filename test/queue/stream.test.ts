import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { StreamState } from "../../src/runs/StreamState.js"
import { ConversationStream, ConversationStreamLive } from "../../src/queue/ConversationStream.js"
import { Tasks } from "../../src/queue/Tasks.js"
import { postgresAvailable } from "../support/Db.js"
import { insertConversation, insertPlayer, smallTalk } from "../stages/fixtures.js"
import {
  type Behaviours,
  conversationState,
  eventually,
  executionsOf,
  fail,
  hang,
  instanceLayer,
  ok,
  resetSharedDatabase,
  SharedDatabase
} from "./support.js"

/** An instance with its stream running, as Main runs it, on the file's database. */
const instance = (url: string, env: Record<string, string> = {}, behaviours: Behaviours = {}) =>
  ConversationStreamLive.pipe(Layer.provideMerge(instanceLayer(url, env, behaviours)))

/** Runs `test` on an instance started on the emptied database. */
const onInstance = (env: Record<string, string> = {}, behaviours: Behaviours = {}) =>
<A, E, R>(test: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const { url } = yield* SharedDatabase
    yield* resetSharedDatabase
    return yield* Effect.provide(test, instance(url, env, behaviours))
  })

const inFlight = Effect.flatMap(ConversationStream, (stream) => stream.inFlight)
const streamStatus = Effect.flatMap(StreamState, (state) => state.get)

describe.skipIf(!postgresAvailable)("ConversationStream", () => {
  layer(SharedDatabase.fresh, { excludeTestServices: true })((it) => {
  it.scoped("processes a text conversation once it has been silent for STALE_AFTER, with no call", () =>
    Effect.gen(function*() {
      const userId = yield* insertPlayer()
      const conversationId = yield* insertConversation({ userId, startedAt: new Date(), messages: smallTalk.slice(0, 1), status: "active" })
      const processed = yield* eventually(conversationState(conversationId), (c) => c.status === "processed")
      expect(processed).toMatchObject({ processing_attempts: 1, lease_owner: null, user_lease_owner: null })
      expect(yield* executionsOf(conversationId)).toMatchObject([{ status: "success", trigger: "stream", attempt: 1 }])
      expect(yield* streamStatus).toBe("running")
    }).pipe(onInstance()))

  it.scoped("retries a critical failure with backoff, then fails it for good after MAX_ATTEMPTS", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const conversationId = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: new Date() })
      const queued = yield* eventually(conversationState(conversationId), (c) => c.status === "queued" && c.processing_attempts === 1)
      expect(queued.last_error).toContain("extraction broke")
      // Backoff: the next attempt about a minute away, so the stream leaves it alone meanwhile.
      expect(queued.retry_in_s).toBeGreaterThan(50)
      expect(queued.retry_in_s).toBeLessThanOrEqual(60)

      yield* sql`UPDATE conversations SET next_attempt_at = now() - interval '1 second' WHERE id = ${conversationId}`
      const failed = yield* eventually(conversationState(conversationId), (c) => c.status === "failed")
      expect(failed).toMatchObject({ processing_attempts: 2, lease_owner: null, user_lease_owner: null, retry_in_s: null })
      expect((yield* executionsOf(conversationId)).map((e) => [e.status, e.attempt])).toEqual([["failed", 1], ["failed", 2]])
    }).pipe(onInstance({ MAX_ATTEMPTS: "2" }, { extraction: fail })))

  it.scoped("with the flag off claims nothing and says disabled; turned on, it processes what waited", () =>
    Effect.gen(function*() {
      const { url } = yield* SharedDatabase
      yield* resetSharedDatabase

      const waiting = yield* Effect.gen(function*() {
        const userId = yield* insertPlayer()
        const stale = yield* insertConversation({ userId, startedAt: new Date(Date.now() - 60_000), status: "active" })
        const call = yield* insertConversation({ userId, startedAt: new Date(), platform: "voice" })
        // Many poll intervals and STALE_AFTERs: an enabled stream would have taken both by now.
        yield* Effect.sleep("600 millis")
        expect(yield* streamStatus).toBe("disabled")
        expect((yield* conversationState(stale)).status).toBe("active")
        expect((yield* conversationState(call)).status).toBe("queued")
        expect([...(yield* executionsOf(stale)), ...(yield* executionsOf(call))]).toEqual([])
        const refused = yield* Effect.flip(Effect.flatMap(Tasks, (tasks) => tasks.processConversations()))
        expect(refused._tag).toBe("PipelineDisabled")
        return [stale, call] as const
      }).pipe(Effect.provide(instance(url, { UNIFIED_PIPELINE_ENABLED: "false" })))

      yield* Effect.gen(function*() {
        for (const id of waiting) yield* eventually(conversationState(id), (c) => c.status === "processed")
        expect(yield* streamStatus).toBe("running")
      }).pipe(Effect.provide(instance(url, { UNIFIED_PIPELINE_ENABLED: "true" })))
    }))

  it.scoped("drain lets runs in flight finish within the grace", () =>
    Effect.gen(function*() {
      const stream = yield* ConversationStream
      const conversationId = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: new Date() })
      yield* eventually(inFlight, (n) => n === 1)
      const drained = yield* stream.drain("10 seconds")
      expect(drained).toEqual({ inFlight: 1, interrupted: 0 })
      expect(yield* conversationState(conversationId)).toMatchObject({ status: "processed", lease_owner: null })
      expect(yield* inFlight).toBe(0)
    }).pipe(onInstance({}, { summary: ok(400) })))

  it.scoped("drain interrupts runs past the grace and releases their leases; nothing is claimed after", () =>
    Effect.gen(function*() {
      const stream = yield* ConversationStream
      const userId = yield* insertPlayer()
      const stuck = yield* insertConversation({ userId, startedAt: new Date() })
      yield* eventually(inFlight, (n) => n === 1)
      const drained = yield* stream.drain("200 millis")
      expect(drained).toEqual({ inFlight: 1, interrupted: 1 })
      // Back in the queue at once, the attempt not counted, both leases free.
      expect(yield* conversationState(stuck)).toMatchObject({
        status: "queued",
        processing_attempts: 0,
        lease_owner: null,
        user_lease_owner: null
      })
      expect(yield* executionsOf(stuck)).toMatchObject([{ status: "failed", error: "interrupted by shutdown; queued again" }])

      // Every claim, the stream's and the task's, is a step of the drained worker: none runs.
      const later = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: new Date() })
      const afterDrain = yield* Effect.flatMap(Tasks, (tasks) => tasks.processConversations())
      expect(afterDrain).toMatchObject({ detected: 0, execution_ids: [] })
      expect((yield* conversationState(later)).status).toBe("queued")
      expect(yield* inFlight).toBe(0)
      expect(yield* streamStatus).toBe("stopped")
    }).pipe(onInstance({}, { emotional: hang })))

  it.scoped("shutting the stream layer down drains with SHUTDOWN_GRACE", () =>
    Effect.gen(function*() {
      const { url } = yield* SharedDatabase
      yield* resetSharedDatabase
      const stuck = yield* Effect.gen(function*() {
        const id = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: new Date() })
        yield* eventually(inFlight, (n) => n === 1)
        return id
      }).pipe(Effect.provide(instance(url, { SHUTDOWN_GRACE: "200 millis" }, { emotional: hang })))
      // The instance's scope is closed: read the result through a second, idle one.
      const state = yield* conversationState(stuck).pipe(Effect.provide(instanceLayer(url, { UNIFIED_PIPELINE_ENABLED: "false" })))
      expect(state).toMatchObject({ status: "queued", processing_attempts: 0, lease_owner: null, user_lease_owner: null })
    }))
})
})
