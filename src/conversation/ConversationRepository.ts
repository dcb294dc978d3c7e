import { SqlClient, SqlSchema, type Statement } from "@effect/sql"
import { Chunk, Effect, Option, Schema } from "effect"
import { EmotionalTone } from "../game/EmotionalTone.js"
import {
  type AppendedMessage,
  Conversation,
  latestTurnAt,
  type NewMessage,
  type NewVoiceCall,
  type StoredVoiceCall,
  TranscriptMessage,
  type VoiceTurn
} from "./ConversationModel.js"
import {
  AppendRequest,
  ConversationNotFailed,
  IdRow,
  MessageRow,
  NewConversation,
  type LeaseRelease,
  NoSuchConversation,
  rowsPerInsert
} from "./ConversationRows.js"

/**
 * Conversations and their messages: the only code that writes `conversations` and `messages`
 * (the queue's claims and leases compose `conversationLeaseWrites` below).
 *
 * `appendMessage`: the unique partial index `conversations_open` allows one `active` conversation
 * per user and platform; the upsert (`INSERT … ON CONFLICT … DO UPDATE`) opens it or increments its
 * `message_count` under the row lock, so concurrent posts get distinct, gapless `seq` numbers. If a
 * claim moves the open conversation out of `active` meanwhile, the message opens a new one.
 *
 * Voice calls are stored once each: a `voice` conversation whose `external_id` is the call id,
 * `queued` and due at once, with its transcript, in one transaction. The unique index
 * `conversations_voice_call` arbitrates: a second delivery's `INSERT … ON CONFLICT DO NOTHING`
 * waits for the first, then inserts nothing and answers `duplicate` (READ COMMITTED reads the
 * first's row), which keeps a redelivered webhook from running the pipeline twice.
 *
 * Lock order: the conversation row, then the users row (`last_interaction_at`, recorded by the
 * caller in the same transaction); code locking both takes them in this order, or they deadlock.
 */
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

/**
 * The writes of a conversation's run lease, as statements built on the caller's SqlClient: the
 * queue composes them with the player's and the execution's writes into its claim (one
 * statement, one round trip) and its end-of-run transaction, while `conversations` keeps one
 * writer, this file. `leaseMs` is LEASE_DURATION; every time is the database's clock.
 */
export const conversationLeaseWrites = (sql: SqlClient.SqlClient, leaseMs: number) => {
  const expiry = sql`now() + ${leaseMs} * interval '1 millisecond'`
  return {
    /**
     * Fails for good the conversations whose last attempt's lease expired; `exhausted` yields
     * their ids. Returns id, user_id, processing_attempts.
     */
    giveUp: (exhausted: Statement.Fragment, maxAttempts: number) =>
      sql`
        UPDATE conversations c
        SET status = 'failed', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL,
            last_error = 'lease expired during attempt ' || c.processing_attempts || ' of ' || ${maxAttempts}::int
              || ': the run stopped without finishing (its instance died or lost the database)',
            updated_at = now()
        WHERE c.id IN (${exhausted})
        RETURNING c.id, c.user_id, c.processing_attempts`,

    /**
     * Leases the conversations `picked` yields to `owner` (an SQL expression, so one statement
     * can give each its own token) and counts the attempt. Returns id, user_id, lease_owner,
     * lease_expires_at, processing_attempts.
     */
    lease: (picked: Statement.Fragment, owner: Statement.Fragment) =>
      sql`
        UPDATE conversations
        SET status = 'processing', lease_owner = ${owner}, lease_expires_at = ${expiry},
            processing_attempts = processing_attempts + 1, next_attempt_at = NULL, updated_at = now()
        WHERE id IN (${picked})
        RETURNING id, user_id, lease_owner, lease_expires_at, processing_attempts`,

    /** Extends a live run's lease; returns the id while `owner` still holds it. */
    extend: (conversationId: string, owner: string) =>
      sql`
        UPDATE conversations SET lease_expires_at = ${expiry}
        WHERE id = ${conversationId} AND lease_owner = ${owner} AND status = 'processing'
        RETURNING id`,

    /**
     * Ends a run's lease, guarded by the owner token (a run whose lease was taken over changes
     * nothing): processed; failed (queued again after `retryInMs`, or failed for good when it is
     * null); or interrupted (queued at once, the attempt not counted).
     */
    release: (
      conversationId: string,
      owner: string,
      outcome: LeaseRelease
    ) => {
      const set = outcome._tag === "Processed"
        ? sql`status = 'processed', processed_at = now(), last_error = NULL, next_attempt_at = NULL`
        : outcome._tag === "Failed"
        ? sql`status = ${outcome.retryInMs === null ? "failed" : "queued"}, last_error = ${outcome.error},
              next_attempt_at = ${
          outcome.retryInMs === null ? null : sql`now() + ${outcome.retryInMs} * interval '1 millisecond'`
        }`
        : sql`status = 'queued', next_attempt_at = now(), processing_attempts = greatest(processing_attempts - 1, 0)`
      return sql`
        UPDATE conversations SET ${set}, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
        WHERE id = ${conversationId} AND lease_owner = ${owner}
        RETURNING id`
    }
  } as const
}
