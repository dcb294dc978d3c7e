import type { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { RecentSummary } from "../conversation/ConversationSummaryRepository.js"
import { LifeEvent } from "../game/LifeEventSchema.js"
import { localDate } from "../game/LocalTime.js"
import { toUserState, UserRow, userRowSql } from "../player/UserState.js"

/**
 * Everything a prompt is built from except its memory facts, read in one statement: the player
 * (as `UserRepository.find`), Nikita's day, the latest conversation summaries, the open threads,
 * the newest thoughts and the conversation's own summary. The same rows, orders and limits as the
 * repositories' reads (`LifeEventRepository.forDay`, `ConversationSummaryRepository.recent` and
 * `stored`, `NotesRepository.openThreads` and `recentThoughts`), each as a JSON column. Nikita's
 * day is read around the moment's UTC date (a local date is within a day of it) and picked by
 * the player's local date here, as `localDate` reckons it.
 */

const StateRow = Schema.Struct({
  ...UserRow.fields,
  life_events: Schema.Array(Schema.Struct({ date: Schema.String, event: LifeEvent })),
  summaries: Schema.Array(Schema.Struct({
    ...RecentSummary.fields,
    started_at: Schema.Date,
    last_message_at: Schema.Date
  })),
  threads: Schema.Array(Schema.Struct({ topic: Schema.String })),
  thoughts: Schema.Array(Schema.Struct({ content: Schema.String })),
  own_summary: Schema.NullOr(Schema.String)
})

export interface PromptStateLimits {
  readonly summaries: number
  readonly threads: number
  readonly thoughts: number
}

export const readPromptState = (sql: SqlClient.SqlClient) => {
  const decode = Schema.decodeUnknown(StateRow)
  return (request: {
    readonly userId: string
    readonly now: Date
    readonly limits: PromptStateLimits
    /** The conversation whose summary is read too (none: no own summary). */
    readonly conversationId?: string | undefined
  }) =>
    Effect.gen(function*() {
      const { limits, userId } = request
      const utcDate = sql`(${request.now}::timestamptz AT TIME ZONE 'UTC')::date`
      const [raw] = yield* sql`
        SELECT ur.*,
          (SELECT coalesce(json_agg(json_build_object('date', l.event_date::text, 'event', json_build_object(
                    'time_slot', l.time_slot, 'domain', l.domain, 'description', l.description, 'importance', l.importance,
                    'valence_delta', l.valence_delta, 'arousal_delta', l.arousal_delta))
                  ORDER BY CASE l.time_slot WHEN 'morning' THEN 1 WHEN 'afternoon' THEN 2 WHEN 'evening' THEN 3 ELSE 4 END,
                           l.created_at), '[]'::json)
             FROM life_events l WHERE l.user_id = ur.user_id AND l.event_date BETWEEN ${utcDate} - 1 AND ${utcDate} + 1
          ) AS life_events,
          (SELECT coalesce(json_agg(s ORDER BY s.last_message_at DESC, s.conversation_id), '[]'::json) FROM (
             SELECT id AS conversation_id, platform, summary, emotional_tone, started_at, last_message_at
             FROM conversations
             WHERE user_id = ur.user_id AND summary IS NOT NULL AND summary <> ''
             ORDER BY last_message_at DESC, id
             LIMIT ${limits.summaries}) s
          ) AS summaries,
          (SELECT coalesce(json_agg(t ORDER BY t.created_at DESC, t.topic), '[]'::json) FROM (
             SELECT topic, created_at FROM conversation_threads
             WHERE user_id = ur.user_id AND status = 'open'
             ORDER BY created_at DESC, topic
             LIMIT ${limits.threads}) t
          ) AS threads,
          (SELECT coalesce(json_agg(n ORDER BY n.created_at DESC, n.content), '[]'::json) FROM (
             SELECT content, created_at FROM nikita_thoughts
             WHERE user_id = ur.user_id
             ORDER BY created_at DESC, content
             LIMIT ${limits.thoughts}) n
          ) AS thoughts,
          ${request.conversationId === undefined
        ? sql`NULL::text`
        : sql`(SELECT summary FROM conversations WHERE id = ${request.conversationId})`} AS own_summary
        FROM (${userRowSql(sql, userId)}) ur`
      if (raw === undefined) return Option.none()
      const row = yield* decode(raw).pipe(Effect.orDie)
      const today = localDate(request.now, row.timezone)
      return Option.some({
        user: toUserState(row),
        lifeEvents: row.life_events.filter((e) => e.date === today).map((e) => e.event),
        recentSummaries: row.summaries,
        openThreads: row.threads,
        recentThoughts: row.thoughts,
        ownSummary: Option.fromNullable(row.own_summary)
      })
    })
}
