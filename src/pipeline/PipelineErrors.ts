import { Data } from "effect"
import type { StageResults } from "../runs/ExecutionRepository.js"
import type { StageName } from "./Stage.js"

/** A run stopped: a critical stage failed, or the run's budget ran out while a stage was running. */
export class PipelineFailed extends Data.TaggedError("PipelineFailed")<{
  readonly executionId: string
  readonly conversationId: string
  readonly failedStage: StageName
  readonly reason: string
  readonly error: string
  /** What happens to the conversation next: tried again later, or nothing left to try. */
  readonly fallbackAction: "retry" | "none_available" | "skip_conversation"
  readonly stageStartedAt: Date
  readonly failedAt: Date
  readonly durationMs: number
  /** What the run recorded before it stopped. */
  readonly stageResults: StageResults
}> {}

/** The conversation is being processed right now; `executionId` names that run when known. */
export class ConversationInProgress extends Data.TaggedError("ConversationInProgress")<{
  readonly conversationId: string
  readonly executionId: string | null
}> {}
