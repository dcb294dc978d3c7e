import { SqlClient, SqlSchema } from "@effect/sql"
import { Data, Effect, Option, Schema } from "effect"
import { EmotionalTone } from "../game/EmotionalTone.js"
import {
  type AppendedMessage,
  Conversation,
  type ConversationStatus,
  latestTurnAt,
  MessageRole,
  type NewMessage,
  type NewVoiceCall,
  Platform,
  type StoredVoiceCall,
  TranscriptMessage,
  type VoiceTurn
} from "./ConversationModel.js"

/**
 * Conversations and their messages: the only code that writes `conversations` and `messages`
 * (besides the claims and leases of `queue/`, which move a conversation through its states).
 *
 * Concurrency of `appendMessage`: the unique partial index `conversations_open` allows one
 * `active` conversation per user and platform, and the upsert below (`INSERT … ON CONFLICT … DO
 * UPDATE`) either opens it or increments its `message_count` under the conversation's row lock,
 * held until commit. The new count is the message's `seq`, so concurrent posts get distinct,
 * gapless numbers. If the claimer moves the open conversation out of `active` meanwhile,
 * PostgreSQL re-checks the arbiter index and the message opens a new conversation instead.
 *
 * Voice calls, stored once each: a call becomes a `voice` conversation whose `external_id` is the
 * call id, already `queued` and due at once (`next_attempt_at` now), with its transcript, in one
 * transaction. The unique index `conversations_voice_call (platform, external_id)` arbitrates: of
 * two deliveries of one call at the same time, the second `INSERT … ON CONFLICT DO NOTHING` waits
 * for the first transaction; once it commits, the second inserts nothing and reads the first's
 * conversation (a new snapshot per statement under READ COMMITTED), so it answers `duplicate` and
 * stores nothing. This is what keeps a redelivered webhook from running the pipeline twice.
 *
 * Lock order: the conversation row, then the users row (`last_interaction_at`, recorded by the
 * caller in the same transaction). Code that locks both must take them in this order too, or the
 * two can deadlock.
 */

const IdRow = Schema.Struct({ id: Schema.String })

const NewConversation = Schema.Struct({
  user_id: Schema.String,
  call_id: Schema.String,
  message_count: Schema.Int,
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf
})

const AppendRequest = Schema.Struct({
  user_id: Schema.String,
  platform: Platform,
  sent_at: Schema.NullOr(Schema.DateFromSelf)
})

const MessageRow = Schema.Struct({
  conversation_id: Schema.String,
  seq: Schema.Int,
  role: MessageRole,
  content: Schema.String,
  sent_at: Schema.NullOr(Schema.DateFromSelf)
})

/** A retry asked for a conversation that is not `failed`: only a failed one may go back in the queue. */
export class ConversationNotFailed extends Data.TaggedError("ConversationNotFailed")<{
  readonly status: ConversationStatus
}> {}

export class NoSuchConversation extends Data.TaggedError("NoSuchConversation")<{ readonly conversationId: string }> {}

export class ConversationRepository extends Effect.Service<ConversationRepository>()(
  "aftertalk/ConversationRepository",
  {
    effect: Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient

      const userExists = SqlSchema.findOne({
        Request: Schema.String,
        Result: Schema.Struct({ id: Schema.String }),
        execute: (userId) => sql`SELECT id FROM users WHERE id = ${userId}`
      })

      const openOrJoin = SqlSchema.single({
        Request: AppendRequest,
        Result: Schema.Struct({ conversation_id: Schema.String, message_count: Schema.Int }),
        execute: (r) =>
          sql`
            INSERT INTO conversations (user_id, platform, message_count, started_at, last_message_at)
            VALUES (${r.user_id}, ${r.platform}, 1, COALESCE(${r.sent_at}, now()), COALESCE(${r.sent_at}, now()))
            ON CONFLICT (user_id, platform) WHERE status = 'active' DO UPDATE SET
              message_count = conversations.message_count + 1,
              started_at = LEAST(conversations.started_at, EXCLUDED.started_at),
              last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
              updated_at = now()
            RETURNING id AS conversation_id, message_count`
      })

      const insertMessage = SqlSchema.void({
        Request: MessageRow,
        execute: (m) =>
          sql`
            INSERT INTO messages (conversation_id, seq, role, content, sent_at)
            VALUES (${m.conversation_id}, ${m.seq}, ${m.role}, ${m.content}, COALESCE(${m.sent_at}, now()))`
      })

      const findConversation = SqlSchema.findOne({
        Request: Schema.String,
        Result: Conversation,
        execute: (id) =>
          sql`
            SELECT id AS conversation_id, user_id, platform, status, message_count, started_at,
              last_message_at, processed_at, processing_attempts, summary, emotional_tone, last_error
            FROM conversations WHERE id = ${id}`
      })

      const findMessages = SqlSchema.findAll({
        Request: Schema.String,
        Result: TranscriptMessage,
        execute: (id) => sql`SELECT role, content, sent_at FROM messages WHERE conversation_id = ${id} ORDER BY seq`
      })

      /**
       * Adds a message to the user's open conversation on its platform; none when the user is
       * unknown. The caller records the player's contact in the same transaction.
       */
      const appendMessage = Effect.fn("ConversationRepository.appendMessage")(
        function*(userId: string, message: NewMessage) {
          yield* Effect.annotateCurrentSpan({ user_id: userId, platform: message.platform })
          const sentAt = message.sent_at ?? null
          return yield* sql.withTransaction(Effect.gen(function*() {
            if (Option.isNone(yield* userExists(userId))) return Option.none<AppendedMessage>()
            const appended = yield* openOrJoin({ user_id: userId, platform: message.platform, sent_at: sentAt })
            yield* insertMessage({
              conversation_id: appended.conversation_id,
              seq: appended.message_count,
              role: message.role,
              content: message.content,
              sent_at: sentAt
            })
            return Option.some<AppendedMessage>(appended)
          }))
        },
        // The upsert always returns its row: a missing one, like a row that fails its schema, is a bug.
        Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
      )

      const find = Effect.fn("ConversationRepository.find")(
        (conversationId: string) => findConversation(conversationId),
        Effect.catchTag("ParseError", Effect.die)
      )

      /** The transcript in the order the messages arrived. */
      const messages = Effect.fn("ConversationRepository.messages")(
        (conversationId: string) => findMessages(conversationId),
        Effect.catchTag("ParseError", Effect.die)
      )

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

      const insertMessages = (conversationId: string, turns: ReadonlyArray<VoiceTurn>) =>
        turns.length === 0 ? Effect.void : sql`
          INSERT INTO messages ${
          sql.insert(turns.map((turn, index) => ({
            conversation_id: conversationId,
            seq: index + 1,
            role: turn.role,
            content: turn.content,
            sent_at: turn.sentAt
          })))
        }`.pipe(Effect.asVoid)

      /**
       * Stores the call once; a call id seen before is a duplicate. None when the player is unknown.
       * The caller records the player's contact in the same transaction.
       */
      const storeVoiceCall = Effect.fn("ConversationRepository.storeVoiceCall")(
        function*(call: NewVoiceCall) {
          yield* Effect.annotateCurrentSpan({ user_id: call.userId, call_id: call.callId })
          const lastMessageAt = latestTurnAt(call.turns, call.startedAt)
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
            return Option.some<StoredVoiceCall>({ status: "accepted", conversation_id: inserted.value.id })
          }))
        },
        // The conflicting row exists (the insert just saw it, and calls are never deleted while
        // their player exists): not finding it, or a row failing its schema, is a bug.
        Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
      )

      const updateSummary = SqlSchema.void({
        Request: Schema.Struct({ conversationId: Schema.String, summary: Schema.String, tone: EmotionalTone }),
        execute: ({ conversationId, summary, tone }) =>
          sql`
            UPDATE conversations SET summary = ${summary}, emotional_tone = ${tone}, updated_at = now()
            WHERE id = ${conversationId}`
      })

      /** The summary stage's `summary` and `emotional_tone` of the conversation. */
      const setSummary = Effect.fn("ConversationRepository.setSummary")(
        (input: { readonly conversationId: string; readonly summary: string; readonly tone: EmotionalTone }) =>
          updateSummary(input),
        Effect.catchTag("ParseError", Effect.die)
      )


      /**
       * Puts a `failed` conversation back in the queue, due now, with a fresh set of MAX_ATTEMPTS
       * (an operator's retry is a new start, not the next of the attempts that gave up). The last
       * error stays as a record of why it had failed until a run replaces it.
       */
      const requeueFailed = Effect.fn("ConversationRepository.requeueFailed")(function*(conversationId: string) {
        const updated = yield* sql`
          UPDATE conversations
          SET status = 'queued', processing_attempts = 0, next_attempt_at = NULL, lease_owner = NULL,
              lease_expires_at = NULL, updated_at = now()
          WHERE id = ${conversationId} AND status = 'failed'
          RETURNING id`
        const current = yield* findConversation(conversationId).pipe(Effect.catchTag("ParseError", Effect.die))
        if (Option.isNone(current)) return yield* new NoSuchConversation({ conversationId })
        if (updated.length === 0) return yield* new ConversationNotFailed({ status: current.value.status })
        return current.value
      }, Effect.catchTag("SqlError", Effect.die))

      return { appendMessage, storeVoiceCall, setSummary, find, messages, requeueFailed } as const
    })
  }
) {}
