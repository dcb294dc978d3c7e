import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { Chapter, chapterRules, chapters } from "../game/Chapters.js"
import { applyDecay, decayDue } from "../game/Decay.js"
import { GameStatus } from "../game/GameEvents.js"
import { metricNames, type Metrics, roundTo2 } from "../game/Metrics.js"

/**
 * Inactivity decay (DOMAIN.md), the I/O around the pure rules of `game/Decay.ts`.
 *
 * The ledger: `decay_anchor_at` is the last interaction the deducted hours were counted from and
 * `decay_hours_deducted` how many were taken. While the player's last interaction is still the
 * anchor, only hours beyond the ledger are due, so running the task twice deducts once; a new
 * interaction (last_interaction_at ≠ anchor) starts the count again at 0. The ledger, metrics,
 * score and a `score_history` row (source 'decay') are written in one transaction per player, with
 * the player's row locked the same way the game_state stage locks it (users and user_metrics,
 * `FOR UPDATE`), so concurrent decay runs, or decay and a conversation, apply one after the other.
 *
 * Players with a pipeline run in flight are decayed too: their inactivity is measured from their
 * last message, which the run does not change, and the game_state stage computes its change from
 * the state it locks, so neither overwrites the other. Players who never interacted have nothing
 * to decay from, and players still within the shortest grace period are not even looked at.
 */

const LockedPlayer = Schema.Struct({
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

export type PlayerDecay =
  | { readonly _tag: "Unchanged" }
  | { readonly _tag: "Decayed"; readonly points: number; readonly scoreAfter: number; readonly gameOver: boolean }

const shortestGraceHours = Math.min(...chapters.map((chapter) => chapterRules[chapter].decayGraceHours))

export class InactivityDecay extends Effect.Service<InactivityDecay>()("aftertalk/InactivityDecay", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const databaseNow = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ now: Schema.DateFromSelf }),
      execute: () => sql`SELECT now() AS now`
    })

    const candidates = SqlSchema.findAll({
      Request: Schema.DateFromSelf,
      Result: Schema.Struct({ id: Schema.String }),
      execute: (now) =>
        sql`
          SELECT id FROM users
          WHERE game_status IN ('active', 'boss_fight')
            AND last_interaction_at <= ${now}::timestamptz - ${shortestGraceHours} * interval '1 hour'
          ORDER BY id`
    })

    const lockPlayer = SqlSchema.findOne({
      Request: Schema.String,
      Result: LockedPlayer,
      execute: (userId) =>
        sql`
          SELECT u.chapter, u.game_status, u.last_interaction_at,
                 (u.decay_anchor_at IS NOT DISTINCT FROM u.last_interaction_at) AS ledger_current,
                 u.decay_hours_deducted, m.intimacy, m.passion, m.trust, m.secureness
          FROM users u JOIN user_metrics m ON m.user_id = u.id
          WHERE u.id = ${userId}
          FOR UPDATE`
    })

    /** Deducts what one player owes at `now`, once. */
    const decayPlayer = Effect.fn("InactivityDecay.decayPlayer")(function*(userId: string, now: Date) {
      const outcome = yield* sql.withTransaction(Effect.gen(function*() {
        const found = yield* lockPlayer(userId)
        if (found._tag === "None") return { _tag: "Unchanged" } satisfies PlayerDecay
        const player = found.value
        if (player.last_interaction_at === null) return { _tag: "Unchanged" } satisfies PlayerDecay
        if (player.game_status !== "active" && player.game_status !== "boss_fight") {
          return { _tag: "Unchanged" } satisfies PlayerDecay
        }
        const due = decayDue({
          lastInteractionAt: player.last_interaction_at,
          now,
          chapter: player.chapter,
          hoursAlreadyDeducted: player.ledger_current ? player.decay_hours_deducted : 0
        })
        if (due.hoursToDeduct === 0) return { _tag: "Unchanged" } satisfies PlayerDecay
        const metrics: Metrics = {
          intimacy: player.intimacy,
          passion: player.passion,
          trust: player.trust,
          secureness: player.secureness
        }
        const applied = applyDecay({ metrics, points: due.points, chapter: player.chapter, status: player.game_status })
        const changes = Object.fromEntries(metricNames.map((name) => [name, roundTo2(applied.metrics[name] - metrics[name])]))
        yield* sql`
          UPDATE user_metrics
          SET intimacy = ${applied.metrics.intimacy}, passion = ${applied.metrics.passion},
              trust = ${applied.metrics.trust}, secureness = ${applied.metrics.secureness}, updated_at = now()
          WHERE user_id = ${userId}`
        yield* sql`
          UPDATE users
          SET relationship_score = ${applied.scoreAfter}, game_status = ${applied.status},
              decay_anchor_at = last_interaction_at, decay_hours_deducted = ${due.newHoursDeducted}, updated_at = now()
          WHERE id = ${userId}`
        yield* sql`
          INSERT INTO score_history (user_id, source, score_before, score_after, metric_changes, events)
          VALUES (${userId}, 'decay', ${applied.scoreBefore}, ${applied.scoreAfter},
                  ${JSON.stringify(changes)}::jsonb, ${JSON.stringify(applied.events)}::jsonb)`
        return {
          _tag: "Decayed",
          points: due.points,
          scoreAfter: applied.scoreAfter,
          gameOver: applied.status === "game_over"
        } satisfies PlayerDecay
      })).pipe(Effect.catchTag("ParseError", Effect.die))
      if (outcome._tag === "Decayed") {
        yield* Effect.logInfo("inactivity decay applied").pipe(
          Effect.annotateLogs({ user_id: userId, points: outcome.points, score_after: outcome.scoreAfter, game_over: outcome.gameOver })
        )
      }
      return outcome
    })

    /** Decays every player in play as of `now` (the database's clock when absent). */
    const decayAll = Effect.fn("InactivityDecay.decayAll")(function*(input: { readonly now?: Date } = {}) {
      const now = input.now ?? (yield* databaseNow(undefined)).now
      const players = yield* candidates(now)
      let decayed = 0
      let gameOvers = 0
      for (const player of players) {
        const outcome = yield* decayPlayer(player.id, now)
        if (outcome._tag === "Decayed") {
          decayed += 1
          if (outcome.gameOver) gameOvers += 1
        }
      }
      return { processed: players.length, decayed, gameOvers } as const
    }, Effect.catchTag("ParseError", Effect.die))

    return { decayAll, decayPlayer } as const
  })
}) {}
