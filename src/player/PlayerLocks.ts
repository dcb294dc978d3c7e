import { type SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { conversationRhythm } from "./ConversationRhythm.js"
import {
  LockedConflict,
  LockedForDecay,
  LockedPlayer,
  RecordedConflictChange,
  RecordedScoreChange,
  type ScoreState
} from "./PlayerLedgers.js"

/**
 * The locks the player's repository takes before it changes the player, and what its ledgers
 * recorded (reads only; the writes
 * stay in UserRepository, the one writer of the player's tables).
 */
export const playerLocks = (sql: SqlClient.SqlClient) => {
  // One lock for every change of the player: both rows, in the order users → user_metrics.
  const lockRow = (userId: string) =>
    sql`
      SELECT u.chapter, u.game_status, u.boss_attempts, u.relationship_score, u.engagement_state, u.vulnerability_exchanges,
             u.conflict_temperature, u.conflict_updated_at, u.conflict_critical_since, u.last_interaction_at,
             (u.decay_anchor_at IS NOT DISTINCT FROM u.last_interaction_at) AS ledger_current,
             u.decay_hours_deducted, m.intimacy, m.passion, m.trust, m.secureness
      FROM users u JOIN user_metrics m ON m.user_id = u.id
      WHERE u.id = ${userId}
      FOR UPDATE`
  const lockAs = <A, I>(schema: Schema.Schema<A, I>) =>
    SqlSchema.findOne({ Request: Schema.String, Result: schema, execute: lockRow })
  const lockPlayer = lockAs(LockedPlayer)
  const lockConflict = lockAs(LockedConflict)
  const lockForDecay = lockAs(LockedForDecay)
  // What a conversation's ledger rows recorded (a re-run finds them and applies nothing).
  const recordedScore = SqlSchema.findOne({
    Request: Schema.String,
    Result: RecordedScoreChange,
    execute: (conversationId) =>
      sql`SELECT score_before, score_after, events::text AS events FROM score_history WHERE conversation_id = ${conversationId}`
  })
  const recordedConflict = SqlSchema.findOne({
    Request: Schema.String,
    Result: RecordedConflictChange,
    execute: (conversationId) =>
      sql`
        SELECT temperature_before, temperature_after, zone, events::text AS events
        FROM conflict_history WHERE conversation_id = ${conversationId}`
  })
  // The player locked for a conversation's ledger write only while it is as `assumed` and the
  // ledger has no row for the conversation (a `WITH` of the write selects it): the values the
  // change was decided from are the values it is written over.
  const unchangedPlayer = (input: { readonly userId: string; readonly conversationId: string; readonly assumed: LockedPlayer }) => {
    const a = input.assumed
    return sql`
      SELECT u.id FROM users u JOIN user_metrics m ON m.user_id = u.id
      WHERE u.id = ${input.userId} AND u.chapter = ${a.chapter} AND u.game_status = ${a.game_status}
        AND u.boss_attempts = ${a.boss_attempts} AND u.relationship_score = ${a.relationship_score}
        AND u.engagement_state = ${a.engagement_state} AND u.vulnerability_exchanges = ${a.vulnerability_exchanges}
        AND m.intimacy = ${a.intimacy} AND m.passion = ${a.passion} AND m.trust = ${a.trust} AND m.secureness = ${a.secureness}
        AND NOT EXISTS (SELECT 1 FROM score_history h WHERE h.conversation_id = ${input.conversationId})
      FOR UPDATE OF u, m`
  }
  const unchangedConflict = (input: { readonly userId: string; readonly conversationId: string; readonly assumed: LockedConflict }) => {
    const a = input.assumed
    return sql`
      SELECT u.id FROM users u
      WHERE u.id = ${input.userId} AND u.game_status = ${a.game_status} AND u.relationship_score = ${a.relationship_score}
        AND u.conflict_temperature = ${a.conflict_temperature}
        AND u.conflict_updated_at IS NOT DISTINCT FROM ${a.conflict_updated_at}::timestamptz
        AND u.conflict_critical_since IS NOT DISTINCT FROM ${a.conflict_critical_since}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM conflict_history h WHERE h.conversation_id = ${input.conversationId})
      FOR UPDATE OF u`
  }
  const findRhythm = conversationRhythm(sql)
  /** The player locked for a score change, with their conversation rhythm as of the conversation. */
  const lockScoreState = ({ conversationId, userId }: { readonly userId: string; readonly conversationId: string }) =>
    Effect.gen(function*() {
      const player = yield* lockPlayer(userId)
      if (Option.isNone(player)) return Option.none<ScoreState>()
      const rhythm = yield* findRhythm({ userId, conversationId })
      if (Option.isNone(rhythm)) return yield* Effect.dieMessage(`conversation ${conversationId} not found`)
      return Option.some<ScoreState>({ player: player.value, rhythm: rhythm.value })
    })
  return { lockScoreState, lockConflict, lockForDecay, recordedScore, recordedConflict, unchangedPlayer, unchangedConflict } as const
}
