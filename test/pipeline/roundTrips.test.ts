import { describe, expect, layer } from "@effect/vitest"
import { Duration, Effect, MutableRef, Tracer } from "effect"
import { ProgressWriteInterval } from "../../src/pipeline/RunStages.js"
import { PipelineRuns } from "../../src/queue/PipelineRuns.js"
import { postgresAvailable } from "../support/Db.js"
import { TestApp } from "../support/TestApp.js"
import { converse, newPlayer } from "../http/pipelineSupport.js"

/**
 * The database round trips of one run: every statement is one (`sql.execute` span), every
 * transaction two more (BEGIN and COMMIT, inside its `sql.transaction` span). Counted by wrapping
 * the tracer, so the real SQL client against the real PostgreSQL does the work. Progress writes
 * (a level's results while the run goes on) are counted apart: there is one per 250 ms of a run
 * at most (`ProgressWriteInterval`), so how many a run makes depends on how long it took.
 */
interface Count {
  readonly statements: number
  readonly transactions: number
  readonly progressWrites: number
}

const isProgressWrite = (text: string) => /^\s*UPDATE pipeline_executions SET stage_results = stage_results \|\|/.test(text)

const counting = (count: MutableRef.MutableRef<Count>) =>
  Effect.map(Effect.tracer, (base) =>
    Tracer.make({
      span: (name, ...rest) => {
        const span = base.span(name, ...rest)
        if (name === "sql.transaction") MutableRef.update(count, (c) => ({ ...c, transactions: c.transactions + 1 }))
        if (name !== "sql.execute") return span
        MutableRef.update(count, (c) => ({ ...c, statements: c.statements + 1 }))
        // The statement's text arrives as an attribute of its span.
        const attribute = span.attribute.bind(span)
        return Object.assign(span, {
          attribute: (key: string, value: unknown) => {
            if (key === "db.query.text" && typeof value === "string" && isProgressWrite(value)) {
              MutableRef.update(count, (c) => ({ ...c, statements: c.statements - 1, progressWrites: c.progressWrites + 1 }))
            }
            attribute(key, value)
          }
        })
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
 * one read and its memory search one more; the named claim creates the execution. 16 since the
 * third (17 with a touchpoint), progress writes apart: the prompts are made current in one
 * statement with the rebuild mark (the locked transaction only after a race), and progress is
 * written at most every 250 ms instead of once per level (a run this short writes none). Left:
 * claim, load, extraction, one per fact and one for the notes, one each for life_sim, emotional,
 * game_state, conflict (and touchpoint's schedule), two for summary, prompt_builder's read,
 * search and store, the end.
 */
const RoundTripBound = 17

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
        const count = MutableRef.make<Count>({ statements: 0, transactions: 0, progressWrites: 0 })
        const report = yield* runs.process(conversationId, { trigger: "http_sync" }).pipe(Effect.withTracer(yield* counting(count)))
        expect(report.status).toBe("success")
        const { progressWrites, statements, transactions } = MutableRef.get(count)
        const roundTrips = statements + 2 * transactions
        process.stdout.write(
          `round trips per run: ${roundTrips} (${statements} statements, ${transactions} transactions), ` +
            `and ${progressWrites} progress writes in ${report.totalDurationMs} ms\n`
        )
        expect(roundTrips).toBeGreaterThan(0)
        expect(roundTrips).toBeLessThanOrEqual(RoundTripBound)
        expect(progressWrites).toBeLessThanOrEqual(Math.floor(report.totalDurationMs / Duration.toMillis(ProgressWriteInterval)))
      }))
  })
})
