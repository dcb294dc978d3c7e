import { HttpApiBuilder } from "@effect/platform"
import type { SqlError } from "@effect/sql/SqlError"
import { Duration, Effect, Option } from "effect"
import { AppConfig } from "../../config/AppConfig.js"
import { type ClaimRefused, PipelineRuns, type ProcessOptions } from "../../queue/PipelineRuns.js"
import { ExecutionProgress } from "../../runs/ExecutionProgress.js"
import { PipelineStats } from "../../runs/PipelineStats.js"
import { Api } from "../Api.js"
import { Disabled, NotFound, type Unavailable } from "../Errors.js"
import { databaseUnavailable } from "./Unavailable.js"
import { RunConflict } from "../groups/PipelineRun.js"
import { failed, partiallySucceeded, publicStageResults, succeeded } from "./PipelineReplies.js"

const disabled = new Disabled({
  message: "UNIFIED_PIPELINE_ENABLED is false: nothing is processed. The conversation waits as it is until the flag is on."
})

const options = (
  trigger: ProcessOptions["trigger"],
  payload: { readonly force_reprocess: boolean; readonly timeout_seconds?: number | undefined }
): ProcessOptions => ({
  trigger,
  forceReprocess: payload.force_reprocess,
  ...(payload.timeout_seconds === undefined ? {} : { timeout: Duration.seconds(payload.timeout_seconds) })
})

/** The errors of a claim that did not start a run, as the client sees them. */
const refused = (conversationId: string) => (error: ClaimRefused) => {
  switch (error._tag) {
    case "ConversationNotFound":
      return new NotFound({ message: `No conversation ${conversationId}.` })
    case "ConversationAlreadyProcessed":
      return new RunConflict({
        message: `Conversation ${conversationId} was already processed; send {"force_reprocess": true} to run it again.`,
        reason: "already_processed",
        conversation_id: conversationId,
        pipeline_execution_id: null
      })
    case "ConversationInProgress":
      return new RunConflict({
        message: `Conversation ${conversationId} is being processed right now` +
          (error.executionId === null ? "; try again when that run finishes." : ` by run ${error.executionId}; follow it at /pipeline/status/${error.executionId}.`),
        reason: "in_progress",
        conversation_id: conversationId,
        pipeline_execution_id: error.executionId
      })
    case "UserBusy":
      return new RunConflict({
        message:
          "Another conversation of this player is being processed and did not finish within the run's budget; try again when it has.",
        reason: "user_busy",
        conversation_id: conversationId,
        pipeline_execution_id: null
      })
  }
}

const refusedOrLost = (error: { readonly _tag: string }): error is ClaimRefused | SqlError =>
  ["ConversationNotFound", "ConversationAlreadyProcessed", "ConversationInProgress", "UserBusy", "SqlError"].includes(error._tag)

/** A claim's refusals and a lost database, as the client sees them. */
const answerRefusals = (conversationId: string) =>
<A, E extends { readonly _tag: string }, R>(self: Effect.Effect<A, E | ClaimRefused | SqlError, R>) =>
  Effect.catchIf(
    self,
    refusedOrLost,
    (error): Effect.Effect<never, RunConflict | NotFound | Unavailable> =>
      error._tag === "SqlError" ? databaseUnavailable(error) : Effect.fail(refused(conversationId)(error))
  )

/**
 * The pipeline endpoints. The flag is checked first: with UNIFIED_PIPELINE_ENABLED=false nothing
 * is claimed, whatever the conversation. A run's outcome picks the status: 200 every stage ran,
 * 202 a recoverable stage failed, 500 (`RunFailed`) a critical stage failed or the budget ran out.
 */
export const PipelineLive = HttpApiBuilder.group(Api, "pipeline", (handlers) =>
  Effect.gen(function*() {
    const runs = yield* PipelineRuns
    const config = yield* AppConfig
    const progress = yield* ExecutionProgress
    const stats = yield* PipelineStats

    const whenEnabled = config.pipelineEnabled ? Effect.void : Effect.fail(disabled)

    return handlers
      .handle("process", ({ path, payload }) =>
        Effect.gen(function*() {
          yield* whenEnabled
          const conversationId = path.conversation_id
          const report = yield* runs.process(conversationId, options("http_sync", payload)).pipe(
            Effect.catchTag("PipelineFailed", (error) => Effect.fail(failed(error, error.stageResults))),
            answerRefusals(conversationId)
          )
          // The success union picks the status by the body's `status`: 200 success, 202 partial_success.
          const [firstFailed] = report.failedStages
          return firstFailed === undefined ? succeeded(report) : partiallySucceeded(report, firstFailed)
        }))
      .handle("processAsync", ({ path, payload }) =>
        Effect.gen(function*() {
          yield* whenEnabled
          const conversationId = path.conversation_id
          const executionId = yield* runs.submit(conversationId, options("http_async", payload)).pipe(
            answerRefusals(conversationId)
          )
          return { execution_id: executionId, status: "queued" as const, check_status_url: `/pipeline/status/${executionId}` }
        }))
      .handle("status", ({ path }) =>
        Effect.gen(function*() {
          const found = yield* progress.status(path.execution_id).pipe(Effect.catchTag("SqlError", databaseUnavailable))
          if (Option.isNone(found)) {
            return yield* new NotFound({ message: `No pipeline execution ${path.execution_id}.` })
          }
          const { estimatedCompletionAt, execution, progressPercent, stageName } = found.value
          return {
            execution_id: execution.id,
            conversation_id: execution.conversation_id,
            status: execution.status,
            progress_percent: progressPercent,
            stage_name: stageName,
            started_at: execution.started_at,
            completed_at: execution.completed_at,
            estimated_completion_at: estimatedCompletionAt,
            stage_results: publicStageResults(execution.stage_results),
            trigger: execution.trigger,
            attempt: execution.attempt,
            failed_stage: execution.failed_stage,
            error: execution.error
          }
        }))
      .handle("stats", () => stats.last24h())
  }))
