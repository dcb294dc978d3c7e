import { Duration, Effect } from "effect"
import {
  type CriticalStage,
  type CriticalStageName,
  CriticalStageError,
  type EarlierOutputs,
  type PipelineRun,
  type RecoverableStage,
  RecoverableStageError,
  type RecoverableStageName,
  type StageName
} from "./Stage.js"

/**
 * A recoverable stage as the orchestrator runs it: its output folded into the outputs so far.
 * Erasing the stage's name from the type lets one list hold all seven while keeping their
 * requirements.
 */
export interface RecoverableStep<R> {
  readonly name: RecoverableStageName
  readonly timeout: Duration.Duration
  readonly run: (run: PipelineRun, earlier: EarlierOutputs) => Effect.Effect<EarlierOutputs, RecoverableStageError, R>
}

export const step = <N extends RecoverableStageName, R>(stage: RecoverableStage<N, R>): RecoverableStep<R> => ({
  name: stage.name,
  timeout: stage.timeout,
  run: (run, earlier) => Effect.map(stage.run(run, earlier), (value): EarlierOutputs => ({ ...earlier, [stage.name]: value }))
})

/**
 * The stages of a pipeline: the two critical ones first, by name, so that their outputs are
 * typed as present for everything after them; then the recoverable ones in order.
 */
export interface StagePlan<R> {
  readonly extraction: CriticalStage<"extraction", R>
  readonly memoryUpdate: CriticalStage<"memory_update", R>
  readonly recoverable: ReadonlyArray<RecoverableStep<R>>
}

const timedOutMessage = (stage: StageName, timeout: Duration.Duration) => `${stage} timed out after ${Duration.format(timeout)}`

/** The typed error of a critical stage that ran out of its own time. */
export const criticalTimedOut = (stage: CriticalStageName, timeout: Duration.Duration) =>
  new CriticalStageError({ stage, message: timedOutMessage(stage, timeout) })

/** The typed error of a recoverable stage that ran out of its own time. */
export const recoverableTimedOut = (stage: RecoverableStageName, timeout: Duration.Duration) =>
  new RecoverableStageError({ stage, message: timedOutMessage(stage, timeout) })
