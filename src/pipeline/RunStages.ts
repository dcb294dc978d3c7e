import type { SqlError } from "@effect/sql/SqlError"
import { Clock, type Context, Duration, Effect, Either, Option, Ref, Schedule } from "effect"
import type { ExecutionRepository, StageResult, StageResults } from "../runs/ExecutionRepository.js"
import type { CriticalStageError, CriticalStageName, EarlierOutputs, PipelineRun, StageName } from "./Stage.js"
import { criticalTimedOut, recoverableTimedOut, type StagePlan } from "./PipelineStep.js"
import * as Deadline from "../model/Deadline.js"
import { recordStage } from "../observability/ServiceMetrics.js"

/** A recoverable stage gets one more try, half a second later (DOMAIN.md's game rule). */
export const RecoverableRetry = Schedule.addDelay(Schedule.recurs(1), () => "500 millis")

/** The stage running now and when it started: what a timeout or status poll names. */
export type CurrentStage = Option.Option<{ readonly stage: StageName; readonly startedAtMs: number }>

export interface StagesCompleted {
  readonly outputs: EarlierOutputs
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
 * to the execution as it happens so that status polling sees progress. Every stage runs under
 * its own deadline, the earlier of its timeout and the run's deadline (`runDeadlineMs`), which
 * the model's attempts and retries read to fit inside it.
 */
export const runStages = <R>(input: {
  readonly plan: StagePlan<R>
  readonly run: PipelineRun
  readonly context: Context.Context<R>
  readonly current: Ref.Ref<CurrentStage>
  readonly executions: ExecutionRepository
  readonly runDeadlineMs: number
}): Effect.Effect<StagesCompleted, StagesStopped | SqlError> =>
  Effect.gen(function*() {
    const { context, current, executions, plan, run, runDeadlineMs } = input
    let results: StageResults = {}

    /** One stage: enter, run under its deadline, record its result. */
    const attempt = <A, E extends { readonly message: string }>(
      stage: { readonly name: StageName; readonly timeout: Duration.Duration },
      work: Effect.Effect<A, E, R>,
      timedOut: () => E,
      retry: boolean
    ) =>
      Effect.gen(function*() {
        const startedAtMs = yield* Clock.currentTimeMillis
        yield* Ref.set(current, Option.some({ stage: stage.name, startedAtMs }))
        yield* executions.enterStage(run.executionId, stage.name)
        const deadlineMs = Math.min(runDeadlineMs, startedAtMs + Duration.toMillis(stage.timeout))
        const timed = work.pipe(
          Effect.timeoutFail({ duration: stage.timeout, onTimeout: timedOut })
        )
        const outcome = yield* (retry ? Effect.retry(timed, RecoverableRetry) : timed).pipe(
          Deadline.within(deadlineMs),
          Effect.provide(context),
          Effect.annotateLogs("stage", stage.name),
          Effect.either
        )
        const durationMs = (yield* Clock.currentTimeMillis) - startedAtMs
        const result: StageResult = Either.match(outcome, {
          onLeft: (error) => ({ status: "failed", success: false, duration_ms: durationMs, error: error.message }),
          onRight: () => ({ status: "success", success: true, duration_ms: durationMs, error: null })
        })
        results = { ...results, [stage.name]: result }
        yield* recordStage(stage.name, result.status === "success" ? "success" : "failed", durationMs)
        yield* executions.recordStage(run.executionId, stage.name, result)
        return { outcome, startedAtMs }
      })

    const critical = <A>(
      stage: { readonly name: CriticalStageName; readonly timeout: Duration.Duration },
      work: Effect.Effect<A, CriticalStageError, R>
    ) =>
      Effect.flatMap(attempt(stage, work, () => criticalTimedOut(stage.name, stage.timeout), false), ({ outcome, startedAtMs }) =>
        Either.match(outcome, {
          onRight: Effect.succeed,
          onLeft: (error) =>
            Effect.logError("critical stage failed; the run stops").pipe(
              Effect.annotateLogs({ stage: stage.name, error: error.message }),
              Effect.zipRight(
                Effect.fail<StagesStopped>({ _tag: "StagesStopped", error, results, stageStartedAtMs: startedAtMs })
              )
            )
        }))

    const extraction = yield* critical(plan.extraction, plan.extraction.run(run, {}))
    const memoryUpdate = yield* critical(plan.memoryUpdate, plan.memoryUpdate.run(run, { extraction }))
    let outputs: EarlierOutputs = { extraction, memory_update: memoryUpdate }
    const failedStages: Array<StageName> = []
    // A fallback to the empty extraction lets the run go on, but it did not do its job: the run
    // is partial, and the extraction's result carries the reason.
    if (extraction.fallbackReason !== undefined) {
      const recorded = results.extraction
      const degraded: StageResult = {
        status: "failed",
        success: false,
        duration_ms: recorded?.duration_ms ?? 0,
        error: `no usable extraction, continued with the empty one: ${extraction.fallbackReason}`
      }
      results = { ...results, extraction: degraded }
      yield* executions.recordStage(run.executionId, "extraction", degraded)
      failedStages.push("extraction")
    }
    for (const stage of plan.recoverable) {
      const { outcome } = yield* attempt(
        stage,
        stage.run(run, outputs),
        () => recoverableTimedOut(stage.name, stage.timeout),
        true
      )
      if (Either.isRight(outcome)) {
        outputs = outcome.right
        continue
      }
      failedStages.push(stage.name)
      yield* Effect.logWarning("recoverable stage failed after its retry; the run goes on").pipe(
        Effect.annotateLogs({ stage: stage.name, error: outcome.left.message })
      )
    }
    yield* Ref.set(current, Option.none())
    return { outputs, results, failedStages }
  }).pipe(Effect.annotateLogs({ conversation_id: input.run.conversation.id, execution_id: input.run.executionId }))
