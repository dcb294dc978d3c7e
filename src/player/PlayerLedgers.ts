import type { SqlClient, SqlError, Statement } from "@effect/sql"
import { Effect, Option, type ParseResult, Schema } from "effect"
import { Chapter } from "../game/Chapters.js"
import { ConflictZone } from "../game/Conflict.js"
import type { EngagementInput } from "../game/Engagement.js"
import { EngagementState } from "../game/Engagement.js"
import { GameStatus } from "../game/GameEvents.js"
import type { MetricDeltas, Metrics } from "../game/Metrics.js"

/**
 * What the player's repository locks, records and writes for one conversation: the score ledger
 * (`score_history`) and the conflict ledger (`conflict_history`), one row per conversation each,
 * plus what inactivity decay locks. Shapes only: the SQL is in `UserRepository`.
 */

/** The player as locked for a score change. */
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
  /** The player's columns this change sets, as it found them: what force_reprocess restores. */
  readonly playerBefore: {
    readonly game_status: GameStatus
    readonly chapter: Chapter
    readonly boss_attempts: number
    readonly engagement_state: EngagementState
    readonly vulnerability_exchanges: number
  }
}

/** The locked player and their conversation rhythm, which a score change is decided from. */
export interface ScoreState {
  readonly player: LockedPlayer
  readonly rhythm: EngagementInput
}

export type ScoreApplication =
  | { readonly applied: true; readonly player: LockedPlayer; readonly change: ScoreChange }
  | { readonly applied: false; readonly player: LockedPlayer; readonly recorded: RecordedScoreChange }

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
  /** The cooling clock as the conversation found it: what force_reprocess restores. */
  readonly updatedAtBefore: Date | null
  readonly criticalSinceBefore: Date | null
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

/** The player as locked for inactivity decay; `ledger_current`: the deducted hours count from their last interaction. */
export const LockedForDecay = Schema.Struct({
  chapter: Chapter,
  game_status: GameStatus,
  last_interaction_at: Schema.NullOr(Schema.DateFromSelf),
  ledger_current: Schema.Boolean,
  decay_hours_deducted: Schema.Number,
  intimacy: Schema.Number,
  passion: Schema.Number,
  trust: Schema.Number,
  secureness: Schema.Number
})
export type LockedForDecay = typeof LockedForDecay.Type

/** What decay takes from a player, decided from the locked state. */
export interface DecayChange {
  readonly metrics: Metrics
  readonly changes: MetricDeltas
  readonly scoreBefore: number
  readonly scoreAfter: number
  readonly events: ReadonlyArray<string>
  readonly status: GameStatus
  /** The ledger after this deduction: hours deducted since the last interaction. */
  readonly hoursDeducted: number
}

export type Read<A> = Effect.Effect<Option.Option<A>, SqlError.SqlError | ParseResult.ParseError>

/** One per-conversation ledger: how to lock the player for it, what it recorded, how to write a change. */
export interface Ledger<Locked, Recorded, Change> {
  readonly lock: (input: { readonly userId: string; readonly conversationId: string }) => Read<Locked>
  readonly recorded: (conversationId: string) => Read<Recorded>
  readonly write: (input: { readonly userId: string; readonly conversationId: string; readonly change: Change }) => Effect.Effect<void, SqlError.SqlError>
  /**
   * The write in one statement that locks the player and writes only while the ledger has no row
   * for the conversation and the player is still as `assumed`; true when it wrote.
   */
  readonly writeIf: (input: {
    readonly userId: string
    readonly conversationId: string
    readonly change: Change
    readonly assumed: Locked
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /** force_reprocess: takes back what the conversation's ledger row applied, and the row itself. */
  readonly revert: (conversationId: string) => Effect.Effect<void, SqlError.SqlError>
}

/**
 * A score change as written: metrics, score, status and the history row, plus `player`, the other
 * columns of `users` it sets (engagement for a conversation, the decay ledger for decay).
 */
export type ScoreWrite = Omit<ScoreChange, "engagementState" | "vulnerabilityExchanges" | "chapter" | "bossAttempts" | "playerBefore"> & {
  readonly userId: string
  readonly conversationId: string | null
  readonly source: "conversation" | "decay"
  readonly player: Statement.Fragment
}

/** A conversation's change of one ledger, as its stage asks for it. */
export interface ApplyInput<Locked, Change> {
  readonly userId: string
  readonly conversationId: string
  /** force_reprocess: revert this conversation's recorded change and apply the new one. */
  readonly replace?: boolean
  /** The player as the run found it: see `applyOnce`. */
  readonly assumed?: Locked | undefined
  readonly decide: (locked: Locked) => Change
}

/**
 * Lock, check the ledger, decide, write: one transaction. `replace` (force_reprocess) reverts
 * the conversation's recorded change first and decides again from the state so restored.
 *
 * With `assumed`, the player as the run found it, the change is decided from that and written
 * by one statement (`writeIf`) if the ledger has no row for the conversation and the player is
 * still as assumed when locked: the same change the transaction would decide, in one round trip
 * instead of five or more. Otherwise (a re-run, a player changed since) the transaction decides.
 */
export const applyOnce = <Locked, Recorded, Change>(
  sql: SqlClient.SqlClient,
  ledger: Ledger<Locked, Recorded, Change>,
  input: ApplyInput<Locked, Change>
) => {
  const { assumed } = input
  if (assumed === undefined || input.replace === true) return applyLocked(sql, ledger, input)
  return Effect.suspend(() => {
    const change = input.decide(assumed)
    return Effect.flatMap(
      ledger.writeIf({ userId: input.userId, conversationId: input.conversationId, change, assumed }),
      (written) => written ? Effect.succeed({ applied: true, locked: assumed, change } as const) : applyLocked(sql, ledger, input)
    )
  })
}

const applyLocked = <Locked, Recorded, Change>(
  sql: SqlClient.SqlClient,
  ledger: Ledger<Locked, Recorded, Change>,
  input: {
    readonly userId: string
    readonly conversationId: string
    readonly replace?: boolean
    readonly decide: (locked: Locked) => Change
  }
) =>
  sql.withTransaction(Effect.gen(function*() {
    const first = yield* ledger.lock(input)
    if (Option.isNone(first)) return yield* Effect.dieMessage(`player ${input.userId} not found`)
    const recorded = yield* ledger.recorded(input.conversationId)
    if (Option.isSome(recorded) && input.replace !== true) {
      return { applied: false, locked: first.value, recorded: recorded.value } as const
    }
    if (Option.isSome(recorded)) yield* ledger.revert(input.conversationId)
    // Re-read under the lock this transaction already holds: the reverted state.
    const locked = Option.isSome(recorded) ? yield* ledger.lock(input) : first
    if (Option.isNone(locked)) return yield* Effect.dieMessage(`player ${input.userId} not found`)
    const change = input.decide(locked.value)
    yield* ledger.write({ userId: input.userId, conversationId: input.conversationId, change })
    return { applied: true, locked: locked.value, change } as const
  })).pipe(Effect.catchTag("ParseError", Effect.die))
