import { type SqlClient, SqlSchema } from "@effect/sql"
import { Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { type ConflictZone, conflictZone } from "../game/Conflict.js"
import { EngagementState } from "../game/Engagement.js"
import { GameStatus } from "../game/GameEvents.js"

/** The player as API.md's user state, and the row it is read from. */

export interface UserState {
  readonly user_id: string
  readonly display_name: string | null
  readonly timezone: string
  readonly game_status: GameStatus
  readonly chapter: Chapter
  readonly relationship_score: number
  readonly metrics: { readonly intimacy: number; readonly passion: number; readonly trust: number; readonly secureness: number }
  readonly engagement_state: EngagementState
  readonly boss_attempts: number
  readonly emotional_state: {
    readonly arousal: number
    readonly valence: number
    readonly dominance: number
    readonly intimacy: number
  }
  readonly conflict: { readonly temperature: number; readonly zone: ConflictZone }
  readonly last_interaction_at: Date | null
  readonly created_at: Date
}

export interface UserProfile {
  readonly display_name?: string | undefined
  /** An IANA zone the caller has validated; "UTC" for a new user when absent. */
  readonly timezone?: string | undefined
}

export const UserRow = Schema.Struct({
  user_id: Schema.String,
  display_name: Schema.NullOr(Schema.String),
  timezone: Schema.String,
  game_status: GameStatus,
  chapter: Chapter,
  relationship_score: Schema.Number,
  intimacy: Schema.Number,
  passion: Schema.Number,
  trust: Schema.Number,
  secureness: Schema.Number,
  engagement_state: EngagementState,
  boss_attempts: Schema.Int,
  arousal: Schema.Number,
  valence: Schema.Number,
  dominance: Schema.Number,
  emotional_intimacy: Schema.Number,
  conflict_temperature: Schema.Number,
  last_interaction_at: Schema.NullOr(Schema.DateFromSelf),
  created_at: Schema.DateFromSelf
})

export const toUserState = (row: typeof UserRow.Type): UserState => ({
  user_id: row.user_id,
  display_name: row.display_name,
  timezone: row.timezone,
  game_status: row.game_status,
  chapter: row.chapter,
  relationship_score: row.relationship_score,
  metrics: { intimacy: row.intimacy, passion: row.passion, trust: row.trust, secureness: row.secureness },
  engagement_state: row.engagement_state,
  boss_attempts: row.boss_attempts,
  emotional_state: { arousal: row.arousal, valence: row.valence, dominance: row.dominance, intimacy: row.emotional_intimacy },
  // The stored temperature as of the last conflict update; passive cooling is applied by the
  // pipeline's conflict stage, so a read never changes it.
  conflict: { temperature: row.conflict_temperature, zone: conflictZone(row.conflict_temperature) },
  last_interaction_at: row.last_interaction_at,
  created_at: row.created_at
})

export interface UserProfile {
  readonly display_name?: string | undefined
  /** An IANA zone the caller has validated; "UTC" for a new user when absent. */
  readonly timezone?: string | undefined
}

export const ProfileRequest = Schema.Struct({
  id: Schema.String,
  display_name: Schema.NullOr(Schema.String),
  timezone: Schema.NullOr(Schema.String)
})

/** The player's state as `GET /users/{id}` shows it: one read joining metrics and the latest mood. */
export const findUserRow = (sql: SqlClient.SqlClient) =>
  SqlSchema.findOne({
    Request: Schema.String,
    Result: UserRow,
    execute: (id) => userRowSql(sql, id)
  })

/** `findUserRow`'s query, for a read that joins more to it (the prompt's inputs). */
export const userRowSql = (sql: SqlClient.SqlClient, id: string) =>
      sql`
        SELECT u.id AS user_id, u.display_name, u.timezone, u.game_status, u.chapter, u.relationship_score,
          COALESCE(m.intimacy, 50) AS intimacy, COALESCE(m.passion, 50) AS passion,
          COALESCE(m.trust, 50) AS trust, COALESCE(m.secureness, 50) AS secureness,
          u.engagement_state, u.boss_attempts,
          COALESCE(e.arousal, 0.5) AS arousal, COALESCE(e.valence, 0.5) AS valence,
          COALESCE(e.dominance, 0.5) AS dominance, COALESCE(e.intimacy, 0.5) AS emotional_intimacy,
          u.conflict_temperature, u.last_interaction_at, u.created_at
        FROM users u
        LEFT JOIN user_metrics m ON m.user_id = u.id
        LEFT JOIN LATERAL (
          SELECT arousal, valence, dominance, intimacy FROM emotional_states
          WHERE user_id = u.id ORDER BY created_at DESC, id DESC LIMIT 1
        ) e ON true
        WHERE u.id = ${id}`
