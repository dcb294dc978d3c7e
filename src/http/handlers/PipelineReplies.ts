import type { PipelineFailed } from "../../pipeline/PipelineErrors.js"
import type { PipelineReport } from "../../pipeline/PipelineReport.js"
import type { StageResult } from "../../runs/ExecutionRepository.js"
import { type StageName, stageNames } from "../../pipeline/Stage.js"
import { RunFailed, type RunPartiallySucceeded, type RunSucceeded } from "../groups/PipelineRun.js"

/** From the orchestrator's outcomes to API.md's bodies (pure). */

type Completion = "success" | "failed" | "skipped"
type PublicStageResult = Pick<StageResult, "success" | "duration_ms" | "error">
/** The results a run recorded, as the report holds them or as read back from its execution. */
type RecordedResults = { readonly [S in StageName]?: StageResult | undefined }

const completionStatus = (results: RecordedResults, failedStage: StageName | null): { [S in StageName]: Completion } => {
  const of = (stage: StageName): Completion => (stage === failedStage ? "failed" : results[stage]?.status ?? "skipped")
  return {
    extraction: of("extraction"),
    memory_update: of("memory_update"),
    life_sim: of("life_sim"),
    emotional: of("emotional"),
    game_state: of("game_state"),
    conflict: of("conflict"),
    touchpoint: of("touchpoint"),
    summary: of("summary"),
    prompt_builder: of("prompt_builder")
  }
}

/** API.md's per-stage result: success, duration and error (the stored status goes to completion_status). */
export const publicStageResults = (results: RecordedResults): { [S in StageName]?: PublicStageResult } => {
  const shown: { [S in StageName]?: PublicStageResult } = {}
  for (const stage of stageNames) {
    const result = results[stage]
    if (result !== undefined) shown[stage] = { success: result.success, duration_ms: result.duration_ms, error: result.error }
  }
  return shown
}

export const succeeded = (report: PipelineReport): typeof RunSucceeded.Type => ({
  status: "success",
  conversation_id: report.conversationId,
  pipeline_execution_id: report.executionId,
  started_at: report.startedAt,
  completed_at: report.completedAt,
  total_duration_ms: report.totalDurationMs,
  stage_results: publicStageResults(report.stageResults),
  error: null,
  completion_status: completionStatus(report.stageResults, null),
  prompt_ready: report.promptReady
})

export const partiallySucceeded = (
  report: PipelineReport,
  failedStage: StageName
): typeof RunPartiallySucceeded.Type => {
  const failures = report.failedStages.map((stage) => `${stage}: ${report.stageResults[stage]?.error ?? "failed"}`)
  return {
    status: "partial_success",
    conversation_id: report.conversationId,
    pipeline_execution_id: report.executionId,
    error: failures.join("; "),
    failed_stage: failedStage,
    failed_stages: report.failedStages,
    reason: `recoverable stage(s) ${report.failedStages.join(", ")} failed after a retry; the other stages completed` +
      (report.promptReady ? "" : " and the previous prompts stay current"),
    completion_status: completionStatus(report.stageResults, null),
    prompt_ready: report.promptReady,
    stage_results: publicStageResults(report.stageResults),
    total_duration_ms: report.totalDurationMs,
    started_at: report.startedAt,
    completed_at: report.completedAt
  }
}

const fallbackMessage = {
  retry: "The conversation is queued and will be retried automatically.",
  none_available: "The conversation ran out of attempts and is marked failed; nothing more will be tried.",
  skip_conversation: "The conversation is skipped."
} as const

/** `results`: what the run recorded before it stopped (the execution's stage results). */
export const failed = (failure: PipelineFailed, results: RecordedResults): RunFailed =>
  new RunFailed({
    status: "failed",
    message: `The pipeline stopped in ${failure.failedStage}. ${fallbackMessage[failure.fallbackAction]}`,
    failed_stage: failure.failedStage,
    reason: failure.reason,
    stage_error: failure.error,
    fallback_action: failure.fallbackAction,
    conversation_id: failure.conversationId,
    pipeline_execution_id: failure.executionId,
    stage_started_at: failure.stageStartedAt,
    failed_at: failure.failedAt,
    duration_ms: failure.durationMs,
    completion_status: completionStatus(results, failure.failedStage),
    stage_results: publicStageResults(results)
  })
