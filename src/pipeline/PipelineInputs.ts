import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { KeyMoment, ToneCounts } from "../game/DailySummary.js"
import { EngagementState } from "../game/Engagement.js"
import { Extraction } from "../game/ExtractionSchema.js"
import { LifeEvent } from "../game/LifeEventSchema.js"
import { localDate } from "../game/LocalTime.js"
import { conversationRhythmSql, Rhythm, toEngagementInput } from "../player/ConversationRhythm.js"
import type { PipelineConversation, PipelineUser, RunFound } from "./Stage.js"

/** Loads what a pipeline run works on: the conversation with its transcript and the player's state. */

const MessageRow = Schema.Struct({
  role: Schema.Literal("user", "nikita"),
  content: Schema.String,
  sent_at: Schema.Date
})

/** What else the load finds (`RunFound`): the days as JSON around the conversation's UTC date. */
const FoundColumns = Schema.Struct({
  boss_attempts: Schema.Number,
  stored_extraction: Schema.NullOr(Schema.parseJson(Extraction)),
  stored_summary: Schema.NullOr(Schema.String),
  ...Rhythm.fields,
  emotional_arousal: Schema.NullOr(Schema.Number),
  emotional_valence: Schema.NullOr(Schema.Number),
  emotional_dominance: Schema.NullOr(Schema.Number),
  emotional_intimacy: Schema.NullOr(Schema.Number),
  emotional_at: Schema.NullOr(Schema.DateFromSelf),
  touchpoint_trigger: Schema.NullOr(Schema.Literal("gap", "event", "time")),
  touchpoint_deliver_at: Schema.NullOr(Schema.DateFromSelf),
  touchpoints_pending: Schema.Boolean,
  touchpoints_last_delivered_at: Schema.NullOr(Schema.DateFromSelf),
  touchpoints_last_created_at: Schema.NullOr(Schema.DateFromSelf),
  life_events: Schema.Array(Schema.Struct({ date: Schema.String, event: LifeEvent })),
  days: Schema.Array(Schema.Struct({
    id: Schema.String,
    summary_date: Schema.String,
    conversation_ids: Schema.Array(Schema.String),
    score_start: Schema.Number,
    score_end: Schema.Number,
    key_moments: Schema.Array(KeyMoment),
    tone_counts: ToneCounts
  }))
})

/** The conversation, its transcript (as JSON, in order) and its player's state: one row. */
const InputsRow = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  platform: Schema.Literal("text", "voice"),
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf,
  messages: Schema.Array(MessageRow),
  timezone: Schema.String,
  game_status: Schema.Literal("active", "boss_fight", "game_over", "won"),
  chapter: Chapter,
  relationship_score: Schema.Number,
  engagement_state: EngagementState,
  vulnerability_exchanges: Schema.Number,
  previous_interaction_at: Schema.NullOr(Schema.DateFromSelf),
  conflict_temperature: Schema.Number,
  conflict_updated_at: Schema.NullOr(Schema.DateFromSelf),
  conflict_critical_since: Schema.NullOr(Schema.DateFromSelf),
  created_at: Schema.DateFromSelf,
  intimacy: Schema.Number,
  passion: Schema.Number,
  trust: Schema.Number,
  secureness: Schema.Number
})

export class PipelineInputs extends Effect.Service<PipelineInputs>()("aftertalk/PipelineInputs", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    // One round trip. "Previous interaction": the latest message of the user's other
    // conversations that came before this one, so gaps are measured up to this conversation,
    // not including it. A local date is within a day of the UTC date: the days around it are
    // read, and the conversation's local date picked in JavaScript (the stages' `localDate`).
    const findInputs = (id: string) =>
        sql`
          SELECT c.id, c.user_id, c.platform, c.started_at, c.last_message_at,
                 (SELECT coalesce(json_agg(json_build_object('role', t.role, 'content', t.content, 'sent_at', t.sent_at)
                                           ORDER BY t.seq), '[]'::json)
                    FROM messages t WHERE t.conversation_id = c.id) AS messages,
                 u.timezone, u.game_status, u.chapter, u.relationship_score, u.engagement_state,
                 u.vulnerability_exchanges, u.conflict_temperature, u.conflict_updated_at,
                 u.conflict_critical_since, u.created_at, m.intimacy, m.passion, m.trust, m.secureness,
                 (SELECT max(p.last_message_at) FROM conversations p
                   WHERE p.user_id = u.id AND p.id <> c.id AND p.last_message_at <= c.started_at
                 ) AS previous_interaction_at,
                 u.boss_attempts, c.summary AS stored_summary,
                 (SELECT x.extraction::text FROM conversation_extractions x WHERE x.conversation_id = c.id) AS stored_extraction,
                 r.total_conversations, r.conversations_last_7_days, r.average_messages, r.hours_since_previous,
                 e.arousal AS emotional_arousal, e.valence AS emotional_valence, e.dominance AS emotional_dominance,
                 e.intimacy AS emotional_intimacy, e.created_at AS emotional_at,
                 tp.trigger_type AS touchpoint_trigger, tp.deliver_at AS touchpoint_deliver_at,
                 th.has_pending AS touchpoints_pending, th.last_delivered_at AS touchpoints_last_delivered_at,
                 th.last_created_at AS touchpoints_last_created_at,
                 (SELECT coalesce(json_agg(json_build_object('date', l.event_date::text, 'event', json_build_object(
                           'time_slot', l.time_slot, 'domain', l.domain, 'description', l.description, 'importance', l.importance,
                           'valence_delta', l.valence_delta, 'arousal_delta', l.arousal_delta))
                         ORDER BY CASE l.time_slot WHEN 'morning' THEN 1 WHEN 'afternoon' THEN 2 WHEN 'evening' THEN 3 ELSE 4 END,
                                  l.created_at), '[]'::json)
                    FROM life_events l WHERE l.user_id = u.id AND l.event_date BETWEEN d.utc_date - 1 AND d.utc_date + 1) AS life_events,
                 (SELECT coalesce(json_agg(json_build_object('id', s.id, 'summary_date', s.summary_date::text,
                           'conversation_ids', s.conversation_ids, 'score_start', s.score_start, 'score_end', s.score_end,
                           'key_moments', s.key_moments, 'tone_counts', s.tone_counts)), '[]'::json)
                    FROM daily_summaries s WHERE s.user_id = u.id AND s.summary_date BETWEEN d.utc_date - 1 AND d.utc_date + 1) AS days
          FROM conversations c
          JOIN users u ON u.id = c.user_id
          JOIN user_metrics m ON m.user_id = u.id
          CROSS JOIN LATERAL (SELECT (c.last_message_at AT TIME ZONE 'UTC')::date AS utc_date) d
          LEFT JOIN LATERAL (${conversationRhythmSql(sql, id)}) r ON true
          LEFT JOIN LATERAL (
            SELECT arousal, valence, dominance, intimacy, created_at FROM emotional_states
            WHERE user_id = u.id AND conversation_id IS DISTINCT FROM c.id
            ORDER BY created_at DESC, id LIMIT 1) e ON true
          LEFT JOIN scheduled_touchpoints tp ON tp.conversation_id = c.id
          CROSS JOIN LATERAL (
            SELECT coalesce(bool_or(status = 'pending'), false) AS has_pending, max(delivered_at) AS last_delivered_at,
                   max(created_at) AS last_created_at
            FROM scheduled_touchpoints WHERE user_id = u.id AND conversation_id IS DISTINCT FROM c.id) th
          WHERE c.id = ${id}`

    const load = Effect.fn("PipelineInputs.load")(function*(conversationId: string) {
      const [raw] = yield* findInputs(conversationId)
      if (raw === undefined) return Option.none()
      const row = yield* decodeInputs(raw)
      const u = row
      const messages = row.messages
      const pipelineConversation: PipelineConversation = {
        id: row.id,
        userId: row.user_id,
        platform: row.platform,
        startedAt: row.started_at,
        lastMessageAt: row.last_message_at,
        messages: messages.map((m) => ({ role: m.role, content: m.content, sentAt: m.sent_at }))
      }
      const pipelineUser: PipelineUser = {
        id: row.user_id,
        timezone: u.timezone,
        gameStatus: u.game_status,
        chapter: u.chapter,
        relationshipScore: u.relationship_score,
        metrics: { intimacy: u.intimacy, passion: u.passion, trust: u.trust, secureness: u.secureness },
        engagementState: u.engagement_state,
        vulnerabilityExchanges: u.vulnerability_exchanges,
        previousInteractionAt: Option.fromNullable(u.previous_interaction_at),
        conflictTemperature: u.conflict_temperature,
        conflictUpdatedAt: Option.fromNullable(u.conflict_updated_at),
        conflictCriticalSince: Option.fromNullable(u.conflict_critical_since),
        createdAt: u.created_at
      }
      return Option.some({ conversation: pipelineConversation, user: pipelineUser, found: foundOf(row, raw) })
    }, Effect.orDie)

    return { load } as const
  })
}) {}

const decodeInputs = Schema.decodeUnknown(InputsRow)
const decodeFound = Schema.decodeUnknownOption(FoundColumns)

/**
 * What the load found besides the inputs. A row failing its schema (a stored extraction that no
 * longer matches it) hands nothing: the stages read their rows themselves and fail as they did.
 */
const foundOf = (input: { readonly last_message_at: Date; readonly timezone: string }, columns: unknown): RunFound | undefined => {
  const decoded = decodeFound(columns)
  if (Option.isNone(decoded)) return undefined
  const row = decoded.value
  const date = localDate(input.last_message_at, input.timezone)
      const day = row.days.find((d) => d.summary_date === date)
      const found: RunFound = {
        extraction: Option.fromNullable(row.stored_extraction),
        summary: Option.fromNullable(row.stored_summary),
        bossAttempts: row.boss_attempts,
        rhythm: toEngagementInput(row),
        emotionalBefore: row.emotional_at === null ? Option.none() : Option.some({
          arousal: row.emotional_arousal ?? 0,
          valence: row.emotional_valence ?? 0,
          dominance: row.emotional_dominance ?? 0,
          intimacy: row.emotional_intimacy ?? 0,
          createdAt: row.emotional_at
        }),
        touchpoint: row.touchpoint_trigger === null || row.touchpoint_deliver_at === null
          ? Option.none()
          : Option.some({ trigger: row.touchpoint_trigger, deliverAt: row.touchpoint_deliver_at }),
        touchpointHistory: {
          hasPending: row.touchpoints_pending,
          lastDeliveredAt: row.touchpoints_last_delivered_at,
          lastCreatedAt: row.touchpoints_last_created_at
        },
        lifeEvents: row.life_events.filter((e) => e.date === date).map((e) => e.event),
        day: day === undefined ? Option.none() : Option.some({
          id: day.id,
          conversationIds: day.conversation_ids,
          scoreStart: day.score_start,
          scoreEnd: day.score_end,
          keyMoments: day.key_moments,
          toneCounts: day.tone_counts
        })
      }
  return found
}
