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
  type StageName,
  stageNames,
  type StageOutputs
} from "./Stage.js"

/** What one recoverable stage hands on: its own output, merged by the orchestrator. */
export type RecoverableOutput = Partial<Pick<StageOutputs, RecoverableStageName>>

/**
 * A recoverable stage as the orchestrator runs it: its output keyed by its name. Erasing the stage's name from the type lets one list hold all seven while keeping their
 * requirements.
 */
export interface RecoverableStep<R> {
  readonly name: RecoverableStageName
  readonly timeout: Duration.Duration
  readonly run: (run: PipelineRun, earlier: EarlierOutputs) => Effect.Effect<RecoverableOutput, RecoverableStageError, R>
}

export const step = <N extends RecoverableStageName, R>(stage: RecoverableStage<N, R>): RecoverableStep<R> => ({
  name: stage.name,
  timeout: stage.timeout,
  run: (run, earlier) => Effect.map(stage.run(run, earlier), (value): RecoverableOutput => ({ [stage.name]: value }))
})

/**
 * Which stages each stage waits for. Every stage after `extraction` waits for it (it is critical
 * and every stage reads it), so it is not listed; a dependency must come earlier in pipeline order.
 */
export type StageDependencies = { readonly [N in Exclude<StageName, "extraction">]: ReadonlyArray<StageName> }

/**
 * The stages of a pipeline: the two critical ones by name, so that their outputs are typed as
 * present where they must be; then the recoverable ones in pipeline order. `after` says what
 * each waits for; without it every stage waits for the one before it (strictly in order).
 */
export interface StagePlan<R> {
  readonly extraction: CriticalStage<"extraction", R>
  readonly memoryUpdate: CriticalStage<"memory_update", R>
  readonly recoverable: ReadonlyArray<RecoverableStep<R>>
  readonly after?: StageDependencies
}

/**
 * The stages after `extraction`, grouped into levels: a stage's level is one past the deepest
 * stage it waits for, so each level's stages run together once the level before has ended.
 * Within a level, stages keep pipeline order. A dependency on a stage not in `names` (left out
 * of the plan) is ignored, and so is one on a later stage (the plan's test rules those out).
 */
export const stageLevels = (
  names: ReadonlyArray<Exclude<StageName, "extraction">>,
  after: StageDependencies | undefined
): ReadonlyArray<ReadonlyArray<Exclude<StageName, "extraction">>> => {
  const ordered = stageNames.filter((name): name is Exclude<StageName, "extraction"> => names.some((n) => n === name))
  const level = new Map<StageName, number>()
  const levelOf = (name: Exclude<StageName, "extraction">, index: number): number => {
    const known = level.get(name)
    if (known !== undefined) return known
    const waitsFor = after === undefined ? ordered.slice(index - 1, index) : after[name]
    const depth = waitsFor.reduce((deepest, dependency) => {
      const at = ordered.findIndex((n) => n === dependency)
      const found = ordered[at]
      return found === undefined || at >= index ? deepest : Math.max(deepest, levelOf(found, at) + 1)
    }, 0)
    level.set(name, depth)
    return depth
  }
  const depths = ordered.map(levelOf)
  const count = depths.reduce((max, d) => Math.max(max, d + 1), 0)
  return Array.from({ length: count }, (_, l) => ordered.filter((_, i) => depths[i] === l))
}

const timedOutMessage = (stage: StageName, timeout: Duration.Duration) => `${stage} timed out after ${Duration.format(timeout)}`

/** The typed error of a critical stage that ran out of its own time. */
export const criticalTimedOut = (stage: CriticalStageName, timeout: Duration.Duration) =>
  new CriticalStageError({ stage, message: timedOutMessage(stage, timeout) })

/** The typed error of a recoverable stage that ran out of its own time. */
export const recoverableTimedOut = (stage: RecoverableStageName, timeout: Duration.Duration) =>
  new RecoverableStageError({ stage, message: timedOutMessage(stage, timeout) })
