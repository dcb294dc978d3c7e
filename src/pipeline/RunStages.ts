import { Clock, Context, Effect, Either, Option, Ref, Schedule } from "effect"
import type { ExecutionRepository, StageResults } from "../runs/ExecutionRepository.js"
import type { CriticalStageError, PipelineRun, StageName, StageOutputs } from "./Stage.js"
import { type PipelineStep, stageTimedOut } from "./PipelineStep.js"

/** A recoverable stage gets one more try, half a second later (DOMAIN.md's game rule). */
export const RecoverableRetry = Schedule.addDelay(Schedule.recurs(1), () => "500 millis")

/** The stage running now and when it started: what a timeout or status poll names. */
export type CurrentStage = Option.Option<{ readonly stage: StageName; readonly startedAtMs: number }>

export interface StagesCompleted {
  readonly outputs: Partial<StageOutputs>
  readonly results: StageResults
  readonly failedStages: ReadonlyArray<StageName>
}

export interface StagesStopped {
  readonly _tag: "StagesStopped"
  readonly error: CriticalStageError
  readonly results: StageResults
  readonly stageStartedAtMs: number
}

/**
 * Runs the stages in order. A critical stage's error stops the run (later stages do not run); a
 * recoverable one is retried once, then recorded, and the run goes on. Each result is written
 * to the execution as it happens so that status polling sees progress.
 */
export const runStages = <R>(input: {
  readonly steps: ReadonlyArray<PipelineStep<R>>
  readonly run: PipelineRun
  readonly context: Context.Context<R>
  readonly current: Ref.Ref<CurrentStage>
  readonly executions: ExecutionRepository
}): Effect.Effect<StagesCompleted, StagesStopped> =>
  Effect.gen(function*() {
    const { context, current, executions, run, steps } = input
    let outputs: Partial<StageOutputs> = {}
    let results: StageResults = {}
    const failedStages: Array<StageName> = []
    for (const stage of steps) {
      const startedAtMs = yield* Clock.currentTimeMillis
      yield* Ref.set(current, Option.some({ stage: stage.name, startedAtMs }))
      yield* executions.enterStage(run.executionId, stage.name).pipe(Effect.orDie)
      const attempt = stage.run(run, outputs).pipe(
        Effect.timeoutFail({ duration: stage.timeout, onTimeout: () => stageTimedOut(stage.name, stage.timeout) })
      )
      const outcome = yield* (stage.critical ? attempt : Effect.retry(attempt, RecoverableRetry)).pipe(
        Effect.provide(context),
        Effect.either
      )
      const durationMs = (yield* Clock.currentTimeMillis) - startedAtMs
      const result = Either.match(outcome, {
        onLeft: (error) => ({ status: "failed" as const, success: false, duration_ms: durationMs, error: error.message }),
        onRight: () => ({ status: "success" as const, success: true, duration_ms: durationMs, error: null })
      })
      results = { ...results, [stage.name]: result }
      yield* executions.recordStage(run.executionId, stage.name, result).pipe(Effect.orDie)
      if (Either.isRight(outcome)) {
        outputs = outcome.right
        continue
      }
      const error = outcome.left
      if (error._tag === "CriticalStageError") {
        yield* Effect.logError("critical stage failed; the run stops").pipe(
          Effect.annotateLogs({ stage: stage.name, error: error.message })
        )
        return yield* Effect.fail<StagesStopped>({ _tag: "StagesStopped", error, results, stageStartedAtMs: startedAtMs })
      }
      failedStages.push(stage.name)
      yield* Effect.logWarning("recoverable stage failed after its retry; the run goes on").pipe(
        Effect.annotateLogs({ stage: stage.name, error: error.message })
      )
    }
    yield* Ref.set(current, Option.none())
    return { outputs, results, failedStages }
  }).pipe(Effect.annotateLogs({ conversation_id: input.run.conversation.id, execution_id: input.run.executionId }))
