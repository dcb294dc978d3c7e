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
