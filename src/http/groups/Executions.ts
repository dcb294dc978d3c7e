import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ExecutionStatus, Trigger } from "../../runs/ExecutionRepository.js"
import { Authorization } from "../Authorization.js"
import { NotFound } from "../Errors.js"
import { oneOf, Timestamp } from "../Fields.js"
import { operationDocs } from "../OperationDocs.js"
import { Cursor, PageLimit } from "../Paging.js"
import { ExecutionPath } from "./PipelineMonitoring.js"
import { StageNameField, StageResultsField } from "./PipelineRun.js"
import { executionExample, executionListExample, runsByHourExample, stageDurationsExample } from "../examples/Executions.js"

/** The runs, for operators and their scripts: a paged history, one run's stages, and the charts' numbers. */

export const ExecutionListParams = Schema.Struct({
  status: Schema.optional(oneOf(ExecutionStatus)),
  trigger: Schema.optional(oneOf(Trigger)),
  user_id: Schema.optional(Schema.UUID),
  limit: PageLimit,
  before: Schema.optional(Cursor)
})

const executionFields = {
  execution_id: Schema.UUID,
  conversation_id: Schema.UUID,
  user_id: Schema.UUID,
  trigger: Trigger,
  status: ExecutionStatus,
  attempt: Schema.Int,
  stage_name: Schema.NullOr(StageNameField).annotations({ description: "The stage running now; null unless processing" }),
  failed_stage: Schema.NullOr(StageNameField),
  error: Schema.NullOr(Schema.String),
  instance_id: Schema.NullOr(Schema.String),
  created_at: Timestamp,
  started_at: Schema.NullOr(Timestamp),
  completed_at: Schema.NullOr(Timestamp),
  total_duration_ms: Schema.NullOr(Schema.Number)
}

export const ExecutionSummary = Schema.Struct(executionFields).annotations({ identifier: "ExecutionSummary" })

export const ExecutionPage = Schema.Struct({
  executions: Schema.Array(ExecutionSummary),
  next_before: Schema.NullOr(Schema.String).annotations({ description: "Pass as `before` for the next page; null on the last" })
}).annotations({ identifier: "ExecutionPage" })

export const StageTimingField = Schema.Struct({
  stage: StageNameField,
  status: Schema.Literal("success", "failed", "skipped", "running", "not_run"),
  offset_ms: Schema.NullOr(Schema.Number).annotations({ description: "When it started, counted from the run's first stage" }),
  duration_ms: Schema.NullOr(Schema.Number),
  error: Schema.NullOr(Schema.String)
}).annotations({ identifier: "StageTiming" })

export const ExecutionDetail = Schema.Struct({
  ...executionFields,
  stage_results: StageResultsField,
  stages: Schema.Array(StageTimingField).annotations({ description: "All nine stages in pipeline order" })
}).annotations({ identifier: "ExecutionDetail" })

const Count = Schema.Int.pipe(Schema.nonNegative())

export const RunsByHour = Schema.Struct({
  window_start: Timestamp,
  window_end: Timestamp,
  hours: Schema.Array(Schema.Struct({
    hour: Timestamp,
    queued: Count,
    processing: Count,
    success: Count,
    partial_success: Count,
    failed: Count
  }))
}).annotations({ identifier: "RunsByHour", description: "24 hourly buckets, oldest first, by the runs' status now" })

export const StageDurations = Schema.Struct({
  window_start: Timestamp,
  window_end: Timestamp,
  stages: Schema.Array(Schema.Struct({
    stage: StageNameField,
    runs: Count,
    failures: Count,
    p50_ms: Schema.NullOr(Schema.Number),
    p95_ms: Schema.NullOr(Schema.Number)
  }))
}).annotations({ identifier: "StageDurations", description: "Per stage, in pipeline order, over the last 24 hours" })

export class ExecutionsApi extends HttpApiGroup.make("executions")
  .add(
    HttpApiEndpoint.get("listExecutions", "/pipeline/executions")
      .setUrlParams(ExecutionListParams)
      .addSuccess(ExecutionPage)
      .annotate(OpenApi.Description, "Newest first by creation; filter by status, trigger or player; page with `before`")
      .annotateContext(operationDocs({ summary: "List pipeline runs", example: executionListExample }))
  )
  .add(
    HttpApiEndpoint.get("getExecution", "/pipeline/executions/:execution_id")
      .setPath(ExecutionPath)
      .addSuccess(ExecutionDetail)
      .addError(NotFound)
      .annotateContext(operationDocs({ summary: "One pipeline run with each stage's result, timing and error", example: executionExample }))
  )
  .add(
    HttpApiEndpoint.get("runsByHour", "/pipeline/stats/runs-by-hour")
      .addSuccess(RunsByHour)
      .annotateContext(operationDocs({ summary: "Runs per hour by status over the last 24 hours", example: runsByHourExample }))
  )
  .add(
    HttpApiEndpoint.get("stageDurations", "/pipeline/stats/stage-durations")
      .addSuccess(StageDurations)
      .annotateContext(operationDocs({ summary: "p50 and p95 duration of each stage over the last 24 hours", example: stageDurationsExample }))
  )
  .middleware(Authorization)
{}
