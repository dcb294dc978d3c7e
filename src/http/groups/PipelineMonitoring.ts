import { Schema } from "effect"
import { ExecutionStatus, Trigger } from "../../runs/ExecutionRepository.js"
import { Timestamp } from "../Fields.js"
import { StageNameField, StageResultsField } from "./PipelineRun.js"

/** The bodies of `GET /pipeline/status/{execution_id}` and `GET /pipeline/stats/last-24h`. */

export const ExecutionPath = Schema.Struct({ execution_id: Schema.UUID })

export const ExecutionStatusResponse = Schema.Struct({
  execution_id: Schema.UUID,
  conversation_id: Schema.UUID,
  status: ExecutionStatus,
  progress_percent: Schema.Number.pipe(Schema.int(), Schema.between(0, 100)),
  stage_name: Schema.NullOr(StageNameField),
  started_at: Schema.NullOr(Timestamp),
  completed_at: Schema.NullOr(Timestamp),
  estimated_completion_at: Schema.NullOr(Timestamp).annotations({
    description: "Null once finished, or while the recent runs give no estimate"
  }),
  stage_results: StageResultsField,
  trigger: Trigger,
  attempt: Schema.Int,
  failed_stage: Schema.NullOr(StageNameField),
  error: Schema.NullOr(Schema.String)
}).annotations({ identifier: "PipelineExecutionStatus" })

const Milliseconds = Schema.Number.pipe(Schema.nonNegative())

export const PipelineStatsResponse = Schema.Struct({
  window_start: Timestamp,
  window_end: Timestamp,
  total_executions: Schema.Int,
  success_count: Schema.Int,
  partial_success_count: Schema.Int,
  failure_count: Schema.Int,
  failures_by_stage: Schema.Record({ key: StageNameField, value: Schema.Int }),
  avg_duration_ms: Schema.NullOr(Milliseconds),
  p95_duration_ms: Schema.NullOr(Milliseconds),
  avg_duration_ms_by_stage: Schema.partial(Schema.Record({ key: StageNameField, value: Milliseconds })),
  slowest_stage: Schema.NullOr(StageNameField)
}).annotations({ identifier: "PipelineStats", description: "Runs created in the last 24 hours" })
