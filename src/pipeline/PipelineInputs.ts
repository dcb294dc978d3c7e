import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { EngagementState } from "../game/Engagement.js"
import type { PipelineConversation, PipelineUser } from "./Stage.js"

/** Loads what a pipeline run works on: the conversation with its transcript and the player's state. */

const MessageRow = Schema.Struct({
  role: Schema.Literal("user", "nikita"),
  content: Schema.String,
  sent_at: Schema.Date
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
    // not including it.
    const findInputs = SqlSchema.findOne({
      Request: Schema.String,
      Result: InputsRow,
      execute: (id) =>
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
                 ) AS previous_interaction_at
          FROM conversations c
          JOIN users u ON u.id = c.user_id
          JOIN user_metrics m ON m.user_id = u.id
          WHERE c.id = ${id}`
    })

    const load = Effect.fn("PipelineInputs.load")(function*(conversationId: string) {
      const found = yield* findInputs(conversationId)
      if (Option.isNone(found)) return Option.none()
      const row = found.value
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
      return Option.some({ conversation: pipelineConversation, user: pipelineUser })
    }, Effect.orDie)

    return { load } as const
  })
}) {}
