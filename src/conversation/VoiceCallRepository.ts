import { SqlClient, SqlSchema } from "@effect/sql"
import { Chunk, Effect, Option, Schema } from "effect"
import type { MessageRole } from "./ConversationModel.js"

/**
 * Voice calls, stored once each: a call becomes a `voice` conversation whose `external_id` is the
 * call id, already `queued` and due at once (`next_attempt_at` now), with its transcript — all in
 * one transaction, so a crash stores the whole call or nothing.
 *
 * Once only: the unique index `conversations_voice_call (platform, external_id)` arbitrates. Of
 * two deliveries of one call at the same time, the second `INSERT … ON CONFLICT DO NOTHING` waits
 * for the first transaction; once it commits, the second inserts nothing and reads the first's
 * conversation (a new snapshot per statement under READ COMMITTED), so it answers `duplicate` and
 * stores nothing. This is what keeps a redelivered webhook from running the pipeline twice.
 *
 * Lock order as in ConversationRepository: the conversation row, then the users row.
 */

export interface VoiceTurn {
  readonly role: MessageRole
  readonly content: string
  readonly sentAt: Date
}

export interface NewVoiceCall {
  /** ElevenLabs' conversation id of the call. */
  readonly callId: string
  readonly userId: string
  readonly startedAt: Date
  /** In call order; each 1..10,000 characters. */
  readonly turns: ReadonlyArray<VoiceTurn>
}

export interface StoredVoiceCall {
  readonly status: "accepted" | "duplicate"
  readonly conversation_id: string
}

const rowsPerInsert = 2_000

const latest = (turns: ReadonlyArray<VoiceTurn>, from: Date): Date =>
  turns.reduce((at, turn) => (turn.sentAt > at ? turn.sentAt : at), from)

const IdRow = Schema.Struct({ id: Schema.String })

const NewConversation = Schema.Struct({
  user_id: Schema.String,
  call_id: Schema.String,
  message_count: Schema.Int,
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf
})

export class VoiceCallRepository extends Effect.Service<VoiceCallRepository>()("aftertalk/VoiceCallRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const userExists = SqlSchema.findOne({
      Request: Schema.String,
      Result: IdRow,
      execute: (userId) => sql`SELECT id FROM users WHERE id = ${userId}`
    })

    const insertConversation = SqlSchema.findOne({
      Request: NewConversation,
      Result: IdRow,
      execute: (c) =>
        sql`
          INSERT INTO conversations (user_id, platform, external_id, status, message_count, started_at,
            last_message_at, next_attempt_at)
          VALUES (${c.user_id}, 'voice', ${c.call_id}, 'queued', ${c.message_count}, ${c.started_at},
            ${c.last_message_at}, now())
          ON CONFLICT (platform, external_id) WHERE external_id IS NOT NULL DO NOTHING
          RETURNING id`
    })

    const findCall = SqlSchema.single({
      Request: Schema.String,
      Result: IdRow,
      execute: (callId) => sql`SELECT id FROM conversations WHERE platform = 'voice' AND external_id = ${callId}`
    })

    // One multi-row INSERT per chunk: PostgreSQL takes at most 65,535 parameters per statement
    // (13,107 rows of five), and a long call (14,000 turns) must still be a handful of statements.
    const insertMessages = (conversationId: string, turns: ReadonlyArray<VoiceTurn>) =>
      Effect.forEach(Chunk.chunksOf(Chunk.fromIterable(turns.map((turn, index) => ({ turn, seq: index + 1 }))), rowsPerInsert), (chunk) =>
        sql`
          INSERT INTO messages ${
          sql.insert(Chunk.toReadonlyArray(chunk).map(({ seq, turn }) => ({
            conversation_id: conversationId,
            seq,
            role: turn.role,
            content: turn.content,
            sent_at: turn.sentAt
          })))
        }`, { discard: true })

    // A call is contact with the player, as a message of theirs is: decay measures from it.
    const recordContact = (userId: string, lastSpokeAt: Date) =>
      sql`
        UPDATE users SET last_interaction_at = GREATEST(last_interaction_at, ${lastSpokeAt}), updated_at = now()
        WHERE id = ${userId}`.pipe(Effect.asVoid)

    /** Stores the call once; a call id seen before is a duplicate. None when the player is unknown. */
    const store = Effect.fn("VoiceCallRepository.store")(
      function*(call: NewVoiceCall) {
        yield* Effect.annotateCurrentSpan({ user_id: call.userId, call_id: call.callId })
        const lastMessageAt = latest(call.turns, call.startedAt)
        return yield* sql.withTransaction(Effect.gen(function*() {
          if (Option.isNone(yield* userExists(call.userId))) return Option.none<StoredVoiceCall>()
          const inserted = yield* insertConversation({
            user_id: call.userId,
            call_id: call.callId,
            message_count: call.turns.length,
            started_at: call.startedAt,
            last_message_at: lastMessageAt
          })
          if (Option.isNone(inserted)) {
            const existing = yield* findCall(call.callId)
            return Option.some<StoredVoiceCall>({ status: "duplicate", conversation_id: existing.id })
          }
          yield* insertMessages(inserted.value.id, call.turns)
          const playerTurns = call.turns.filter((turn) => turn.role === "user")
          if (playerTurns.length > 0) yield* recordContact(call.userId, latest(playerTurns, call.startedAt))
          return Option.some<StoredVoiceCall>({ status: "accepted", conversation_id: inserted.value.id })
        }))
      },
      // The conflicting row exists (the insert just saw it, and calls are never deleted while
      // their player exists): not finding it, or a row failing its schema, is a bug.
      Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
    )

    return { store } as const
  })
}) {}
