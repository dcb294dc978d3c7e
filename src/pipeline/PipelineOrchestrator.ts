import type { SqlError } from "@effect/sql/SqlError"
import { Clock, Duration, Effect, Option, Ref } from "effect"
import * as Deadline from "../model/Deadline.js"
import { ExecutionRepository, type StageResults } from "../runs/ExecutionRepository.js"
import { PipelineInputs } from "./PipelineInputs.js"
import type { PipelineOutcome, PipelineReport, PipelineTarget } from "./PipelineReport.js"
import type { StagePlan } from "./PipelineStep.js"
import { type BudgetExceeded, describeStop } from "./RunStopped.js"
import { earliestRunning, runStages, type RunningStages } from "./RunStages.js"
import { type PipelineRun, stageNames } from "./Stage.js"

/** What the queue runs: the pipeline for one claimed conversation and its execution. */
export interface PipelineShape {
  readonly run: (target: PipelineTarget) => Effect.Effect<PipelineOutcome, SqlError>
}

/**
 * The pipeline: loads what the run works on, runs the stages within the run's deadline, records
 * each stage's progress on the execution, and reports how the run ended. It knows nothing of
 * claims and leases: the queue owns the run's lifecycle (claim, execution, heartbeat, the end
 * recorded with the leases released, shutdown). A database failure is the typed `SqlError`.
 */
export const makeOrchestrator = <R>(plan: StagePlan<R>) =>
  Effect.gen(function*() {
    const executions = yield* ExecutionRepository
    const inputs = yield* PipelineInputs
    const context = yield* Effect.context<R>()

    const report = (
      target: PipelineTarget,
      startedAtMs: number,
      results: StageResults,
      failedStages: PipelineReport["failedStages"],
      skipped: boolean
    ) =>
      Effect.map(Clock.currentTimeMillis, (completedAtMs): PipelineOutcome => ({
        _tag: "Completed",
        report: {
          status: failedStages.length === 0 ? "success" : "partial_success",
          executionId: target.executionId,
          conversationId: target.conversationId,
          startedAt: new Date(startedAtMs),
          completedAt: new Date(completedAtMs),
          totalDurationMs: completedAtMs - startedAtMs,
          stageResults: results,
          failedStages,
          promptReady: results.prompt_builder?.status === "success",
          skipped
        }
      }))

    const run = (target: PipelineTarget) =>
      Effect.gen(function*() {
        const startedAtMs = yield* Clock.currentTimeMillis
        const budget = target.budget
        const left = Duration.millis(Math.max(0, target.deadlineMs - startedAtMs))
        const loaded = yield* inputs.load(target.conversationId)
        if (Option.isNone(loaded)) return yield* Effect.dieMessage(`conversation ${target.conversationId} vanished`)
        const pipelineRun: PipelineRun = {
          executionId: target.executionId,
          conversation: loaded.value.conversation,
          user: loaded.value.user,
          found: loaded.value.found,
          startedAt: new Date(startedAtMs),
          forceReprocess: target.forceReprocess
        }

        if (pipelineRun.user.gameStatus === "game_over" || pipelineRun.user.gameStatus === "won") {
          const results: StageResults = Object.fromEntries(
            stageNames.map((stage) => [stage, { status: "skipped", success: true, duration_ms: 0, error: null }])
          )
          return yield* report(target, startedAtMs, results, [], true)
        }

        const current = yield* Ref.make<RunningStages>([])
        const ended = yield* Ref.make<StageResults>({})
        const outcome = yield* runStages({
          plan,
          run: pipelineRun,
          context,
          current,
          executions,
          runDeadlineMs: target.deadlineMs,
          results: ended
        }).pipe(
          Effect.timeoutFail({ duration: left, onTimeout: (): BudgetExceeded => ({ _tag: "BudgetExceeded" }) }),
          Effect.either
        )
        if (outcome._tag === "Right") {
          return yield* report(target, startedAtMs, outcome.right.results, outcome.right.failedStages, false)
        }
        if (outcome.left._tag === "SqlError") return yield* outcome.left
        const failedAtMs = yield* Clock.currentTimeMillis
        const stop = describeStop({ stop: outcome.left, running: earliestRunning(yield* Ref.get(current)), runStartedAtMs: startedAtMs, budget })
        // Out of budget: the results of the stages that ended (the run's end records those a level did not).
        const stageResults = outcome.left._tag === "StagesStopped" ? outcome.left.results : yield* Ref.get(ended)
        const stopped: PipelineOutcome = {
          _tag: "Stopped",
          stopped: {
            executionId: target.executionId,
            conversationId: target.conversationId,
            failedStage: stop.failedStage,
            reason: stop.reason,
            error: stop.error,
            stageStartedAt: new Date(stop.stageStartedAtMs),
            failedAt: new Date(failedAtMs),
            durationMs: failedAtMs - startedAtMs,
            stageResults
          }
        }
        return stopped
      }).pipe(
        Deadline.within(target.deadlineMs),
        Effect.withSpan("Pipeline.run", { attributes: { conversation_id: target.conversationId } }),
        Effect.annotateLogs({ conversation_id: target.conversationId, execution_id: target.executionId })
      )

    return { run } satisfies PipelineShape
  })
