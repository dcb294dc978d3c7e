import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { type StageName, stageNames } from "../game/StageNames.js"

/**
 * `GET /pipeline/stats/last-24h`: what the runs of the last 24 hours (by creation time, window
 * read from the database's clock) looked like. The rules:
 *
 * - `total_executions` counts every run in the window, runs still queued or processing included;
 *   `success_count`, `partial_success_count` and `failure_count` count finished runs by status.
 * - `failures_by_stage` has all nine stages: per stage, the runs in which it failed (its recorded
 *   result failed, or the run's budget ran out while it was running and it never recorded one).
 * - `avg_duration_ms` and `p95_duration_ms` are over finished runs; null when none finished.
 * - `avg_duration_ms_by_stage` averages each stage's recorded duration over the runs that ran it
 *   (failed attempts included, skipped stages not); a stage nobody ran is left out.
 *   `slowest_stage` is the stage with the largest average, null when no stage ran.
 */

export interface PipelineStatsReport {
  readonly window_start: Date
  readonly window_end: Date
  readonly total_executions: number
  readonly success_count: number
  readonly partial_success_count: number
  readonly failure_count: number
  readonly failures_by_stage: { readonly [S in StageName]: number }
  readonly avg_duration_ms: number | null
  readonly p95_duration_ms: number | null
  readonly avg_duration_ms_by_stage: { readonly [S in StageName]?: number }
  readonly slowest_stage: StageName | null
}

const Totals = Schema.Struct({
  window_start: Schema.DateFromSelf,
  window_end: Schema.DateFromSelf,
  total_executions: Schema.Number,
  success_count: Schema.Number,
  partial_success_count: Schema.Number,
  failure_count: Schema.Number,
  avg_duration_ms: Schema.NullOr(Schema.Number),
  p95_duration_ms: Schema.NullOr(Schema.Number)
})

const PerStage = Schema.Struct({
  stage: Schema.Literal(...stageNames),
  failures: Schema.Number,
  avg_duration_ms: Schema.NullOr(Schema.Number)
})

export class PipelineStats extends Effect.Service<PipelineStats>()("aftertalk/PipelineStats", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const totals = SqlSchema.single({
      Request: Schema.Void,
      Result: Totals,
      execute: () =>
        sql`
          SELECT now() - interval '24 hours' AS window_start, now() AS window_end,
            count(*)::int AS total_executions,
            count(*) FILTER (WHERE status = 'success')::int AS success_count,
            count(*) FILTER (WHERE status = 'partial_success')::int AS partial_success_count,
            count(*) FILTER (WHERE status = 'failed')::int AS failure_count,
            avg(total_duration_ms) FILTER (WHERE completed_at IS NOT NULL)::float8 AS avg_duration_ms,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY total_duration_ms)
              FILTER (WHERE completed_at IS NOT NULL))::float8 AS p95_duration_ms
          FROM pipeline_executions
          WHERE created_at >= now() - interval '24 hours'`
    })

    const perStage = SqlSchema.findAll({
      Request: Schema.DateFromSelf,
      Result: PerStage,
      execute: (windowStart) =>
        sql`
          SELECT stage, count(*) FILTER (WHERE failed)::int AS failures,
                 avg(duration_ms) FILTER (WHERE ran)::float8 AS avg_duration_ms
          FROM (
            SELECT result.key AS stage, NOT (result.value ->> 'success')::boolean AS failed,
                   (result.value ->> 'status') <> 'skipped' AS ran,
                   (result.value ->> 'duration_ms')::float8 AS duration_ms
            FROM pipeline_executions e CROSS JOIN LATERAL jsonb_each(e.stage_results) AS result
            WHERE e.created_at >= ${windowStart}
            UNION ALL
            SELECT e.failed_stage, true, false, NULL
            FROM pipeline_executions e
            WHERE e.created_at >= ${windowStart} AND e.status = 'failed'
              AND e.failed_stage IS NOT NULL AND e.stage_results -> e.failed_stage IS NULL
          ) AS stage_runs
          GROUP BY stage`
    })

    /** The last 24 hours of runs. */
    const last24h = Effect.fn("PipelineStats.last24h")(function*() {
      const summary = yield* totals(undefined)
      const stages = yield* perStage(summary.window_start)
      const failures: { [S in StageName]: number } = {
        extraction: 0,
        memory_update: 0,
        life_sim: 0,
        emotional: 0,
        game_state: 0,
        conflict: 0,
        touchpoint: 0,
        summary: 0,
        prompt_builder: 0
      }
      const averages: { [S in StageName]?: number } = {}
      let slowest: { readonly stage: StageName; readonly ms: number } | null = null
      for (const row of stages) {
        failures[row.stage] = row.failures
        if (row.avg_duration_ms === null) continue
        averages[row.stage] = row.avg_duration_ms
        if (slowest === null || row.avg_duration_ms > slowest.ms) slowest = { stage: row.stage, ms: row.avg_duration_ms }
      }
      const report: PipelineStatsReport = {
        ...summary,
        failures_by_stage: failures,
        avg_duration_ms_by_stage: averages,
        slowest_stage: slowest?.stage ?? null
      }
      return report
    }, Effect.orDie)

    return { last24h } as const
  })
}) {}
