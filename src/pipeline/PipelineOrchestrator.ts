import { Clock, Duration, Effect, FiberSet, Option, Ref, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { isFinalAttempt } from "../queue/RetryBackoff.js"
import { AppConfig } from "../config/AppConfig.js"
import {
  type Claim,
  ConversationAlreadyProcessed,
  ConversationBusy,
  ConversationLeases,
  ConversationNotFound,
  UserBusy
} from "../queue/ConversationLeases.js"
import { ExecutionRepository, type StageResults, type Trigger } from "../runs/ExecutionRepository.js"
import { Instance } from "../config/Instance.js"
import { PipelineInputs } from "./PipelineInputs.js"
import { type PipelineRun, stageNames } from "./Stage.js"
import { ConversationInProgress, PipelineFailed } from "./PipelineErrors.js"
import type { PipelineReport } from "./PipelineReport.js"
import type { StagePlan } from "./PipelineStep.js"
import { type BudgetExceeded, describeStop } from "./RunStopped.js"
import { type CurrentStage, runStages } from "./RunStages.js"
import { recordRun } from "../observability/ServiceMetrics.js"

export interface ProcessOptions {
  readonly trigger: Trigger
  readonly forceReprocess?: boolean
  /** The run's budget; PIPELINE_TIMEOUT when absent. */
  readonly timeout?: Duration.Duration
}

/** How often a claim waits for the user's mailbox while another of the user's runs finishes. */
const UserMailboxWait = Schedule.spaced("200 millis")

/**
 * The single entry point of the pipeline. `process` claims a named conversation and runs it now;
 * `submit` claims it and runs it in the background (status polling); `runClaimed` runs what the
 * stream or a task already claimed. Every run is one `pipeline_executions` row, holds the
 * conversation's and the user's lease (extended by a heartbeat) and ends by releasing them:
 * processed, queued again with backoff, `failed` after MAX_ATTEMPTS, or back in the queue when
 * interrupted by shutdown.
 */
export const makeOrchestrator = <R>(plan: StagePlan<R>) =>
  Effect.gen(function*() {
    const leases = yield* ConversationLeases
    const executions = yield* ExecutionRepository
    const inputs = yield* PipelineInputs
    const config = yield* AppConfig
    const instance = yield* Instance
    const context = yield* Effect.context<R>()
    const background = yield* FiberSet.make<unknown, unknown>()
    // On shutdown, background (async) runs get the grace period to finish before the set
    // interrupts them (finalizers run in reverse, so this wait comes first).
    yield* Effect.addFinalizer(() =>
      FiberSet.awaitEmpty(background).pipe(Effect.interruptible, Effect.timeoutOption(config.shutdownGrace))
    )
    const heartbeatEvery = Duration.millis(Math.max(50, Duration.toMillis(config.leaseDuration) / 3))

    const heartbeat = (claim: Claim) =>
      leases.heartbeat(claim).pipe(
        Effect.tap((held) => (held ? Effect.void : Effect.logWarning("lease lost during a run"))),
        Effect.catchTag("SqlError", (error) => Effect.logWarning("lease heartbeat failed", error)),
        Effect.repeat(Schedule.spaced(heartbeatEvery))
      )

    const timing = (claim: Claim, executionId: string, startedAtMs: number, results: StageResults) =>
      Effect.gen(function*() {
        const completedAtMs = yield* Clock.currentTimeMillis
        return { completedAtMs, totalDurationMs: completedAtMs - startedAtMs, results, claim, executionId }
      })

    const execute = (claim: Claim, executionId: string, options: ProcessOptions, claimedAtMs: number) =>
      Effect.gen(function*() {
        const startedAtMs = yield* Clock.currentTimeMillis
        const budget = options.timeout ?? config.pipelineTimeout
        yield* executions.start(executionId, claim.attempt).pipe(Effect.orDie)
        yield* Effect.forkScoped(heartbeat(claim))
        const loaded = yield* inputs.load(claim.conversationId)
        if (Option.isNone(loaded)) return yield* Effect.dieMessage(`conversation ${claim.conversationId} vanished`)
        const run: PipelineRun = {
          executionId,
          conversation: loaded.value.conversation,
          user: loaded.value.user,
          startedAt: new Date(startedAtMs),
          forceReprocess: options.forceReprocess ?? false
        }

        if (run.user.gameStatus === "game_over" || run.user.gameStatus === "won") {
          const results: StageResults = Object.fromEntries(
            stageNames.map((stage) => [stage, { status: "skipped", success: true, duration_ms: 0, error: null }])
          )
          return yield* complete(yield* timing(claim, executionId, startedAtMs, results), [], true)
        }

        const current = yield* Ref.make<CurrentStage>(Option.none())
        const outcome = yield* runStages({ plan, run, context, current, executions, runDeadlineMs: startedAtMs + Duration.toMillis(budget) }).pipe(
          Effect.catchTag("SqlError", Effect.die),
          Effect.timeoutFail({
            duration: budget,
            onTimeout: (): BudgetExceeded => ({ _tag: "BudgetExceeded" })
          }),
          Effect.either
        )
        if (outcome._tag === "Right") {
          const done = yield* timing(claim, executionId, startedAtMs, outcome.right.results)
          return yield* complete(done, outcome.right.failedStages, false)
        }
        const failedAtMs = yield* Clock.currentTimeMillis
        const { error, failedStage, reason, stageStartedAtMs } = describeStop({
          stop: outcome.left,
          running: yield* Ref.get(current),
          runStartedAtMs: startedAtMs,
          budget
        })
        yield* executions.finish({
          id: executionId,
          status: "failed",
          error: reason,
          failedStage,
          totalDurationMs: failedAtMs - startedAtMs
        }).pipe(Effect.orDie)
        yield* leases.release(claim, { _tag: "Failed", error: reason }).pipe(Effect.orDie)
        return yield* new PipelineFailed({
          executionId,
          conversationId: claim.conversationId,
          failedStage,
          reason,
          error,
          fallbackAction: isFinalAttempt(claim.attempt, config.maxAttempts) ? "none_available" : "retry",
          stageStartedAt: new Date(stageStartedAtMs),
          failedAt: new Date(failedAtMs),
          durationMs: failedAtMs - startedAtMs
        })
      }).pipe(
        Effect.scoped,
        Effect.tap((report) => recordRun(report.status, options.trigger)),
        Effect.tapErrorTag("PipelineFailed", () => recordRun("failed", options.trigger)),
        Effect.onInterrupt(() =>
          Effect.gen(function*() {
            const interruptedAtMs = yield* Clock.currentTimeMillis
            yield* leases.release(claim, { _tag: "Interrupted" })
            yield* executions.finish({
              id: executionId,
              status: "failed",
              error: "interrupted by shutdown; queued again",
              failedStage: null,
              totalDurationMs: interruptedAtMs - claimedAtMs
            })
          }).pipe(Effect.orDie)
        ),
        Effect.withSpan("PipelineOrchestrator.execute", { attributes: { conversation_id: claim.conversationId } }),
        // Every line of a run names it; `stage` is null outside a stage (RunStages sets it inside one).
        Effect.annotateLogs({ conversation_id: claim.conversationId, execution_id: executionId, user_id: claim.userId, stage: null })
      )

    const complete = (
      done: Effect.Effect.Success<ReturnType<typeof timing>>,
      failedStages: PipelineReport["failedStages"],
      skipped: boolean
    ) =>
      Effect.gen(function*() {
        const status = failedStages.length === 0 ? "success" : "partial_success"
        yield* executions.finish({
          id: done.executionId,
          status,
          error: failedStages.length === 0 ? null : `recoverable stage(s) failed: ${failedStages.join(", ")}`,
          failedStage: failedStages[0] ?? null,
          totalDurationMs: done.totalDurationMs
        }).pipe(Effect.orDie)
        yield* leases.release(done.claim, { _tag: "Processed" }).pipe(Effect.orDie)
        const report: PipelineReport = {
          status,
          executionId: done.executionId,
          conversationId: done.claim.conversationId,
          startedAt: new Date(done.completedAtMs - done.totalDurationMs),
          completedAt: new Date(done.completedAtMs),
          totalDurationMs: done.totalDurationMs,
          stageResults: done.results,
          failedStages,
          promptReady: done.results.prompt_builder?.status === "success",
          skipped
        }
        yield* Effect.logInfo(`pipeline ${status}`).pipe(Effect.annotateLogs({ duration_ms: done.totalDurationMs }))
        return report
      })

    /** Claims a named conversation, waiting (within the budget) while the user's mailbox is busy. */
    const claimNamed = (conversationId: string, executionId: string, options: ProcessOptions) =>
      leases.claim({ conversationId, owner: `${instance.id}/${executionId}`, force: options.forceReprocess ?? false }).pipe(
        // Within the run's budget; past it the last UserBusy is the answer (409).
        Effect.retry({
          schedule: Schedule.upTo(UserMailboxWait, options.timeout ?? config.pipelineTimeout),
          while: (error) => error._tag === "UserBusy"
        }),
        Effect.catchTags({
          ConversationBusy: () =>
            executions.findRunning(conversationId).pipe(
              Effect.orDie,
              Effect.flatMap((running) =>
                Effect.fail(new ConversationInProgress({ conversationId, executionId: Option.getOrNull(running) }))
              )
            ),
          SqlError: Effect.die
        })
      )

    const createExecution = (claim: Claim, executionId: string, trigger: Trigger, status: "queued" | "processing") =>
      executions.create({
        id: executionId,
        conversationId: claim.conversationId,
        userId: claim.userId,
        trigger,
        status,
        instanceId: instance.id
      }).pipe(Effect.orDie)

    /** Runs a conversation now and waits for the outcome (HTTP sync). */
    const process = Effect.fn("PipelineOrchestrator.process")(function*(conversationId: string, options: ProcessOptions) {
      const executionId = randomUUID()
      const claim = yield* claimNamed(conversationId, executionId, options)
      yield* createExecution(claim, executionId, options.trigger, "processing")
      return yield* execute(claim, executionId, options, yield* Clock.currentTimeMillis)
    })

    /** Claims a conversation now and runs it in the background; answers the execution id at once. */
    const submit = Effect.fn("PipelineOrchestrator.submit")(function*(conversationId: string, options: ProcessOptions) {
      const executionId = randomUUID()
      const claim = yield* claimNamed(conversationId, executionId, options)
      yield* createExecution(claim, executionId, options.trigger, "queued")
      yield* FiberSet.run(background, execute(claim, executionId, options, yield* Clock.currentTimeMillis).pipe(
        Effect.catchTag("PipelineFailed", (failed) => Effect.logWarning(`background run failed: ${failed.reason}`))
      ))
      return executionId
    })

    /** Runs a conversation the stream or a task already claimed. */
    const runClaimed = Effect.fn("PipelineOrchestrator.runClaimed")(function*(claim: Claim, options: ProcessOptions) {
      const executionId = randomUUID()
      yield* createExecution(claim, executionId, options.trigger, "processing")
      return yield* execute(claim, executionId, options, yield* Clock.currentTimeMillis)
    })

    /** Waits until background runs have finished (graceful shutdown). */
    const awaitBackground = FiberSet.awaitEmpty(background)

    return { process, submit, runClaimed, awaitBackground, ownerFor: (executionId: string) => `${instance.id}/${executionId}` } as const
  })

export type OrchestratorErrors =
  | PipelineFailed
  | ConversationInProgress
  | ConversationNotFound
  | ConversationAlreadyProcessed
  | UserBusy
export { ConversationAlreadyProcessed, ConversationBusy, ConversationNotFound, UserBusy }
