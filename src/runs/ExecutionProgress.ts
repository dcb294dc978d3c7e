import { SqlClient, SqlSchema } from "@effect/sql"
import { Clock, Effect, Option, Schema } from "effect"
import { type StageName, stageNames } from "../game/StageNames.js"
import { type Execution, ExecutionRepository } from "./ExecutionRepository.js"

/**
 * How far a run is, for `GET /pipeline/status/{execution_id}`:
 *
 * - `progress_percent`: the stages that recorded a result out of nine (a stage counts once it
 *   finished, whatever its outcome), rounded; 100 once the run finished, however it ended.
 * - `stage_name`: the stage running now; for a finished run the stage it failed in, else the last
 *   stage that recorded a result; null while queued.
 * - `estimated_completion_at`: now plus the average duration of every stage still to finish,
 *   the averages taken over the stages that succeeded in the last {@link EstimateSampleRuns}
 *   successful runs. Null when the run finished, or when some remaining stage has no history yet
 *   (a guess would be worse than saying nothing).
 */

/** How many recent successful runs the estimate averages over. */
export const EstimateSampleRuns = 50

export interface ExecutionProgressView {
  readonly execution: Execution
  readonly progressPercent: number
  readonly stageName: StageName | null
  readonly estimatedCompletionAt: Date | null
}

export type StageAverages = { readonly [S in StageName]?: number }

const isFinished = (execution: Execution) =>
  execution.status === "success" || execution.status === "partial_success" || execution.status === "failed"

const lastRecordedStage = (execution: Execution): StageName | null =>
  stageNames.reduce<StageName | null>((last, stage) => (execution.stage_results[stage] === undefined ? last : stage), null)

/** The view of one run at `nowMs` given the recent stage averages (pure, see the module doc). */
export const progressOf = (execution: Execution, averages: StageAverages, nowMs: number): ExecutionProgressView => {
  const remaining = stageNames.filter((stage) => execution.stage_results[stage] === undefined)
  if (isFinished(execution)) {
    return {
      execution,
      progressPercent: 100,
      stageName: execution.failed_stage ?? lastRecordedStage(execution),
      estimatedCompletionAt: null
    }
  }
  const remainingMs = remaining.reduce<number | null>((sum, stage) => {
    const average = averages[stage]
    return sum === null || average === undefined ? null : sum + average
  }, 0)
  return {
    execution,
    progressPercent: Math.round(((stageNames.length - remaining.length) / stageNames.length) * 100),
    stageName: execution.current_stage,
    estimatedCompletionAt: remainingMs === null ? null : new Date(nowMs + remainingMs)
  }
}

const StageAverage = Schema.Struct({ stage: Schema.Literal(...stageNames), avg_duration_ms: Schema.Number })

export class ExecutionProgress extends Effect.Service<ExecutionProgress>()("aftertalk/ExecutionProgress", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const executions = yield* ExecutionRepository

    const recentAverages = SqlSchema.findAll({
      Request: Schema.Void,
      Result: StageAverage,
      execute: () =>
        sql`
          SELECT result.key AS stage, avg((result.value ->> 'duration_ms')::float8)::float8 AS avg_duration_ms
          FROM (
            SELECT stage_results FROM pipeline_executions
            WHERE status = 'success'
            ORDER BY completed_at DESC
            LIMIT ${EstimateSampleRuns}
          ) AS recent
          CROSS JOIN LATERAL jsonb_each(recent.stage_results) AS result
          WHERE result.value ->> 'status' = 'success'
          GROUP BY result.key`
    })

    /** The run's progress; none when there is no such run. */
    const status = Effect.fn("ExecutionProgress.status")(function*(executionId: string) {
      const found = yield* executions.find(executionId)
      if (Option.isNone(found)) return Option.none<ExecutionProgressView>()
      const averages: { [S in StageName]?: number } = {}
      if (!isFinished(found.value)) {
        for (const row of yield* recentAverages(undefined).pipe(Effect.orDie)) averages[row.stage] = row.avg_duration_ms
      }
      return Option.some(progressOf(found.value, averages, yield* Clock.currentTimeMillis))
    })

    return { status } as const
  }),
  dependencies: [ExecutionRepository.Default]
}) {}
