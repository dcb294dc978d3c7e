import type { Duration } from "effect"
import type { StageResults } from "../runs/ExecutionRepository.js"
import type { StageName } from "./Stage.js"

/** What a finished run reports: every stage ran (success) or a recoverable one failed (partial). */
export interface PipelineReport {
  readonly status: "success" | "partial_success"
  readonly executionId: string
  readonly conversationId: string
  readonly startedAt: Date
  readonly completedAt: Date
  readonly totalDurationMs: number
  readonly stageResults: StageResults
  readonly failedStages: ReadonlyArray<StageName>
  /** Both prompts were rebuilt by this run. */
  readonly promptReady: boolean
  /** The player's game is over or won: nothing ran. */
  readonly skipped: boolean
}

/** A run that stopped: a critical stage failed, or the run's budget ran out while a stage ran. */
export interface PipelineStopped {
  readonly executionId: string
  readonly conversationId: string
  readonly failedStage: StageName
  /** For people: what stopped the run (API.md's `reason`). */
  readonly reason: string
  /** The stage's own error, or the reason when the budget ran out. */
  readonly error: string
  readonly stageStartedAt: Date
  readonly failedAt: Date
  readonly durationMs: number
  readonly stageResults: StageResults
}

/** How a pipeline run ended; the queue records it and releases the run's leases. */
export type PipelineOutcome =
  | { readonly _tag: "Completed"; readonly report: PipelineReport }
  | { readonly _tag: "Stopped"; readonly stopped: PipelineStopped }

/** The run the pipeline is asked to do: an execution the queue created for a claimed conversation. */
export interface PipelineTarget {
  readonly executionId: string
  readonly conversationId: string
  readonly forceReprocess: boolean
  /** The run's budget, as messages name it. */
  readonly budget: Duration.Duration
  /** The run's deadline (its start plus the budget), Clock milliseconds: stages and model calls fit inside it. */
  readonly deadlineMs: number
}
