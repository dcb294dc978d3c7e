import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { type StageName, stageNames } from "../game/StageNames.js"

/**
 * The last day of runs as the operators' charts draw them (times from the database's clock):
 *
 * - `runsByHour`: 24 hourly buckets, oldest first, the current (partial) hour last; each counts
 *   the runs created in it by their status now. Empty hours are there with zeros, so a chart's
 *   time axis has no gaps.
 * - `stageDurations`: per stage, in pipeline order, the runs that ran it in the last 24 hours
 *   (skipped stages not counted), how many of those failed, and the median and 95th percentile of
 *   its duration; null when nobody ran it.
 */

const HourRow = Schema.Struct({
  hour: Schema.DateFromSelf,
  queued: Schema.Number,
  processing: Schema.Number,
  success: Schema.Number,
  partial_success: Schema.Number,
  failed: Schema.Number
})
export type RunsInHour = typeof HourRow.Type

const StageRow = Schema.Struct({
  stage: Schema.Literal(...stageNames),
  runs: Schema.Number,
  failures: Schema.Number,
  p50_ms: Schema.NullOr(Schema.Number),
  p95_ms: Schema.NullOr(Schema.Number)
})

export interface StageDurations {
  readonly stage: StageName
  readonly runs: number
  readonly failures: number
  readonly p50_ms: number | null
  readonly p95_ms: number | null
}

const Window = Schema.Struct({ window_start: Schema.DateFromSelf, window_end: Schema.DateFromSelf })

export class RunTimeline extends Effect.Service<RunTimeline>()("aftertalk/RunTimeline", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    const window = SqlSchema.single({
      Request: Schema.Void,
      Result: Window,
      execute: () => sql`SELECT now() - interval '24 hours' AS window_start, now() AS window_end`
    })

    const hours = SqlSchema.findAll({
      Request: Schema.Void,
      Result: HourRow,
      execute: () =>
        sql`
          SELECT h.hour,
            count(e.id) FILTER (WHERE e.status = 'queued')::int AS queued,
            count(e.id) FILTER (WHERE e.status = 'processing')::int AS processing,
            count(e.id) FILTER (WHERE e.status = 'success')::int AS success,
            count(e.id) FILTER (WHERE e.status = 'partial_success')::int AS partial_success,
            count(e.id) FILTER (WHERE e.status = 'failed')::int AS failed
          FROM generate_series(date_trunc('hour', now()) - interval '23 hours', date_trunc('hour', now()), interval '1 hour')
            AS h(hour)
          LEFT JOIN pipeline_executions e
            ON e.created_at >= h.hour AND e.created_at < h.hour + interval '1 hour'
          GROUP BY h.hour ORDER BY h.hour`
    })

    const stages = SqlSchema.findAll({
      Request: Schema.DateFromSelf,
      Result: StageRow,
      execute: (since) =>
        sql`
          SELECT result.key AS stage, count(*)::int AS runs,
            count(*) FILTER (WHERE NOT (result.value ->> 'success')::boolean)::int AS failures,
            (percentile_cont(0.5) WITHIN GROUP (ORDER BY (result.value ->> 'duration_ms')::float8))::float8 AS p50_ms,
            (percentile_cont(0.95) WITHIN GROUP (ORDER BY (result.value ->> 'duration_ms')::float8))::float8 AS p95_ms
          FROM pipeline_executions e CROSS JOIN LATERAL jsonb_each(e.stage_results) AS result
          WHERE e.created_at >= ${since} AND result.value ->> 'status' <> 'skipped'
          GROUP BY result.key`
    })

    /** Runs per hour by status over the last 24 hours. */
    const runsByHour = Effect.fn("RunTimeline.runsByHour")(function*() {
      const { window_end, window_start } = yield* window(undefined)
      return { window_start, window_end, hours: yield* hours(undefined) }
    }, Effect.orDie)

    /** p50 and p95 of each stage over the last 24 hours. */
    const stageDurations = Effect.fn("RunTimeline.stageDurations")(function*() {
      const { window_end, window_start } = yield* window(undefined)
      const rows = yield* stages(window_start)
      const byStage = new Map(rows.map((row) => [row.stage, row]))
      const all = stageNames.map((stage): StageDurations =>
        byStage.get(stage) ?? { stage, runs: 0, failures: 0, p50_ms: null, p95_ms: null }
      )
      return { window_start, window_end, stages: all }
    }, Effect.orDie)

    return { runsByHour, stageDurations } as const
  })
}) {}
