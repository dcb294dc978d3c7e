import type { Effect } from "effect"
import { Duration, Effect as E } from "effect"
import {
  CriticalStageError,
  isCritical,
  type PipelineRun,
  RecoverableStageError,
  type Stage,
  type StageName,
  type StageOutputs
} from "./Stage.js"

/**
 * A stage as the orchestrator runs it: its output folded into the outputs so far. Erasing the
 * stage's name from the type lets one list hold all nine while keeping their requirements.
 */
export interface PipelineStep<R> {
  readonly name: StageName
  readonly critical: boolean
  readonly timeout: Duration.Duration
  readonly run: (
    run: PipelineRun,
    outputs: Partial<StageOutputs>
  ) => Effect.Effect<Partial<StageOutputs>, CriticalStageError | RecoverableStageError, R>
}

export const step = <N extends StageName, Err extends CriticalStageError | RecoverableStageError, R>(
  stage: Stage<N, Err, R>
): PipelineStep<R> => ({
  name: stage.name,
  critical: stage.critical,
  timeout: stage.timeout,
  run: (run, outputs) => E.map(stage.run(run, outputs), (value): Partial<StageOutputs> => ({ ...outputs, [stage.name]: value }))
})

/** The typed error of a stage that ran out of its own time. */
export const stageTimedOut = (stage: StageName, timeout: Duration.Duration) => {
  const message = `${stage} timed out after ${Duration.format(timeout)}`
  return isCritical(stage)
    ? new CriticalStageError({ stage, message })
    : new RecoverableStageError({ stage, message })
}
