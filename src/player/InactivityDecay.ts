import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { chapterRules, chapters } from "../game/Chapters.js"
import { applyDecay, decayDue } from "../game/Decay.js"
import { mapMetrics, type Metrics, roundTo2 } from "../game/Metrics.js"
import { UserRepository } from "./UserRepository.js"

/**
 * Inactivity decay (DOMAIN.md), the I/O around the pure rules of `game/Decay.ts`.
 *
 * The ledger: `decay_anchor_at` is the last interaction the deducted hours were counted from and
 * `decay_hours_deducted` how many were taken. While the player's last interaction is still the
 * anchor, only hours beyond the ledger are due, so running the task twice deducts once; a new
 * interaction (last_interaction_at ≠ anchor) starts the count again at 0. The ledger, metrics,
 * score and a `score_history` row (source 'decay') are written by the player's repository in one
 * transaction per player, with the player's row locked the same way a conversation's score change
 * locks it, so concurrent decay runs, or decay and a conversation, apply one after the other.
 *
 * Players with a pipeline run in flight are decayed too: their inactivity is measured from their
 * last message, which the run does not change, and the game_state stage computes its change from
 * the state it locks, so neither overwrites the other. Players who never interacted have nothing
 * to decay from, and players still within the shortest grace period are not even looked at.
 */

export type PlayerDecay =
  | { readonly _tag: "Unchanged" }
  | { readonly _tag: "Decayed"; readonly points: number; readonly scoreAfter: number; readonly gameOver: boolean }

const shortestGraceHours = Math.min(...chapters.map((chapter) => chapterRules[chapter].decayGraceHours))

export class InactivityDecay extends Effect.Service<InactivityDecay>()("aftertalk/InactivityDecay", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const users = yield* UserRepository

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

    /** Deducts what one player owes at `now`, once. */
    const decayPlayer = Effect.fn("InactivityDecay.decayPlayer")(function*(userId: string, now: Date) {
      const applied = yield* users.applyDecay(userId, (player) => {
        if (player.last_interaction_at === null) return Option.none()
        if (player.game_status !== "active" && player.game_status !== "boss_fight") return Option.none()
        const due = decayDue({
          lastInteractionAt: player.last_interaction_at,
          now,
          chapter: player.chapter,
          hoursAlreadyDeducted: player.ledger_current ? player.decay_hours_deducted : 0
        })
        if (due.hoursToDeduct === 0) return Option.none()
        const metrics: Metrics = {
          intimacy: player.intimacy,
          passion: player.passion,
          trust: player.trust,
          secureness: player.secureness
        }
        const decayed = applyDecay({ metrics, points: due.points, chapter: player.chapter, status: player.game_status })
        return Option.some({
          ...decayed,
          changes: mapMetrics(decayed.metrics, (value, name) => roundTo2(value - metrics[name])),
          hoursDeducted: due.newHoursDeducted,
          points: due.points
        })
      })
      const outcome: PlayerDecay = Option.match(applied, {
        onNone: () => ({ _tag: "Unchanged" }),
        onSome: (change) => ({
          _tag: "Decayed",
          points: change.points,
          scoreAfter: change.scoreAfter,
          gameOver: change.status === "game_over"
        })
      })
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
  }),
  dependencies: [UserRepository.Default]
}) {}
