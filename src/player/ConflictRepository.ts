import { SqlClient, type SqlError, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { ConflictZone } from "../game/Conflict.js"
import { GameStatus } from "../game/GameEvents.js"

/**
 * The player's conflict temperature as one conversation changes it. `conflict_history` holds one
 * row per conversation, written in the same transaction as the change, with the player's row
 * locked: whoever finds the row already there heats or cools nothing (a re-run, or a concurrent run).
 */

/** The player's conflict state as locked for the update. */
export const LockedConflict = Schema.Struct({
  game_status: GameStatus,
  relationship_score: Schema.Number,
  conflict_temperature: Schema.Number,
  conflict_updated_at: Schema.NullOr(Schema.DateFromSelf),
  conflict_critical_since: Schema.NullOr(Schema.DateFromSelf)
})
export type LockedConflict = typeof LockedConflict.Type

/** What `conflict_history` recorded for a conversation. */
export const RecordedConflictChange = Schema.Struct({
  temperature_before: Schema.Number,
  temperature_after: Schema.Number,
  zone: ConflictZone,
  events: Schema.parseJson(Schema.Array(Schema.String))
})
export type RecordedConflictChange = typeof RecordedConflictChange.Type

/** The change a conversation makes, decided by the caller from the locked state. */
export interface ConflictChange {
  readonly temperatureBefore: number
  readonly temperature: number
  readonly zone: ConflictZone
  readonly updatedAt: Date
  readonly criticalSince: Date | null
  readonly events: ReadonlyArray<string>
  /** `game_over` on a breakup; otherwise the status as it was. */
  readonly status: GameStatus
}

export type ConflictApplication =
  | { readonly applied: true; readonly change: ConflictChange }
  | { readonly applied: false; readonly recorded: RecordedConflictChange }

export class ConflictRepository extends Effect.Service<ConflictRepository>()("aftertalk/ConflictRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const lockConflict = SqlSchema.findOne({
      Request: Schema.String,
      Result: LockedConflict,
      execute: (userId) =>
        sql`
          SELECT game_status, relationship_score, conflict_temperature, conflict_updated_at, conflict_critical_since
          FROM users WHERE id = ${userId}
          FOR UPDATE`
    })

    const findRecorded = SqlSchema.findOne({
      Request: Schema.String,
      Result: RecordedConflictChange,
      execute: (conversationId) =>
        sql`
          SELECT temperature_before, temperature_after, zone, events::text AS events
          FROM conflict_history WHERE conversation_id = ${conversationId}`
    })

    const record = (input: { readonly userId: string; readonly conversationId: string; readonly change: ConflictChange }) => {
      const { change } = input
      return Effect.all([
        sql`
          UPDATE users
          SET conflict_temperature = ${change.temperature}, conflict_updated_at = ${change.updatedAt},
              conflict_critical_since = ${change.criticalSince}, game_status = ${change.status}, updated_at = now()
          WHERE id = ${input.userId}`,
        sql`
          INSERT INTO conflict_history (user_id, conversation_id, temperature_before, temperature_after, zone, events)
          VALUES (${input.userId}, ${input.conversationId}, ${change.temperatureBefore}, ${change.temperature},
                  ${change.zone}, ${JSON.stringify(change.events)}::jsonb)`
      ], { discard: true })
    }

    /**
     * In one transaction: lock the player, and unless `conflict_history` already has this
     * conversation, let `decide` compute the change from the locked state and write it.
     */
    const applyConversationOnce = Effect.fn("ConflictRepository.applyConversationOnce")(function*(input: {
      readonly userId: string
      readonly conversationId: string
      readonly decide: (locked: LockedConflict) => ConflictChange
    }) {
      const application: Effect.Effect<ConflictApplication, SqlError.SqlError> = sql.withTransaction(
        Effect.gen(function*() {
          const locked = yield* lockConflict(input.userId)
          if (Option.isNone(locked)) return yield* Effect.dieMessage(`player ${input.userId} not found`)
          const recorded = yield* findRecorded(input.conversationId)
          if (Option.isSome(recorded)) return { applied: false, recorded: recorded.value } as const
          const change = input.decide(locked.value)
          yield* record({ userId: input.userId, conversationId: input.conversationId, change })
          return { applied: true, change } as const
        })
      ).pipe(Effect.catchTag("ParseError", Effect.die))
      return yield* application
    })

    return { applyConversationOnce } as const
  })
}) {}
