import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { type KeysetPosition, olderThan, positionText } from "../db/Keyset.js"
import { Conversation, type ConversationStatus } from "./ConversationModel.js"

/**
 * Conversations for operators (`GET /conversations`): newest first by creation, a stable order
 * (`updated_at` moves while a reader pages), paged by position. Reads only: every write of
 * `conversations` stays in ConversationRepository.
 */

/** Which conversations a listing shows: one status, the `processing` ones silent for too long, or all. */
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

export class ConversationListing extends Effect.Service<ConversationListing>()("aftertalk/ConversationListing", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decodeListed = Schema.decodeUnknown(Schema.Array(ListedConversation))

    const columns = sql`
      id AS conversation_id, user_id, platform, status, message_count, started_at, last_message_at, processed_at,
      processing_attempts, summary, emotional_tone, last_error, updated_at, next_attempt_at,
      ${positionText(sql, "created_at")} AS position_at`

    /** A page of conversations, with the position the next page starts at when there is one. */
    const list = Effect.fn("ConversationListing.list")(function*(input: {
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
      // One row more than asked tells whether another page follows.
      const rows = yield* sql`
        SELECT ${columns} FROM conversations WHERE ${sql.and(conditions)}
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

    return { list } as const
  })
}) {}
