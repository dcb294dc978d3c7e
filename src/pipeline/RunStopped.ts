import { Duration, Option } from "effect"
import { type StageName, stageNames } from "./Stage.js"
import type { CurrentStage, StagesStopped } from "./RunStages.js"

/** The run's budget ran out; the stage running at that moment is the one to name. */
export interface BudgetExceeded {
  readonly _tag: "BudgetExceeded"
}

export interface StopDescription {
  readonly failedStage: StageName
  readonly stageStartedAtMs: number
  /** For people: what stopped the run (API.md's `reason`). */
  readonly reason: string
  /** The stage's own error, or the reason when the budget ran out. */
  readonly error: string
}

/** Names the stage that stopped a run and says why, for the execution row and the 500 body. */
export const describeStop = (input: {
  readonly stop: StagesStopped | BudgetExceeded
  readonly running: CurrentStage
  readonly runStartedAtMs: number
  readonly budget: Duration.Duration
}): StopDescription => {
  const { budget, running, runStartedAtMs, stop } = input
  if (stop._tag === "StagesStopped") {
    const failedStage = stop.error.stage
    return {
      failedStage,
      stageStartedAtMs: stop.stageStartedAtMs,
      reason: `critical stage ${failedStage} failed: ${stop.error.message}`,
      error: stop.error.message
    }
  }
  // The budget can only run out while a stage runs; the last stage is named if none was recorded.
  const failedStage = Option.match(running, { onNone: () => stageNames[stageNames.length - 1] ?? "prompt_builder", onSome: (c) => c.stage })
  const reason = `pipeline timeout of ${Duration.format(budget)} exceeded while ${failedStage} was running`
  return {
    failedStage,
    stageStartedAtMs: Option.match(running, { onNone: () => runStartedAtMs, onSome: (c) => c.startedAtMs }),
    reason,
    error: reason
  }
}
