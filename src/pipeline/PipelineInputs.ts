import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { EngagementState } from "../game/Engagement.js"
import type { PipelineConversation, PipelineUser } from "./Stage.js"
import { ConversationRepository } from "../conversation/ConversationRepository.js"

/** Loads what a pipeline run works on: the conversation with its transcript and the player's state. */

const ConversationRow = Schema.Struct({
  id: Schema.String,
  user_id: Schema.String,
  platform: Schema.Literal("text", "voice"),
  started_at: Schema.DateFromSelf,
  last_message_at: Schema.DateFromSelf
})

const UserRow = Schema.Struct({
  id: Schema.String,
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
    const conversations = yield* ConversationRepository

    const findConversation = SqlSchema.findOne({
      Request: Schema.String,
      Result: ConversationRow,
      execute: (id) => sql`SELECT id, user_id, platform, started_at, last_message_at FROM conversations WHERE id = ${id}`
    })

    // "Previous interaction": the latest message of the user's other conversations that came
    // before this one, so gaps are measured up to this conversation, not including it.
    const findUser = SqlSchema.findOne({
      Request: Schema.Struct({ userId: Schema.String, conversationId: Schema.String, before: Schema.DateFromSelf }),
      Result: UserRow,
      execute: ({ before, conversationId, userId }) =>
        sql`
          SELECT u.id, u.timezone, u.game_status, u.chapter, u.relationship_score, u.engagement_state,
                 u.vulnerability_exchanges, u.conflict_temperature, u.conflict_updated_at,
                 u.conflict_critical_since, u.created_at, m.intimacy, m.passion, m.trust, m.secureness,
                 (SELECT max(c.last_message_at) FROM conversations c
                   WHERE c.user_id = u.id AND c.id <> ${conversationId} AND c.last_message_at <= ${before}
                 ) AS previous_interaction_at
          FROM users u JOIN user_metrics m ON m.user_id = u.id
          WHERE u.id = ${userId}`
    })

    const load = Effect.fn("PipelineInputs.load")(function*(conversationId: string) {
      const conversation = yield* findConversation(conversationId)
      if (Option.isNone(conversation)) return Option.none()
      const row = conversation.value
      const messages = yield* conversations.messages(row.id)
      const user = yield* findUser({ userId: row.user_id, conversationId: row.id, before: row.started_at })
      if (Option.isNone(user)) return Option.none()
      const u = user.value
      const pipelineConversation: PipelineConversation = {
        id: row.id,
        userId: row.user_id,
        platform: row.platform,
        startedAt: row.started_at,
        lastMessageAt: row.last_message_at,
        messages: messages.map((m) => ({ role: m.role, content: m.content, sentAt: m.sent_at }))
      }
      const pipelineUser: PipelineUser = {
        id: u.id,
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
  }),
  dependencies: [ConversationRepository.Default]
}) {}
