import { SqlClient, SqlSchema, type Statement } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import {
  applyOnce,
  type ApplyInput,
  type ConflictApplication,
  type Ledger,
  type ScoreWrite,
  type ConflictChange,
  type DecayChange,
  LockedConflict,
  LockedForDecay,
  RecordedConflictChange,
  RecordedScoreChange,
  type ScoreApplication,
  type ScoreChange,
  type ScoreState
} from "./PlayerLedgers.js"
import { bandChanged } from "../game/ScoreBand.js"
import { playerLocks } from "./PlayerLocks.js"
import { findUserRow, ProfileRequest, toUserState, type UserProfile } from "./UserState.js"

/**
 * The player's repository: the only code that writes `users`, `user_metrics`, `score_history` and
 * `conflict_history`.
 *
 * A conversation changes the player at most once per ledger (`score_history`,
 * `conflict_history`): `applyOnce` writes a change decided from the player as the run found it in
 * one statement while the player is still so, or else locks the player's row, checks the ledger,
 * runs the caller's pure decision on the locked state and writes, in one transaction, so a re-run
 * or a concurrent run finds the ledger row and applies nothing. Decay locks the same row (users and user_metrics,
 * `FOR UPDATE`), so decay and a conversation apply one after the other, never over each other.
 */

export class UserRepository extends Effect.Service<UserRepository>()("aftertalk/UserRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const insertUser = SqlSchema.findOne({
      Request: ProfileRequest,
      Result: Schema.Struct({ id: Schema.String }),
      execute: (r) =>
        sql`
          INSERT INTO users (id, display_name, timezone)
          VALUES (${r.id}, ${r.display_name}, COALESCE(${r.timezone}, 'UTC'))
          ON CONFLICT (id) DO NOTHING
          RETURNING id`
    })

    // Also heals a users row that some other path created without its metrics.
    const ensureMetrics = SqlSchema.void({
      Request: Schema.String,
      execute: (id) => sql`INSERT INTO user_metrics (user_id) VALUES (${id}) ON CONFLICT (user_id) DO NOTHING`
    })

    // A field left out of the request keeps its value: PUT updates the profile, it does not reset it.
    const updateProfile = SqlSchema.void({
      Request: ProfileRequest,
      execute: (r) =>
        sql`
          UPDATE users SET
            display_name = COALESCE(${r.display_name}, display_name),
            timezone = COALESCE(${r.timezone}, timezone),
            updated_at = now()
          WHERE id = ${r.id}`
    })

    const findRow = findUserRow(sql)

    const { lockConflict, lockForDecay, lockScoreState, recordedConflict, recordedScore, unchangedConflict, unchangedPlayer } = playerLocks(sql)

    /**
     * The one score write, of a conversation and of decay alike: history, metrics and player in
     * one statement, for the player `guard` selects (its `id`). The history row goes first: a
     * conversation's row already there writes nothing at all. Answers whether it wrote.
     */
    const writeScore = (input: ScoreWrite, guard: Statement.Fragment, playerBefore: object | null = null) =>
      Effect.map(
        sql<{ written: boolean }>`
          WITH player AS (${guard}),
          history AS (
            INSERT INTO score_history (user_id, conversation_id, source, score_before, score_after, metric_changes, events, player_before)
            SELECT id, ${input.conversationId}::uuid, ${input.source}, ${input.scoreBefore}, ${input.scoreAfter},
                   ${JSON.stringify(input.changes)}::jsonb, ${JSON.stringify(input.events)}::jsonb,
                   ${playerBefore === null ? null : JSON.stringify(playerBefore)}::jsonb
            FROM player
            ON CONFLICT (conversation_id) WHERE conversation_id IS NOT NULL DO NOTHING RETURNING user_id),
          metrics AS (
            UPDATE user_metrics SET intimacy = ${input.metrics.intimacy}, passion = ${input.metrics.passion},
              trust = ${input.metrics.trust}, secureness = ${input.metrics.secureness}, updated_at = now()
            FROM history WHERE user_metrics.user_id = history.user_id),
          changed AS (
            UPDATE users SET relationship_score = ${input.scoreAfter}, game_status = ${input.status}, ${input.player}, updated_at = now()
            FROM history WHERE users.id = history.user_id)
          SELECT EXISTS (SELECT 1 FROM history) AS written`,
        ([row]) => row?.written === true
      )

    const conversationScore = (input: { readonly userId: string; readonly conversationId: string; readonly change: ScoreChange }) => ({
      ...input.change,
      userId: input.userId,
      conversationId: input.conversationId,
      source: "conversation" as const,
      player: sql`engagement_state = ${input.change.engagementState}, vulnerability_exchanges = ${input.change.vulnerabilityExchanges},
        chapter = ${input.change.chapter}, boss_attempts = ${input.change.bossAttempts}`
    })

    const scoreLedger: Ledger<ScoreState, RecordedScoreChange, ScoreChange> = {
      lock: lockScoreState,
      recorded: recordedScore,
      write: (input) => writeScore(conversationScore(input), sql`SELECT ${input.userId}::uuid AS id`, input.change.playerBefore),
      writeIf: (input) =>
        writeScore(conversationScore(input), unchangedPlayer({ ...input, assumed: input.assumed.player }), input.change.playerBefore),
      // The recorded deltas are the ones actually applied (after caps and clamping), so subtracting
      // them restores the metrics and score the conversation found; `player_before` restores the
      // other columns the change set (rows written before it existed keep the current values).
      revert: (conversationId) =>
        Effect.all([
          sql`
            UPDATE user_metrics m SET
              intimacy = LEAST(100, GREATEST(0, m.intimacy - COALESCE((h.metric_changes->>'intimacy')::float8, 0))),
              passion = LEAST(100, GREATEST(0, m.passion - COALESCE((h.metric_changes->>'passion')::float8, 0))),
              trust = LEAST(100, GREATEST(0, m.trust - COALESCE((h.metric_changes->>'trust')::float8, 0))),
              secureness = LEAST(100, GREATEST(0, m.secureness - COALESCE((h.metric_changes->>'secureness')::float8, 0))),
              updated_at = now()
            FROM score_history h WHERE h.conversation_id = ${conversationId} AND m.user_id = h.user_id`,
          sql`
            UPDATE users u
            SET relationship_score = LEAST(100, GREATEST(0, u.relationship_score - (h.score_after - h.score_before))),
                game_status = COALESCE(h.player_before->>'game_status', u.game_status),
                chapter = COALESCE((h.player_before->>'chapter')::int, u.chapter),
                boss_attempts = COALESCE((h.player_before->>'boss_attempts')::int, u.boss_attempts),
                engagement_state = COALESCE(h.player_before->>'engagement_state', u.engagement_state),
                vulnerability_exchanges = COALESCE((h.player_before->>'vulnerability_exchanges')::int, u.vulnerability_exchanges),
                updated_at = now()
            FROM score_history h WHERE h.conversation_id = ${conversationId} AND u.id = h.user_id`,
          sql`DELETE FROM score_history WHERE conversation_id = ${conversationId}`
        ], { discard: true })
    }

    /** A conversation's conflict change: history and player in one statement, for the player `guard` selects. */
    const writeConflict = ({ change, conversationId }: { readonly conversationId: string; readonly change: ConflictChange }, guard: Statement.Fragment) =>
      Effect.map(
        sql<{ written: boolean }>`
          WITH player AS (${guard}),
          history AS (
            INSERT INTO conflict_history (user_id, conversation_id, temperature_before, temperature_after, zone, events,
                                          updated_at_before, critical_since_before)
            SELECT id, ${conversationId}, ${change.temperatureBefore}, ${change.temperature}, ${change.zone},
                   ${JSON.stringify(change.events)}::jsonb, ${change.updatedAtBefore}::timestamptz, ${change.criticalSinceBefore}::timestamptz
            FROM player
            ON CONFLICT (conversation_id) DO NOTHING RETURNING user_id),
          changed AS (
            UPDATE users SET conflict_temperature = ${change.temperature}, conflict_updated_at = ${change.updatedAt},
              conflict_critical_since = ${change.criticalSince}::timestamptz, game_status = ${change.status}, updated_at = now()
            FROM history WHERE users.id = history.user_id)
          SELECT EXISTS (SELECT 1 FROM history) AS written`,
        ([row]) => row?.written === true
      )

    const conflictLedger: Ledger<LockedConflict, RecordedConflictChange, ConflictChange> = {
      lock: ({ userId }) => lockConflict(userId),
      recorded: recordedConflict,
      write: (input) => writeConflict(input, sql`SELECT ${input.userId}::uuid AS id`),
      writeIf: (input) => writeConflict(input, unchangedConflict(input)),
      revert: (conversationId) =>
        Effect.all([
          sql`
            UPDATE users u
            SET conflict_temperature = LEAST(100, GREATEST(0, u.conflict_temperature - (h.temperature_after - h.temperature_before))),
                conflict_updated_at = h.updated_at_before, conflict_critical_since = h.critical_since_before,
                updated_at = now()
            FROM conflict_history h WHERE h.conversation_id = ${conversationId} AND u.id = h.user_id`,
          sql`DELETE FROM conflict_history WHERE conversation_id = ${conversationId}`
        ], { discard: true })
    }

    /** The full user state; none for an unknown user. */
    const find = Effect.fn("UserRepository.find")(
      (userId: string) => Effect.map(findRow(userId), Option.map(toUserState)),
      Effect.catchTag("ParseError", Effect.die)
    )

    /** Creates the player (with its metrics) or updates the given profile fields, in one transaction. */
    const upsert = Effect.fn("UserRepository.upsert")(
      function*(userId: string, profile: UserProfile) {
        yield* Effect.annotateCurrentSpan({ user_id: userId })
        const request = { id: userId, display_name: profile.display_name ?? null, timezone: profile.timezone ?? null }
        return yield* sql.withTransaction(Effect.gen(function*() {
          const created = Option.isSome(yield* insertUser(request))
          if (!created) yield* updateProfile(request)
          yield* ensureMetrics(userId)
          const user = yield* findRow(userId).pipe(Effect.flatten)
          if (created) yield* Effect.logInfo("user created").pipe(Effect.annotateLogs("user_id", userId))
          return { created, user: toUserState(user) } as const
        }))
      },
      // The row was written in this very transaction: not finding it, or a row that fails its
      // schema, is a bug.
      Effect.catchTags({ ParseError: Effect.die, NoSuchElementException: Effect.die })
    )

    /**
     * Contact from the player at `at` (the database's clock when null): decay measures inactivity
     * from it. Callers run it inside the transaction that stores the contact, after locking the
     * conversation (lock order: the conversation row, then the users row).
     */
    const recordContact = Effect.fn("UserRepository.recordContact")(function*(userId: string, at: Date | null) {
      yield* sql`
        UPDATE users SET last_interaction_at = GREATEST(last_interaction_at, COALESCE(${at}, now())), updated_at = now()
        WHERE id = ${userId}`
    })

    /** The score change of one conversation, once (`score_history`). */
    const applyScoreOnce = Effect.fn("UserRepository.applyScoreOnce")(function*(input: ApplyInput<ScoreState, ScoreChange>) {
      const application = yield* applyOnce(sql, scoreLedger, input)
      return (application.applied
        ? { applied: true, player: application.locked.player, change: application.change }
        : { applied: false, player: application.locked.player, recorded: application.recorded }) satisfies ScoreApplication
    })

    /** The conflict change of one conversation, once (`conflict_history`). */
    const applyConflictOnce = Effect.fn("UserRepository.applyConflictOnce")(function*(input: ApplyInput<LockedConflict, ConflictChange>) {
      const application = yield* applyOnce(sql, conflictLedger, input)
      return (application.applied
        ? { applied: true, change: application.change }
        : { applied: false, recorded: application.recorded }) satisfies ConflictApplication
    })

    /**
     * Inactivity decay of one player: lock, let `decide` compute what is due from the locked state
     * (none: nothing), write the score (source 'decay') and the decay ledger, in one transaction.
     */
    const applyDecay = Effect.fn("UserRepository.applyDecay")(function*<Change extends DecayChange>(
      userId: string,
      decide: (locked: LockedForDecay) => Option.Option<Change>
    ) {
      return yield* sql.withTransaction(Effect.gen(function*() {
        const locked = yield* lockForDecay(userId)
        const change = Option.flatMap(locked, decide)
        if (Option.isNone(change) || Option.isNone(locked)) return Option.none<Change>()
        yield* writeScore({
          ...change.value,
          userId,
          conversationId: null,
          source: "decay",
          // The row is locked: its last interaction is the one the deducted hours count from. Copied
          // in SQL, not sent back from JavaScript, whose Date would drop the microseconds and make
          // the next run see a new interaction (and deduct again).
          player: sql`decay_anchor_at = last_interaction_at, decay_hours_deducted = ${change.value.hoursDeducted}
            ${bandChanged(change.value) ? sql`, prompt_rebuild_due_since = COALESCE(prompt_rebuild_due_since, now())` : sql``}`
        }, sql`SELECT ${userId}::uuid AS id`)
        return change
      })).pipe(Effect.catchTag("ParseError", Effect.die))
    })

    return { find, upsert, recordContact, applyScoreOnce, applyConflictOnce, applyDecay } as const
  })
}) {}

/**
 * The player's ready prompts were rebuilt at `builtAt`: a rebuild due since before then is done.
 * A statement built on the caller's SqlClient, so the prompts' store can run it as part of the
 * statement that makes them current (they commit together) while `users` keeps one writer.
 */
export const promptsRebuiltWrite = (sql: SqlClient.SqlClient, userId: string, builtAt: Date) =>
  sql`
    UPDATE users SET prompt_rebuild_due_since = NULL
    WHERE id = ${userId} AND prompt_rebuild_due_since <= ${builtAt}`

/**
 * The writes of a player's mailbox lease (`users.pipeline_lease_*`: at most one run per player at
 * a time), as statements built on the caller's SqlClient so the queue composes them into its
 * claim and end-of-run statements while `users` keeps one writer. `leaseMs` is LEASE_DURATION.
 */
export const mailboxLeaseWrites = (sql: SqlClient.SqlClient, leaseMs: number) => {
  const expiry = sql`now() + ${leaseMs} * interval '1 millisecond'`
  return {
    /** Gives each claimed conversation's player its lease; `claimed` is a CTE name with user_id, lease_owner, lease_expires_at. */
    takeForClaimed: (claimed: string) =>
      sql`
        UPDATE users u SET pipeline_lease_owner = c.lease_owner, pipeline_lease_expires_at = c.lease_expires_at
        FROM ${sql(claimed)} c WHERE u.id = c.user_id`,

    /** Takes a free (or expired) mailbox for `owner` (`userId` a value or a subquery); returns the id when taken. */
    take: (userId: string | Statement.Fragment, owner: string) =>
      sql`
        UPDATE users SET pipeline_lease_owner = ${owner}, pipeline_lease_expires_at = ${expiry}
        WHERE id = ${userId} AND (pipeline_lease_owner IS NULL OR pipeline_lease_expires_at <= now())
        RETURNING id`,

    /** Extends the mailbox `owner` holds. */
    extend: (userId: string, owner: string) =>
      sql`UPDATE users SET pipeline_lease_expires_at = ${expiry} WHERE id = ${userId} AND pipeline_lease_owner = ${owner}`,

    /** Frees the mailbox `owner` holds. */
    release: (userId: string, owner: string) =>
      sql`
        UPDATE users SET pipeline_lease_owner = NULL, pipeline_lease_expires_at = NULL
        WHERE id = ${userId} AND pipeline_lease_owner = ${owner}`
  } as const
}
