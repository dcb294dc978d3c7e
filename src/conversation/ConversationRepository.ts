import { SqlClient, SqlSchema } from "@effect/sql"
import { Data, Effect, Option, Schema } from "effect"
import { type KeysetPosition, olderThan, positionText } from "../db/Keyset.js"
import {
  type AppendedMessage,
  Conversation,
  type ConversationStatus,
  MessageRole,
  type NewMessage,
  Platform,
  TranscriptMessage
} from "./ConversationModel.js"

/**
 * Conversations and their messages.
 *
 * Concurrency of `appendMessage`: the unique partial index `conversations_open` allows one
 * `active` conversation per user and platform, and the upsert below (`INSERT … ON CONFLICT … DO
 * UPDATE`) either opens it or increments its `message_count` under the conversation's row lock,
 * held until commit. The new count is the message's `seq`, so concurrent posts get distinct,
 * gapless numbers. If the claimer moves the open conversation out of `active` meanwhile,
 * PostgreSQL re-checks the arbiter index and the message opens a new conversation instead.
 *
 * Lock order: the conversation row, then the users row (`last_interaction_at`). Code that locks
 * both in one transaction must take them in this order too, or the two can deadlock.
 */

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

/** Which conversations a listing shows: one status, or the `processing` ones silent for too long. */
export type ConversationSelection =
  | { readonly _tag: "Status"; readonly status: ConversationStatus }
  | { readonly _tag: "Stuck"; readonly silentSeconds: number }
  | { readonly _tag: "All" }

const ListedConversation = Schema.Struct({
  ...Conversation.fields,
  updated_at: Schema.DateFromSelf,
  next_attempt_at: Schema.NullOr(Schema.DateFromSelf),
  position_at: Schema.String
})
export type ListedConversation = typeof ListedConversation.Type

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

      // Only the player's own messages count as contact: a proactive message from Nikita that
      // goes unanswered must not reset the inactivity that decay measures.
      const recordContact = SqlSchema.void({
        Request: Schema.Struct({ user_id: Schema.String, sent_at: Schema.NullOr(Schema.DateFromSelf) }),
        execute: (r) =>
          sql`
            UPDATE users SET
              last_interaction_at = GREATEST(last_interaction_at, COALESCE(${r.sent_at}, now())),
              updated_at = now()
            WHERE id = ${r.user_id}`
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

      /** Adds a message to the user's open conversation on its platform; none when the user is unknown. */
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
            if (message.role === "user") yield* recordContact({ user_id: userId, sent_at: sentAt })
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

      const listedColumns = sql`
        id AS conversation_id, user_id, platform, status, message_count, started_at, last_message_at, processed_at,
        processing_attempts, summary, emotional_tone, last_error, updated_at, next_attempt_at,
        ${positionText(sql, "created_at")} AS position_at`
      const decodeListed = Schema.decodeUnknown(Schema.Array(ListedConversation))

      /**
       * A page of conversations, newest first by creation (a stable order: `updated_at` moves while
       * a reader pages), with the position the next page starts at when there is one.
       */
      const list = Effect.fn("ConversationRepository.list")(function*(input: {
        readonly selection: ConversationSelection
        readonly limit: number
        readonly before?: KeysetPosition | undefined
      }) {
        const selected = input.selection._tag === "Status"
          ? [sql`status = ${input.selection.status}`]
          : input.selection._tag === "Stuck"
          // HealthService's definition of stuck: no sign of life (update or lease) for the time given.
          ? [sql`status = 'processing' AND GREATEST(updated_at, lease_expires_at) < now() - make_interval(secs => ${input.selection.silentSeconds})`]
          : []
        const conditions = [...selected, ...(input.before === undefined ? [] : [olderThan(sql, "created_at", input.before)])]
        const rows = yield* sql`
          SELECT ${listedColumns} FROM conversations WHERE ${sql.and(conditions)}
          ORDER BY created_at DESC, id DESC LIMIT ${input.limit + 1}`.pipe(Effect.flatMap(decodeListed))
        const conversations = rows.slice(0, input.limit)
        const last = conversations[conversations.length - 1]
        return {
          conversations,
          next: rows.length > input.limit && last !== undefined
            ? Option.some<KeysetPosition>({ at: last.position_at, id: last.conversation_id })
            : Option.none<KeysetPosition>()
        }
      }, Effect.orDie)

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

      return { appendMessage, find, messages, list, requeueFailed } as const
    })
  }
) {}
