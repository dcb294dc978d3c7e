import { SqlClient, SqlSchema, type Statement } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { stageNames, type StageName } from "../game/StageNames.js"

/**
 * `pipeline_executions`: one row per run. It moves through `queued` → `processing` → a final
 * status, records the stage running (for status polling) and each stage's result, and feeds
 * health, stats and the dashboard.
 */

export const Trigger = Schema.Literal("stream", "http_sync", "http_async", "task", "webhook")
export type Trigger = typeof Trigger.Type

export const ExecutionStatus = Schema.Literal("queued", "processing", "success", "partial_success", "failed")
export type ExecutionStatus = typeof ExecutionStatus.Type

export const StageResult = Schema.Struct({
  status: Schema.Literal("success", "failed", "skipped"),
  success: Schema.Boolean,
  duration_ms: Schema.Number,
  error: Schema.NullOr(Schema.String)
})
export type StageResult = typeof StageResult.Type

export const StageResults = Schema.Record({ key: Schema.Literal(...stageNames), value: StageResult })
export type StageResults = { readonly [K in StageName]?: StageResult | undefined }

export const Execution = Schema.Struct({
  id: Schema.String,
  conversation_id: Schema.String,
  user_id: Schema.String,
  trigger: Trigger,
  status: ExecutionStatus,
  current_stage: Schema.NullOr(Schema.Literal(...stageNames)),
  stage_results: Schema.partial(StageResults),
  attempt: Schema.Number,
  error: Schema.NullOr(Schema.String),
  failed_stage: Schema.NullOr(Schema.Literal(...stageNames)),
  created_at: Schema.DateFromSelf,
  started_at: Schema.NullOr(Schema.DateFromSelf),
  completed_at: Schema.NullOr(Schema.DateFromSelf),
  total_duration_ms: Schema.NullOr(Schema.Number)
})
export type Execution = typeof Execution.Type

export class ExecutionRepository extends Effect.Service<ExecutionRepository>()("aftertalk/ExecutionRepository", {
  effect: Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient

    /**
     * A `processing` execution starts at once: it records its attempt, its start and its first
     * stage in the same statement (`start` does it later for a `queued` one).
     */
    const create = Effect.fn("ExecutionRepository.create")(function*(input: {
      readonly id: string
      readonly conversationId: string
      readonly userId: string
      readonly trigger: Trigger
      readonly status: "queued" | "processing"
      readonly instanceId: string
      readonly attempt?: number
    }) {
      const processing = input.status === "processing"
      yield* sql`
        INSERT INTO pipeline_executions (id, conversation_id, user_id, trigger, status, instance_id, started_at, attempt, current_stage)
        VALUES (${input.id}, ${input.conversationId}, ${input.userId}, ${input.trigger}, ${input.status},
                ${input.instanceId}, ${processing ? sql`now()` : null}, ${input.attempt ?? 1},
                ${processing ? stageNames[0] : null})`
    })

    /**
     * `create` as a statement a claim's WITH can hold, for the conversation `leased` (a CTE name
     * with the conversation's id, user_id and processing_attempts) yields: created only when leased.
     */
    const createSql = (input: {
      readonly id: string
      readonly trigger: Trigger
      readonly status: "queued" | "processing"
      readonly instanceId: string
    }, leased: string) => {
      const processing = input.status === "processing"
      return sql`
        INSERT INTO pipeline_executions (id, conversation_id, user_id, trigger, status, instance_id, started_at, attempt, current_stage)
        SELECT ${input.id}::uuid, l.id, l.user_id, ${input.trigger}::text, ${input.status}::text, ${input.instanceId}::text,
               ${processing ? sql`now()` : sql`NULL::timestamptz`}, l.processing_attempts,
               ${processing ? stageNames[0] : null}::text
        FROM ${sql(leased)} l`
    }

    const start = Effect.fn("ExecutionRepository.start")(function*(id: string, attempt: number) {
      yield* sql`
        UPDATE pipeline_executions
        SET status = 'processing', attempt = ${attempt}, started_at = coalesce(started_at, now()),
            current_stage = ${stageNames[0]}
        WHERE id = ${id}`
    })

    /** Stage results (a level's); with `next`, the stage about to run, in the same statement. */
    const recordStages = Effect.fn("ExecutionRepository.recordStages")(function*(
      id: string,
      results: StageResults,
      next?: StageName
    ) {
      const entered = next === undefined ? sql`` : sql`, current_stage = ${next}`
      yield* sql`
        UPDATE pipeline_executions
        SET stage_results = stage_results || ${JSON.stringify(results)}::jsonb${entered}
        WHERE id = ${id}`
    })

    /**
     * A run's end as a statement fragment, so the run's end can make it one statement with the
     * leases' release. `stageResults`, when given, are merged into those already recorded.
     */
    const finishSql = (input: {
      readonly id: string
      readonly status: "success" | "partial_success" | "failed"
      readonly error: string | null
      readonly failedStage: StageName | null
      readonly totalDurationMs: number
      readonly stageResults?: StageResults | undefined
    }) =>
      sql`
        UPDATE pipeline_executions
        SET status = ${input.status}, error = ${input.error}, failed_stage = ${input.failedStage},
            total_duration_ms = ${Math.round(input.totalDurationMs)}, completed_at = now(), current_stage = NULL,
            stage_results = stage_results || ${JSON.stringify(input.stageResults ?? {})}::jsonb
        WHERE id = ${input.id}`

    /**
     * Closes as failed the executions that runs which died left open, for the conversations that
     * `claimedAgain` yields (taken over by a new claim) and `givenUp` yields (failed for good). A
     * fragment, so the queue's claim statement can include it; `closeAbandoned` runs it alone.
     */
    const closeAbandonedSql = (input: { readonly claimedAgain: Statement.Fragment; readonly givenUp: Statement.Fragment }) =>
      sql`
        UPDATE pipeline_executions
        SET status = 'failed', completed_at = now(), current_stage = NULL,
            error = CASE WHEN conversation_id IN (${input.givenUp})
              THEN 'lease expired: the run stopped without finishing'
              ELSE 'lease expired: the run stopped without finishing; claimed again' END
        WHERE status IN ('queued', 'processing')
          AND conversation_id IN (${input.givenUp} UNION ALL ${input.claimedAgain})`

    /** A conversation's expired lease was taken over: its dead run's execution is closed. */
    const closeAbandoned = Effect.fn("ExecutionRepository.closeAbandoned")(function*(conversationId: string) {
      yield* closeAbandonedSql({ claimedAgain: sql`SELECT ${conversationId}::uuid`, givenUp: sql`SELECT NULL::uuid WHERE false` })
    })

    const findById = SqlSchema.findOne({
      Request: Schema.String,
      Result: Execution,
      execute: (id) => sql`SELECT * FROM pipeline_executions WHERE id = ${id}`
    })

    const find = Effect.fn("ExecutionRepository.find")((id: string) => findById(id).pipe(Effect.catchTag("ParseError", Effect.die)))

    const findRunning = Effect.fn("ExecutionRepository.findRunning")((conversationId: string) =>
      sql<{ id: string }>`
        SELECT id FROM pipeline_executions
        WHERE conversation_id = ${conversationId} AND status IN ('queued', 'processing')
        ORDER BY created_at DESC LIMIT 1`.pipe(Effect.map((rows) => Option.fromNullable(rows[0]?.id)))
    )

    return { create, createSql, start, recordStages, finishSql, closeAbandonedSql, closeAbandoned, find, findRunning } as const
  })
}) {}
