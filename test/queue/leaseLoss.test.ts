import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { ConversationStream, ConversationStreamLive } from "../../src/queue/ConversationStream.js"
import { postgresAvailable } from "../support/Db.js"
import { insertConversation, insertPlayer } from "../stages/fixtures.js"
import { type Behaviours, conversationState, eventually, executionsOf, hang, instanceLayer, resetSharedDatabase, SharedDatabase } from "./support.js"

/**
 * A run holds its conversation only while its heartbeat extends the lease. When another instance
 * has taken the conversation over (its lease expired under load, say), the run stops at its next
 * beat instead of running beside the new owner: two instances never run one conversation at once.
 */

const onInstance = (env: Record<string, string>, behaviours: Behaviours) => <A, E, R>(test: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const { url } = yield* SharedDatabase
    yield* resetSharedDatabase
    return yield* Effect.provide(test, ConversationStreamLive.pipe(Layer.provideMerge(instanceLayer(url, env, behaviours))))
  })

const inFlight = Effect.flatMap(ConversationStream, (stream) => stream.inFlight)

describe.skipIf(!postgresAvailable)("a run that loses its lease", () => {
  layer(SharedDatabase.fresh, { excludeTestServices: true })((it) => {
    it.scoped("stops at its next beat, closes its execution and leaves the conversation to the new owner", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const conversationId = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: new Date() })
        yield* eventually(inFlight, (n) => n === 1)

        // Another instance takes the conversation over, as it would once the lease had expired.
        yield* sql`UPDATE conversations SET lease_owner = 'another-instance' WHERE id = ${conversationId}`

        // The hanging stage is given up: nothing is in flight any more.
        yield* eventually(inFlight, (n) => n === 0)
        expect(yield* executionsOf(conversationId)).toMatchObject([
          { status: "failed", error: "lease lost: another instance took the conversation over; the run stopped" }
        ])
        // The new owner's lease is left alone; the player's mailbox, still this run's, is freed.
        expect(yield* conversationState(conversationId)).toMatchObject({
          status: "processing",
          lease_owner: "another-instance",
          user_lease_owner: null
        })
      }).pipe(onInstance({ LEASE_DURATION: "900 millis" }, { emotional: hang })))
  })
})
