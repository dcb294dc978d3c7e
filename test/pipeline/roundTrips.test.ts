import { describe, expect, layer } from "@effect/vitest"
import { Effect, MutableRef, Tracer } from "effect"
import { PipelineRuns } from "../../src/queue/PipelineRuns.js"
import { postgresAvailable } from "../support/Db.js"
import { TestApp } from "../support/TestApp.js"
import { converse, newPlayer } from "../http/pipelineSupport.js"

/**
 * The database round trips of one run: every statement is one (`sql.execute` span), every
 * transaction two more (BEGIN and COMMIT, inside its `sql.transaction` span). Counted by wrapping
 * the tracer, so the real SQL client against the real PostgreSQL does the work.
 */
const counting = (count: MutableRef.MutableRef<{ statements: number; transactions: number }>) =>
  Effect.map(Effect.tracer, (base) =>
    Tracer.make({
      span: (name, ...rest) => {
        if (name === "sql.execute") MutableRef.update(count, (c) => ({ ...c, statements: c.statements + 1 }))
        if (name === "sql.transaction") MutableRef.update(count, (c) => ({ ...c, transactions: c.transactions + 1 }))
        return base.span(name, ...rest)
      },
      context: base.context
    }))

/**
 * Measured: 105 before the stages ran by levels, 96 since (76 statements, 10 transactions), 65
 * since the lean run (53 statements, 6 transactions): one load of the run's inputs, one write per
 * level, the run's end in one statement, both prompts from one load and stored in one statement,
 * a fact in one statement. 24 since the second lean run (22 statements, 1 transaction; 25 when
 * touchpoint schedules one, which the player's random id decides): the load also finds the rows
 * the stages read before writing (stored extraction and summary, rhythm, emotional state,
 * touchpoints, the day's life events and summary); the score and conflict ledgers, the day's
 * summary, Nikita's first day and the emotional state are one statement each; a prompt's inputs
 * one read and its memory search one more; the named claim creates the execution. Left: claim,
 * load, extraction, one write per level but the last (5), one per fact and one for the notes,
 * one each for life_sim, emotional, game_state, conflict (and touchpoint's schedule), two for
 * summary, prompt_builder's read, search, transaction (2 statements) and rebuild mark, the end.
 */
const RoundTripBound = 26

describe.skipIf(!postgresAvailable)("one pipeline run, offline model, real PostgreSQL", () => {
  layer(TestApp(), { timeout: 60_000, excludeTestServices: true })((it) => {
    it.effect(`stays within ${RoundTripBound} round trips`, () =>
      Effect.gen(function*() {
        const userId = yield* newPlayer
        const conversationId = yield* converse(userId, [
          "I work night shifts as a nurse in Berlin and I have a grey cat called Miso.",
          "Night shifts sound exhausting. How is Miso coping?",
          "She sleeps all day, like me. Maybe we could plan a trip to the Baltic coast?"
        ])
        const runs = yield* PipelineRuns
        const count = MutableRef.make({ statements: 0, transactions: 0 })
        const report = yield* runs.process(conversationId, { trigger: "http_sync" }).pipe(Effect.withTracer(yield* counting(count)))
        expect(report.status).toBe("success")
        const { statements, transactions } = MutableRef.get(count)
        const roundTrips = statements + 2 * transactions
        process.stdout.write(`round trips per run: ${roundTrips} (${statements} statements, ${transactions} transactions)\n`)
        expect(roundTrips).toBeGreaterThan(0)
        expect(roundTrips).toBeLessThanOrEqual(RoundTripBound)
      }))
  })
})
