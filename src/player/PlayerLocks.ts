import { type SqlClient, SqlSchema } from "@effect/sql"
import { Schema } from "effect"
import { LockedConflict, LockedForDecay, LockedPlayer, RecordedConflictChange, RecordedScoreChange } from "./PlayerLedgers.js"

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
  return { lockPlayer, lockConflict, lockForDecay, recordedScore, recordedConflict } as const
}
