import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { EmotionalTone } from "../game/EmotionalTone.js"
import { ConversationRepository } from "./ConversationRepository.js"

/**
 * The `summary` and `emotional_tone` columns of `conversations`: written by the summary stage
 * (through `ConversationRepository`, the table's one writer),
 * read back by the prompt's continuity section (and by a re-run, which keeps what it finds).
 * Rows of our own table that fail our own schema are a bug: parse errors are defects.
 */

export const StoredSummary = Schema.Struct({
  summary: Schema.NullOr(Schema.String),
  emotional_tone: Schema.NullOr(EmotionalTone)
})
export type StoredSummary = typeof StoredSummary.Type

export const RecentSummary = Schema.Struct({
  conversation_id: Schema.String,
  platform: Schema.Literal("text", "voice"),
  summary: Schema.String,
  emotional_tone: Schema.NullOr(EmotionalTone),
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf
})
export type RecentSummary = typeof RecentSummary.Type

export class ConversationSummaryRepository extends Effect.Service<ConversationSummaryRepository>()(
  "aftertalk/ConversationSummaryRepository",
  {
    effect: Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const conversations = yield* ConversationRepository

      const findStored = SqlSchema.findOne({
        Request: Schema.String,
        Result: StoredSummary,
        execute: (conversationId) => sql`SELECT summary, emotional_tone FROM conversations WHERE id = ${conversationId}`
      })

      /** What a previous run stored for the conversation (both columns null before the first run). */
      const stored = Effect.fn("ConversationSummaryRepository.stored")(
        (conversationId: string) => findStored(conversationId),
        Effect.catchTag("ParseError", Effect.die)
      )

      /** Stores the summary stage's result (written by the conversation's repository). */
      const set = Effect.fn("ConversationSummaryRepository.set")(
        (input: { readonly conversationId: string; readonly summary: string; readonly tone: EmotionalTone }) =>
          conversations.setSummary(input)
      )

      const findRecent = SqlSchema.findAll({
        Request: Schema.Struct({ userId: Schema.String, limit: Schema.Number }),
        Result: RecentSummary,
        execute: ({ limit, userId }) =>
          sql`
            SELECT id AS conversation_id, platform, summary, emotional_tone, started_at, last_message_at
            FROM conversations
            WHERE user_id = ${userId} AND summary IS NOT NULL AND summary <> ''
            ORDER BY last_message_at DESC, id
            LIMIT ${limit}`
      })

      /** The user's latest summarised conversations, newest first. */
      const recent = Effect.fn("ConversationSummaryRepository.recent")(
        (input: { readonly userId: string; readonly limit: number }) => findRecent(input),
        Effect.catchTag("ParseError", Effect.die)
      )

      return { stored, set, recent } as const
    }),
    dependencies: [ConversationRepository.Default]
  }
) {}
