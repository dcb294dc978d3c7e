import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import type { EngagementInput } from "../game/Engagement.js"

/**
 * The player's conversation rhythm as of one conversation, which the engagement state is derived
 * from. Counted up to this conversation's start (itself included), so that a later re-run sees the
 * same history even if the player has talked since. None for an unknown conversation.
 *
 * The query as a fragment (columns total_conversations, conversations_last_7_days,
 * average_messages, hours_since_previous; no row for an unknown conversation), so that the run's
 * one load of its inputs can hold it.
 */
export const conversationRhythmSql = (sql: SqlClient.SqlClient, conversationId: string) =>
  sql`
    WITH current AS (SELECT started_at, user_id FROM conversations WHERE id = ${conversationId}),
    history AS (
      SELECT c.id, c.started_at, c.last_message_at,
             (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS messages
      FROM conversations c, current
      WHERE c.user_id = current.user_id AND (c.started_at < current.started_at OR c.id = ${conversationId})
    ),
    recent AS (
      SELECT h.* FROM history h, current WHERE h.started_at > current.started_at - interval '7 days'
    )
    SELECT (SELECT count(*) FROM history) AS total_conversations,
           (SELECT count(*) FROM recent) AS conversations_last_7_days,
           (SELECT coalesce(avg(messages), 0) FROM recent) AS average_messages,
           (SELECT extract(epoch FROM current.started_at - max(h.last_message_at)) / 3600
              FROM history h, current WHERE h.id <> ${conversationId}
              GROUP BY current.started_at) AS hours_since_previous
    FROM current`

export const Rhythm = Schema.Struct({
  total_conversations: Schema.Number,
  conversations_last_7_days: Schema.Number,
  average_messages: Schema.Number,
  hours_since_previous: Schema.NullOr(Schema.Number)
})

export const toEngagementInput = (row: typeof Rhythm.Type): EngagementInput => ({
  totalConversations: row.total_conversations,
  conversationsLast7Days: row.conversations_last_7_days,
  averageMessagesPerConversation: row.average_messages,
  hoursSincePreviousConversation: row.hours_since_previous
})

export const conversationRhythm = (sql: SqlClient.SqlClient) => {
  const find = SqlSchema.findOne({
    Request: Schema.Struct({ userId: Schema.String, conversationId: Schema.String }),
    Result: Rhythm,
    execute: ({ conversationId }) => conversationRhythmSql(sql, conversationId)
  })
  return (input: { readonly userId: string; readonly conversationId: string }) =>
    Effect.map(find(input), Option.map(toEngagementInput))
}
