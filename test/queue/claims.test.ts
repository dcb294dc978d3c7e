import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ConversationClaims } from "../../src/queue/ConversationClaims.js"
import type { Claim } from "../../src/queue/ConversationLeases.js"
import { postgresAvailable } from "../support/Db.js"
import { insertConversation, insertPlayer } from "../stages/fixtures.js"
import { conversationState, freshInstance, resetDatabase, seedQueued } from "./support.js"

const MINUTE = 60_000
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * MINUTE)

/** STALE_AFTER 15 minutes (the default) and MAX_ATTEMPTS 3; every test starts on an empty database. */
const claimsEnv = { STALE_AFTER: "15 minutes", MAX_ATTEMPTS: "3", INSTANCE_ID: "claimer-a" }
const withDatabase = <A, E, R>(test: Effect.Effect<A, E, R>) => Effect.zipRight(resetDatabase, test)

const claimDue = (input: { readonly limit: number; readonly now?: Date }) =>
  Effect.flatMap(ConversationClaims, (claims) => claims.claimDue(input))

const setProcessing = (id: string, input: { readonly attempts: number; readonly leaseEndsInSeconds: number }) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql`
      UPDATE conversations
      SET status = 'processing', processing_attempts = ${input.attempts}, lease_owner = 'crashed/run',
          lease_expires_at = now() + ${input.leaseEndsInSeconds} * interval '1 second'
      WHERE id = ${id}`)

describe.skipIf(!postgresAvailable)("ConversationClaims.claimDue", () => {
  layer(freshInstance(claimsEnv), { excludeTestServices: true })((it) => {
  it.effect("takes an active text conversation only once it has been silent for STALE_AFTER", () =>
    withDatabase(Effect.gen(function*() {
      const userId = yield* insertPlayer()
      const recent = yield* insertConversation({ userId, startedAt: minutesAgo(5), status: "active" })
      expect(yield* claimDue({ limit: 10 })).toEqual([])
      const later = new Date(Date.now() + 11 * MINUTE)
      const [claim, ...rest] = yield* claimDue({ limit: 10, now: later })
      expect(rest).toEqual([])
      expect(claim).toMatchObject({ conversationId: recent, userId, attempt: 1 })
      expect(claim?.owner).toMatch(/^claimer-a\/[0-9a-f-]{36}$/)
      expect(yield* conversationState(recent)).toMatchObject({
        status: "processing",
        processing_attempts: 1,
        lease_owner: claim?.owner,
        user_lease_owner: claim?.owner
      })
    })))

  it.effect("leaves an open voice conversation alone (calls are queued by the webhook)", () =>
    withDatabase(Effect.gen(function*() {
      const userId = yield* insertPlayer()
      yield* insertConversation({ userId, startedAt: minutesAgo(60), status: "active", platform: "voice" })
      expect(yield* claimDue({ limit: 10 })).toEqual([])
    })))

  it.effect("takes a queued conversation when next_attempt_at is NULL or past, not before", () =>
    withDatabase(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const [waiting, retry, call] = yield* Effect.forEach([1, 2, 3], () =>
        Effect.flatMap(insertPlayer(), (userId) => insertConversation({ userId, startedAt: minutesAgo(30) })))
      yield* sql`UPDATE conversations SET next_attempt_at = now() + interval '4 minutes' WHERE id = ${waiting ?? ""}`
      yield* sql`UPDATE conversations SET next_attempt_at = now() - interval '1 second' WHERE id = ${retry ?? ""}`
      const claimed = yield* claimDue({ limit: 10 })
      expect(claimed.map((c) => c.conversationId).sort()).toEqual([call, retry].sort())
      expect((yield* conversationState(waiting ?? "")).status).toBe("queued")
    })))

  it.effect("reclaims a processing conversation whose lease expired, counting the attempt", () =>
    withDatabase(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const crashedUser = yield* insertPlayer()
      const crashed = yield* insertConversation({ userId: crashedUser, startedAt: minutesAgo(30) })
      yield* setProcessing(crashed, { attempts: 1, leaseEndsInSeconds: -5 })
      yield* sql`
        INSERT INTO pipeline_executions (conversation_id, user_id, trigger, status, started_at)
        VALUES (${crashed}, ${crashedUser}, 'stream', 'processing', now() - interval '2 minutes')`
      const alive = yield* insertConversation({ userId: yield* insertPlayer(), startedAt: minutesAgo(30) })
      yield* setProcessing(alive, { attempts: 1, leaseEndsInSeconds: 30 })

      const claimed = yield* claimDue({ limit: 10 })
      expect(claimed.map((c) => [c.conversationId, c.attempt])).toEqual([[crashed, 2]])
      expect((yield* conversationState(crashed)).lease_owner).toBe(claimed[0]?.owner)
      expect((yield* conversationState(alive)).lease_owner).toBe("crashed/run")
      const open = yield* sql<{ status: string }>`SELECT status FROM pipeline_executions WHERE conversation_id = ${crashed}`
      expect(open.map((e) => e.status)).toEqual(["failed"])
    })))

  it.effect("fails a conversation whose lease expired on its last attempt instead of claiming it", () =>
    withDatabase(Effect.gen(function*() {
      const userId = yield* insertPlayer()
      const exhausted = yield* insertConversation({ userId, startedAt: minutesAgo(30) })
      yield* setProcessing(exhausted, { attempts: 3, leaseEndsInSeconds: -5 })
      expect(yield* claimDue({ limit: 10 })).toEqual([])
      const state = yield* conversationState(exhausted)
      expect(state).toMatchObject({ status: "failed", processing_attempts: 3, lease_owner: null })
      expect(state.last_error).toMatch(/^lease expired during attempt 3 of 3/)
    })))

  it.effect("takes one conversation per player, the earliest first, and skips busy mailboxes", () =>
    withDatabase(Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const chatty = yield* insertPlayer()
      const [first, second] = yield* Effect.forEach([50, 40, 30], (m) => insertConversation({ userId: chatty, startedAt: minutesAgo(m) }))
      const busy = yield* insertPlayer()
      yield* insertConversation({ userId: busy, startedAt: minutesAgo(50) })
      yield* sql`UPDATE users SET pipeline_lease_owner = 'other/run', pipeline_lease_expires_at = now() + interval '30 seconds' WHERE id = ${busy}`
      const abandoned = yield* insertPlayer()
      const freed = yield* insertConversation({ userId: abandoned, startedAt: minutesAgo(50) })
      yield* sql`UPDATE users SET pipeline_lease_owner = 'dead/run', pipeline_lease_expires_at = now() - interval '1 second' WHERE id = ${abandoned}`

      const claimed = yield* claimDue({ limit: 10 })
      expect(claimed.map((c) => c.conversationId).sort()).toEqual([first, freed].sort())
      expect((yield* conversationState(second ?? "")).status).toBe("queued")

      // The chatty player's mailbox is now held: nothing more of theirs until the run ends.
      expect(yield* claimDue({ limit: 10 })).toEqual([])
    })))

  it.effect("never takes more than the limit", () =>
    withDatabase(Effect.gen(function*() {
      yield* Effect.forEach([1, 2, 3, 4, 5], () =>
        Effect.flatMap(insertPlayer(), (userId) => insertConversation({ userId, startedAt: minutesAgo(20) })))
      expect(yield* claimDue({ limit: 2 })).toHaveLength(2)
      expect(yield* claimDue({ limit: 0 })).toHaveLength(0)
      expect(yield* claimDue({ limit: 10 })).toHaveLength(3)
    })))

  it.effect("concurrent claimers never share a conversation or a player", () =>
    withDatabase(Effect.gen(function*() {
      yield* seedQueued(30, 3)
      // A claim reads a few candidates per conversation it may take, so concurrent claimers
      // racing for the same players can come back short: rounds go on until one finds nothing.
      const claims: Array<Claim> = []
      while (true) {
        const batches = yield* Effect.all(Array.from({ length: 8 }, () => claimDue({ limit: 5 })), { concurrency: "unbounded" })
        if (batches.flat().length === 0) break
        claims.push(...batches.flat())
      }
      expect(claims).toHaveLength(30)
      expect(new Set(claims.map((c) => c.conversationId)).size).toBe(30)
      expect(new Set(claims.map((c) => c.userId)).size).toBe(30)
    })))
})
})
