import { describe, expect, layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { Chapter } from "../../src/game/Chapters.js"
import type { Metrics } from "../../src/game/Metrics.js"
import { Tasks } from "../../src/queue/Tasks.js"
import { postgresAvailable } from "../support/Db.js"
import { insertPlayer } from "../stages/fixtures.js"
import { freshInstance, resetDatabase } from "./support.js"

const lastContact = new Date("2026-03-01T12:00:00Z")
const hoursLater = (hours: number) => new Date(lastContact.getTime() + hours * 3_600_000)
const even = (value: number): Metrics => ({ intimacy: value, passion: value, trust: value, secureness: value })

/** A player last heard from at `lastContact`. */
const player = (input: { readonly chapter?: Chapter; readonly metrics?: Metrics; readonly gameStatus?: "active" | "boss_fight" | "won" } = {}) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const id = yield* insertPlayer(input)
    yield* sql`UPDATE users SET last_interaction_at = ${lastContact} WHERE id = ${id}`
    return id
  })

const decay = (now: Date) => Effect.flatMap(Tasks, (tasks) => tasks.decay({ now }))

const standing = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ score: number; status: string; trust: number }>`
      SELECT u.relationship_score AS score, u.game_status AS status, m.trust
      FROM users u JOIN user_metrics m ON m.user_id = u.id WHERE u.id = ${id}`).pipe(Effect.map((rows) => rows[0]))

const decayHistory = (id: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ before: number; after: number }>`
      SELECT score_before AS before, score_after AS after FROM score_history
      WHERE user_id = ${id} AND source = 'decay' ORDER BY created_at`)

describe.skipIf(!postgresAvailable)("Tasks.decay", () => {
  layer(freshInstance(), { excludeTestServices: true })((it) => {
    it.effect("run twice in a row deducts once; a later run deducts only the new hours", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const id = yield* player()
        // Chapter 1: 8 h of grace, then 0.8 points an hour. 20 h later: 12 h, 9.6 points.
        expect(yield* decay(hoursLater(20))).toEqual({ status: "ok", processed: 1, decayed: 1, game_overs: 0 })
        expect(yield* standing(id)).toMatchObject({ score: 40.4, status: "active", trust: 40.4 })
        expect(yield* decay(hoursLater(20))).toEqual({ status: "ok", processed: 1, decayed: 0, game_overs: 0 })
        expect((yield* standing(id))?.score).toBe(40.4)
        // Five more hours: 4 points, not 13 h worth again.
        yield* decay(hoursLater(25))
        expect((yield* standing(id))?.score).toBe(36.4)
        expect(yield* decayHistory(id)).toEqual([{ before: 50, after: 40.4 }, { before: 40.4, after: 36.4 }])
      }))

    it.effect("decay that moves the score into another band marks the ready prompts for rebuild; within the band it does not", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const id = yield* player()
        const rebuildDue = Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ due: Date | null }>`SELECT prompt_rebuild_due_since AS due FROM users WHERE id = ${id}`).pipe(
            Effect.map((rows) => rows[0]?.due ?? null)
          )
        // 50 → 40.4: still "steady" (40-60).
        yield* decay(hoursLater(20))
        expect(yield* rebuildDue).toBeNull()
        // 40.4 → 36.4: "strained".
        yield* decay(hoursLater(25))
        expect((yield* standing(id))?.score).toBe(36.4)
        expect(yield* rebuildDue).toBeInstanceOf(Date)
      }))

    it.effect("takes at most 20 points a run; the hours over the cap stay owed, each paid once", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const id = yield* player()
        // 40 h later: 32 h overdue; a run takes 25 h (20 points), the next the other 7 h.
        yield* decay(hoursLater(40))
        expect((yield* standing(id))?.score).toBe(30)
        yield* decay(hoursLater(40))
        expect((yield* standing(id))?.score).toBe(24.4)
        yield* decay(hoursLater(40))
        expect((yield* standing(id))?.score).toBe(24.4)
      }))

    it.effect("a new interaction starts the count again from it", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const sql = yield* SqlClient.SqlClient
        const id = yield* player()
        yield* decay(hoursLater(20))
        yield* sql`UPDATE users SET last_interaction_at = ${hoursLater(30)} WHERE id = ${id}`
        // 10 h after the new contact: 2 h past the grace, 1.6 points.
        yield* decay(hoursLater(40))
        expect((yield* standing(id))?.score).toBe(38.8)
      }))

    it.effect("ends the game at 0, and leaves finished, silent and graced players alone", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const sql = yield* SqlClient.SqlClient
        const fading = yield* player({ metrics: even(10) })
        const boss = yield* player({ chapter: 3, metrics: even(64), gameStatus: "boss_fight" })
        const winner = yield* player({ gameStatus: "won" })
        yield* insertPlayer()
        const patient = yield* player({ chapter: 5 })
        expect(yield* decay(hoursLater(40))).toEqual({ status: "ok", processed: 3, decayed: 2, game_overs: 1 })
        expect(yield* standing(fading)).toMatchObject({ score: 0, status: "game_over" })
        // Chapter 3: 24 h of grace, 0.4 points an hour: 16 h, 6.4 points.
        expect(yield* standing(boss)).toMatchObject({ score: 57.6, status: "boss_fight" })
        expect((yield* standing(winner))?.score).toBe(50)
        expect((yield* standing(patient))?.score).toBe(50)
        const [events] = yield* sql<{ events: ReadonlyArray<string> }>`
          SELECT events FROM score_history WHERE user_id = ${fading} AND source = 'decay'`
        // Already under 20 before: no critical_low crossing, only the end.
        expect(events?.events).toEqual(["game_over"])
        // A finished game is not looked at again.
        expect(yield* decay(hoursLater(80))).toMatchObject({ processed: 2 })
      }))

    it.effect("records each run in task_runs", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const sql = yield* SqlClient.SqlClient
        yield* player()
        const result = yield* decay(hoursLater(20))
        const runs = yield* sql<{ task: string; status: string; result: unknown }>`SELECT task, status, result FROM task_runs`
        expect(runs).toEqual([{ task: "decay", status: "success", result }])
      }))

    it.effect("two decay runs at once still deduct once", () =>
      Effect.gen(function*() {
        yield* resetDatabase
        const id = yield* player()
        const results = yield* Effect.all([decay(hoursLater(20)), decay(hoursLater(20))], { concurrency: 2 })
        expect(results.map((r) => r.decayed).sort()).toEqual([0, 1])
        expect((yield* standing(id))?.score).toBe(40.4)
      }))
  })
})
