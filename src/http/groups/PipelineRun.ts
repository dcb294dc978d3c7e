import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { stageNames } from "../../pipeline/Stage.js"
import { Timestamp } from "../Fields.js"
import { optionalBody } from "../OptionalBody.js"

/** The bodies of `POST /pipeline/process/{conversation_id}` (and `/async`): API.md's Pipeline section. */

export const StageNameField = Schema.Literal(...stageNames)

export const ProcessPayload = optionalBody(Schema.Struct({
  force_reprocess: Schema.optionalWith(
    Schema.Boolean.annotations({ description: "Run again a conversation that was already processed (false when absent)" }),
    { default: () => false }
  ),
  timeout_seconds: Schema.optional(
    Schema.Number.pipe(Schema.int(), Schema.between(1, 120)).annotations({
      description: "The run's budget in seconds, 1..120; PIPELINE_TIMEOUT (30 s by default) when absent"
    })
  )
}))

export const PublicStageResult = Schema.Struct({
  success: Schema.Boolean,
  duration_ms: Schema.Number,
  error: Schema.NullOr(Schema.String)
}).annotations({ identifier: "StageResult" })

/** The stages that recorded a result, by name. */
export const StageResultsField = Schema.partial(Schema.Record({ key: StageNameField, value: PublicStageResult }))
  .annotations({ identifier: "StageResults" })

/** Every stage: it succeeded, failed, or did not run (or the player's game is over or won). */
export const CompletionStatusField = Schema.Record({
  key: StageNameField,
  value: Schema.Literal("success", "failed", "skipped")
}).annotations({ identifier: "CompletionStatus" })

export const RunSucceeded = Schema.Struct({
  status: Schema.Literal("success"),
  conversation_id: Schema.UUID,
  pipeline_execution_id: Schema.UUID,
  started_at: Timestamp,
  completed_at: Timestamp,
  total_duration_ms: Schema.Number,
  stage_results: StageResultsField,
  error: Schema.Null,
  completion_status: CompletionStatusField,
  prompt_ready: Schema.Boolean
}).annotations({ identifier: "PipelineSuccess", description: "Every stage ran (or every stage was skipped: the game is over or won)" })

export const RunPartiallySucceeded = Schema.Struct({
  status: Schema.Literal("partial_success"),
  conversation_id: Schema.UUID,
  pipeline_execution_id: Schema.UUID,
  error: Schema.String,
  failed_stage: StageNameField,
  failed_stages: Schema.Array(StageNameField),
  reason: Schema.String,
  completion_status: CompletionStatusField,
  prompt_ready: Schema.Boolean,
  stage_results: StageResultsField,
  total_duration_ms: Schema.Number,
  started_at: Timestamp,
  completed_at: Timestamp
}).annotations({ identifier: "PipelinePartialSuccess", description: "A recoverable stage failed; the others ran" })

/**
 * A critical stage failed, or the run's budget ran out (`reason` says which and names the stage).
 * `error` is the envelope's machine code; the stage's own error text is in `reason` and `stage_error`.
 */
export class RunFailed extends Schema.TaggedError<RunFailed>()(
  "RunFailed",
  {
    status: Schema.Literal("failed"),
    error: Schema.tag("pipeline_failed"),
    message: Schema.String,
    failed_stage: StageNameField,
    reason: Schema.String,
    stage_error: Schema.String,
    fallback_action: Schema.Literal("retry", "none_available", "skip_conversation"),
    conversation_id: Schema.UUID,
    pipeline_execution_id: Schema.UUID,
    stage_started_at: Timestamp,
    failed_at: Timestamp,
    duration_ms: Schema.Number,
    completion_status: CompletionStatusField,
    stage_results: StageResultsField
  },
  HttpApiSchema.annotations({ status: 500, description: "A critical stage failed or the run exceeded its timeout" })
) {}

/**
 * The conversation cannot be run now: already processed (send `force_reprocess`), being processed
 * (`pipeline_execution_id` names that run when known), or another conversation of the same player
 * kept the player's mailbox busy for the whole budget.
 */
export class RunConflict extends Schema.TaggedError<RunConflict>()(
  "RunConflict",
  {
    error: Schema.tag("conflict"),
    message: Schema.String,
    reason: Schema.Literal("already_processed", "in_progress", "user_busy"),
    conversation_id: Schema.UUID,
    pipeline_execution_id: Schema.NullOr(Schema.UUID)
  },
  HttpApiSchema.annotations({ status: 409, description: "Already processed, or being processed right now" })
) {}

export const RunQueued = Schema.Struct({
  execution_id: Schema.UUID,
  status: Schema.Literal("queued"),
  check_status_url: Schema.String
}).annotations({ identifier: "PipelineQueued" })
