import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { EngagementState, type EngagementInput } from "../game/Engagement.js"
import { GameStatus } from "../game/GameEvents.js"
import type { MetricDeltas, Metrics } from "../game/Metrics.js"

/**
 * The player's score and metrics as one conversation changes them. `score_history` holds one row
 * per conversation, written in the same transaction as the change, with the player's row locked:
 * whoever finds the row already there applies nothing (a re-run, or a concurrent run).
 */

/** The player as locked for the update. */
export const LockedPlayer = Schema.Struct({
  chapter: Chapter,
  game_status: GameStatus,
  boss_attempts: Schema.Number,
  relationship_score: Schema.Number,
  engagement_state: EngagementState,
  vulnerability_exchanges: Schema.Number,
  intimacy: Schema.Number,
  passion: Schema.Number,
  trust: Schema.Number,
  secureness: Schema.Number
})
export type LockedPlayer = typeof LockedPlayer.Type

/** What `score_history` recorded for a conversation. */
export const RecordedScoreChange = Schema.Struct({
  score_before: Schema.Number,
  score_after: Schema.Number,
  events: Schema.parseJson(Schema.Array(Schema.String))
})
export type RecordedScoreChange = typeof RecordedScoreChange.Type

const Rhythm = Schema.Struct({
  total_conversations: Schema.Number,
  conversations_last_7_days: Schema.Number,
  average_messages: Schema.Number,
  hours_since_previous: Schema.NullOr(Schema.Number)
})

/** The change a conversation makes, decided by the caller from the locked state. */
export interface ScoreChange {
  readonly metrics: Metrics
  readonly changes: MetricDeltas
  readonly scoreBefore: number
  readonly scoreAfter: number
  readonly events: ReadonlyArray<string>
  readonly status: GameStatus
  /** Changes only when the conversation resolves a boss fight (`game/Boss.ts`). */
  readonly chapter: Chapter
  readonly bossAttempts: number
  readonly engagementState: EngagementState
  readonly vulnerabilityExchanges: number
}

export type ScoreApplication =
  | { readonly applied: true; readonly player: LockedPlayer; readonly change: ScoreChange }
  | { readonly applied: false; readonly player: LockedPlayer; readonly recorded: RecordedScoreChange }

export class GameStateRepository extends Effect.Service<GameStateRepository>()("aftertalk/GameStateRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const lockPlayer = SqlSchema.findOne({
      Request: Schema.String,
      Result: LockedPlayer,
      execute: (userId) =>
        sql`
          SELECT u.chapter, u.game_status, u.boss_attempts, u.relationship_score, u.engagement_state, u.vulnerability_exchanges,
                 m.intimacy, m.passion, m.trust, m.secureness
          FROM users u JOIN user_metrics m ON m.user_id = u.id
          WHERE u.id = ${userId}
          FOR UPDATE`
    })

    const findRecorded = SqlSchema.findOne({
      Request: Schema.String,
      Result: RecordedScoreChange,
      execute: (conversationId) =>
        sql`
          SELECT score_before, score_after, events::text AS events
          FROM score_history WHERE conversation_id = ${conversationId}`
    })

    // Counted up to this conversation's start (itself included), so that a later re-run sees the
    // same history even if the player has talked since.
    const findRhythm = SqlSchema.findOne({
      Request: Schema.Struct({ userId: Schema.String, conversationId: Schema.String }),
      Result: Rhythm,
      execute: ({ conversationId, userId }) =>
        sql`
          WITH current AS (SELECT started_at FROM conversations WHERE id = ${conversationId}),
          history AS (
            SELECT c.id, c.started_at, c.last_message_at,
                   (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS messages
            FROM conversations c, current
            WHERE c.user_id = ${userId} AND (c.started_at < current.started_at OR c.id = ${conversationId})
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
    })

    const record = (input: {
      readonly userId: string
      readonly conversationId: string
      readonly change: ScoreChange
    }) => {
      const { change } = input
      return Effect.all([
        sql`
          UPDATE user_metrics
          SET intimacy = ${change.metrics.intimacy}, passion = ${change.metrics.passion},
              trust = ${change.metrics.trust}, secureness = ${change.metrics.secureness}, updated_at = now()
          WHERE user_id = ${input.userId}`,
        sql`
          UPDATE users
          SET relationship_score = ${change.scoreAfter}, game_status = ${change.status},
              chapter = ${change.chapter}, boss_attempts = ${change.bossAttempts},
              engagement_state = ${change.engagementState},
              vulnerability_exchanges = ${change.vulnerabilityExchanges}, updated_at = now()
          WHERE id = ${input.userId}`,
        sql`
          INSERT INTO score_history (user_id, conversation_id, source, score_before, score_after, metric_changes, events)
          VALUES (${input.userId}, ${input.conversationId}, 'conversation', ${change.scoreBefore}, ${change.scoreAfter},
                  ${JSON.stringify(change.changes)}::jsonb, ${JSON.stringify(change.events)}::jsonb)`
      ], { discard: true })
    }

    /**
     * In one transaction: lock the player, and unless `score_history` already has this
     * conversation, let `decide` compute the change from the locked state and the player's
     * conversation rhythm, then write metrics, player and history together.
     */
    const applyConversationOnce = Effect.fn("GameStateRepository.applyConversationOnce")(function*(input: {
      readonly userId: string
      readonly conversationId: string
      readonly decide: (state: { readonly player: LockedPlayer; readonly rhythm: EngagementInput }) => ScoreChange
    }) {
      const application: Effect.Effect<ScoreApplication, SqlError.SqlError> = sql.withTransaction(
        Effect.gen(function*() {
          const player = yield* lockPlayer(input.userId)
          if (Option.isNone(player)) return yield* Effect.dieMessage(`player ${input.userId} not found`)
          const recorded = yield* findRecorded(input.conversationId)
          if (Option.isSome(recorded)) return { applied: false, player: player.value, recorded: recorded.value } as const
          const rhythm = yield* findRhythm({ userId: input.userId, conversationId: input.conversationId })
          if (Option.isNone(rhythm)) return yield* Effect.dieMessage(`conversation ${input.conversationId} not found`)
          const change = input.decide({
            player: player.value,
            rhythm: {
              totalConversations: rhythm.value.total_conversations,
              conversationsLast7Days: rhythm.value.conversations_last_7_days,
              averageMessagesPerConversation: rhythm.value.average_messages,
              hoursSincePreviousConversation: rhythm.value.hours_since_previous
            }
          })
          yield* record({ userId: input.userId, conversationId: input.conversationId, change })
          return { applied: true, player: player.value, change } as const
        })
      ).pipe(Effect.catchTag("ParseError", Effect.die))
      return yield* application
    })

    return { applyConversationOnce } as const
  })
}) {}
