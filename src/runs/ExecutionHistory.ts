import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { type KeysetPosition, olderThan, positionText } from "../db/Keyset.js"
import { type StageName, stageNames } from "../game/StageNames.js"
import { Execution, type ExecutionStatus, type StageResult, type Trigger } from "./ExecutionRepository.js"

/**
 * Past and running executions for people and scripts (`GET /pipeline/executions`): newest first
 * by creation time (every run has one; `started_at` is empty while a run waits), paged by
 * position so a page never repeats or skips a run created meanwhile. Reads only: the lifecycle
 * writes stay in ExecutionRepository.
 */

export interface ExecutionFilter {
  readonly status?: ExecutionStatus | undefined
  readonly trigger?: Trigger | undefined
  readonly userId?: string | undefined
  readonly limit: number
  readonly before?: KeysetPosition | undefined
}

const ListedExecution = Schema.Struct({
  ...Execution.fields,
  instance_id: Schema.NullOr(Schema.String),
  position_at: Schema.String
})
export type ListedExecution = typeof ListedExecution.Type

export interface ExecutionPage {
  readonly executions: ReadonlyArray<ListedExecution>
  /** Where the next page starts; none when this one is the last. */
  readonly next: Option.Option<KeysetPosition>
}

/** One stage of a run as a waterfall draws it: stages run one after another, in pipeline order. */
export interface StageTiming {
  readonly stage: StageName
  readonly status: StageResult["status"] | "running" | "not_run"
  readonly offset_ms: number | null
  readonly duration_ms: number | null
  readonly error: string | null
}

/** The nine stages of `execution`, each placed after the ones that ran before it. */
export const stageTimings = (execution: Execution): ReadonlyArray<StageTiming> => {
  let offset = 0
  return stageNames.map((stage): StageTiming => {
    const result = execution.stage_results[stage]
    if (result !== undefined) {
      const timing = { stage, status: result.status, offset_ms: offset, duration_ms: result.duration_ms, error: result.error }
      offset += result.duration_ms
      return timing
    }
    if (execution.current_stage === stage) return { stage, status: "running", offset_ms: offset, duration_ms: null, error: null }
    // A run stopped by its budget records no result for the stage it was in: the run's error says why.
    if (execution.status === "failed" && execution.failed_stage === stage) {
      const ran = execution.total_duration_ms === null ? null : Math.max(0, execution.total_duration_ms - offset)
      return { stage, status: "failed", offset_ms: offset, duration_ms: ran, error: execution.error }
    }
    return { stage, status: "not_run", offset_ms: null, duration_ms: null, error: null }
  })
}

export class ExecutionHistory extends Effect.Service<ExecutionHistory>()("aftertalk/ExecutionHistory", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const decodeRows = Schema.decodeUnknown(Schema.Array(ListedExecution))

    const columns = sql`id, conversation_id, user_id, trigger, status, current_stage, stage_results, attempt, error,
      failed_stage, created_at, started_at, completed_at, total_duration_ms, instance_id,
      ${positionText(sql, "created_at")} AS position_at`

    /** A page of executions matching `filter`, newest first. */
    const list = Effect.fn("ExecutionHistory.list")(function*(filter: ExecutionFilter) {
      const conditions = [
        ...(filter.status === undefined ? [] : [sql`status = ${filter.status}`]),
        ...(filter.trigger === undefined ? [] : [sql`trigger = ${filter.trigger}`]),
        ...(filter.userId === undefined ? [] : [sql`user_id = ${filter.userId}`]),
        ...(filter.before === undefined ? [] : [olderThan(sql, "created_at", filter.before)])
      ]
      // One row more than asked tells whether another page follows.
      const rows = yield* sql`
        SELECT ${columns} FROM pipeline_executions WHERE ${sql.and(conditions)}
        ORDER BY created_at DESC, id DESC LIMIT ${filter.limit + 1}`.pipe(Effect.flatMap(decodeRows))
      const executions = rows.slice(0, filter.limit)
      const last = executions[executions.length - 1]
      const page: ExecutionPage = {
        executions,
        next: rows.length > filter.limit && last !== undefined ? Option.some({ at: last.position_at, id: last.id }) : Option.none()
      }
      return page
    }, Effect.orDie)

    /** One execution, whatever its status. */
    const get = Effect.fn("ExecutionHistory.get")(function*(executionId: string) {
      const rows = yield* sql`SELECT ${columns} FROM pipeline_executions WHERE id = ${executionId}`.pipe(
        Effect.flatMap(decodeRows)
      )
      return Option.fromNullable(rows[0])
    }, Effect.orDie)

    return { list, get } as const
  })
}) {}
