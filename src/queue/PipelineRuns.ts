import type { SqlError } from "@effect/sql/SqlError"
import { Cause, Clock, Data, Duration, Effect, Fiber, Option, Schedule } from "effect"
import { randomUUID } from "node:crypto"
import { AppConfig } from "../config/AppConfig.js"
import { Instance } from "../config/Instance.js"
import { ConversationInProgress, PipelineFailed } from "../pipeline/PipelineErrors.js"
import type { PipelineReport } from "../pipeline/PipelineReport.js"
import { ExecutionRepository, type Trigger } from "../runs/ExecutionRepository.js"
import {
  type Claim,
  ConversationAlreadyProcessed,
  ConversationLeases,
  ConversationNotFound,
  type ExecutionEnd,
  type RunOutcome,
  UserBusy
} from "./ConversationLeases.js"
import { PipelineRunner } from "./PipelineRunner.js"
import { isFinalAttempt } from "./RetryBackoff.js"
import { WorkerPool } from "./WorkerPool.js"
import { recordRun } from "../observability/ServiceMetrics.js"

export interface ProcessOptions {
  readonly trigger: Trigger
  readonly forceReprocess?: boolean
  /** The run's budget; PIPELINE_TIMEOUT when absent. */
  readonly timeout?: Duration.Duration
}

/** Why a named claim (HTTP) did not start a run. */
export type ClaimRefused = ConversationInProgress | ConversationNotFound | ConversationAlreadyProcessed | UserBusy

/** A run's heartbeat found that the run may no longer hold its leases. */
class LeaseLost extends Data.TaggedError("LeaseLost")<{ readonly reason: string }> {}

/** How often a claim waits for the user's mailbox while another of the user's runs finishes. */
const UserMailboxWait = Schedule.spaced("200 millis")

/**
 * The run lifecycle around the pipeline. `process` claims a named conversation and runs it now;
 * `submit` claims it and runs it in the background (status polling); `runClaimed` runs what the
 * stream or a task already claimed. Every run is one `pipeline_executions` row, holds the
 * conversation's and the user's lease (extended by a heartbeat) and ends in one transaction that
 * records the execution's outcome and releases both leases: processed, queued again with
 * backoff, `failed` after MAX_ATTEMPTS, or back in the queue when interrupted by shutdown. A lost
 * database is the typed `SqlError`: the leases then expire and the conversation is claimed again.
 */
export class PipelineRuns extends Effect.Service<PipelineRuns>()("aftertalk/PipelineRuns", {
  effect: Effect.gen(function*() {
    const leases = yield* ConversationLeases
    const executions = yield* ExecutionRepository
    const pipeline = yield* PipelineRunner
    const pool = yield* WorkerPool
    const config = yield* AppConfig
    const instance = yield* Instance
    const leaseMs = Duration.toMillis(config.leaseDuration)
    const heartbeatEvery = Duration.millis(Math.max(50, leaseMs / 3))

    /**
     * Extends the run's leases every third of LEASE_DURATION, and fails with `LeaseLost` when the
     * run may no longer hold them: another instance took them over, or they could not be extended
     * (the database unreachable) and would expire before the next beat. The run then stops, so two
     * instances never run one conversation at the same time.
     */
    const heartbeat = (claim: Claim, claimedAtMs: number) =>
      Effect.gen(function*() {
        let heldUntilMs = claimedAtMs + leaseMs
        // The claim has just set the lease: the first extension is due a period later.
        for (;;) {
          yield* Effect.sleep(heartbeatEvery)
          const sentAtMs = yield* Clock.currentTimeMillis
          // A beat that errs (the database unreachable) extends nothing.
          const held = yield* leases.heartbeat(claim).pipe(
            Effect.catchTag("SqlError", (error) => Effect.logWarning("lease heartbeat failed", error).pipe(Effect.as(undefined)))
          )
          if (held === false) return yield* new LeaseLost({ reason: "another instance took the conversation over" })
          if (held === true) heldUntilMs = sentAtMs + leaseMs
          else if ((yield* Clock.currentTimeMillis) + Duration.toMillis(heartbeatEvery) >= heldUntilMs) {
            return yield* new LeaseLost({ reason: "the lease could not be extended before it expires" })
          }
        }
      })

    const end = (claim: Claim, outcome: RunOutcome, execution: ExecutionEnd) => leases.end(claim, outcome, execution)

    /**
     * A run stopped by its heartbeat: its execution is closed as failed, and its leases, if it
     * still holds them, go back to the queue (guarded by the owner token: a taken-over lease is
     * left to its new owner). Answered as the conversation being in progress elsewhere.
     */
    const leaseLost = (claim: Claim, executionId: string, claimedAtMs: number, lost: LeaseLost) =>
      Effect.gen(function*() {
        yield* Effect.logWarning("lease lost: the run stopped").pipe(Effect.annotateLogs({ reason: lost.reason }))
        const stoppedAtMs = yield* Clock.currentTimeMillis
        yield* end(claim, { _tag: "Interrupted" }, {
          executionId,
          status: "failed",
          error: `lease lost: ${lost.reason}; the run stopped`,
          failedStage: null,
          totalDurationMs: stoppedAtMs - claimedAtMs
        }).pipe(Effect.catchTag("SqlError", (error) => Effect.logError("could not close a run that lost its lease", error)))
        return yield* new ConversationInProgress({ conversationId: claim.conversationId, executionId: null })
      })

    /** `started`: the execution was created `processing` (attempt and first stage recorded with it). */
    const execute = (claim: Claim, executionId: string, options: ProcessOptions, claimedAtMs: number, started: boolean) =>
      Effect.gen(function*() {
        const startedAtMs = yield* Clock.currentTimeMillis
        const budget = options.timeout ?? config.pipelineTimeout
        if (!started) yield* executions.start(executionId, claim.attempt)
        const beat = yield* Effect.forkScoped(heartbeat(claim, claimedAtMs))
        const outcome = yield* pipeline.run({
          executionId,
          conversationId: claim.conversationId,
          forceReprocess: options.forceReprocess ?? false,
          budget,
          deadlineMs: startedAtMs + Duration.toMillis(budget)
        }).pipe(Effect.raceFirst(Fiber.join(beat)))
        if (outcome._tag === "Completed") {
          const { report } = outcome
          yield* end(claim, { _tag: "Processed" }, {
            executionId,
            status: report.status,
            error: report.failedStages.length === 0 ? null : `recoverable stage(s) failed: ${report.failedStages.join(", ")}`,
            failedStage: report.failedStages[0] ?? null,
            totalDurationMs: report.totalDurationMs,
            // The last level's results are recorded here; a skipped run records none.
            stageResults: report.skipped ? undefined : report.stageResults
          })
          yield* Effect.logInfo(`pipeline ${report.status}`).pipe(Effect.annotateLogs({ duration_ms: report.totalDurationMs }))
          return report
        }
        const { stopped } = outcome
        yield* end(claim, { _tag: "Failed", error: stopped.reason }, {
          executionId,
          status: "failed",
          error: stopped.reason,
          failedStage: stopped.failedStage,
          totalDurationMs: stopped.durationMs,
          stageResults: stopped.stageResults
        })
        return yield* new PipelineFailed({
          executionId,
          conversationId: claim.conversationId,
          failedStage: stopped.failedStage,
          reason: stopped.reason,
          error: stopped.error,
          fallbackAction: isFinalAttempt(claim.attempt, config.maxAttempts) ? "none_available" : "retry",
          stageStartedAt: stopped.stageStartedAt,
          failedAt: stopped.failedAt,
          durationMs: stopped.durationMs,
          stageResults: stopped.stageResults
        })
      }).pipe(
        Effect.scoped,
        Effect.catchTag("LeaseLost", (lost) => leaseLost(claim, executionId, claimedAtMs, lost)),
        Effect.tap((report) => recordRun(report.status, options.trigger)),
        Effect.tapErrorTag("PipelineFailed", () => recordRun("failed", options.trigger)),
        Effect.onInterrupt(() =>
          Effect.gen(function*() {
            const interruptedAtMs = yield* Clock.currentTimeMillis
            yield* end(claim, { _tag: "Interrupted" }, {
              executionId,
              status: "failed",
              error: "interrupted by shutdown; queued again",
              failedStage: null,
              totalDurationMs: interruptedAtMs - claimedAtMs
            })
          }).pipe(Effect.catchTag("SqlError", (error) => Effect.logError("could not release an interrupted run", error)))
        ),
        Effect.withSpan("PipelineRuns.execute", { attributes: { conversation_id: claim.conversationId } }),
        // Every line of a run names it; `stage` is null outside a stage (RunStages sets it inside one).
        Effect.annotateLogs({ conversation_id: claim.conversationId, execution_id: executionId, user_id: claim.userId, stage: null })
      )

    /**
     * Claims a named conversation and creates its execution (`status`) in one statement, waiting
     * (within the budget) while the user's mailbox is busy.
     */
    const claimNamed = (conversationId: string, executionId: string, options: ProcessOptions, status: "queued" | "processing") =>
      leases.claim({
        conversationId,
        owner: `${instance.id}/${executionId}`,
        force: options.forceReprocess ?? false,
        execution: { id: executionId, trigger: options.trigger, status, instanceId: instance.id }
      }).pipe(
        // Within the run's budget; past it the last UserBusy is the answer (409).
        Effect.retry({
          schedule: Schedule.upTo(UserMailboxWait, options.timeout ?? config.pipelineTimeout),
          while: (error) => error._tag === "UserBusy"
        }),
        Effect.catchTag("ConversationBusy", () =>
          Effect.flatMap(executions.findRunning(conversationId), (running) =>
            Effect.fail(new ConversationInProgress({ conversationId, executionId: Option.getOrNull(running) }))))
      )

    const createExecution = (claim: Claim, executionId: string, trigger: Trigger, status: "queued" | "processing") =>
      executions.create({
        id: executionId,
        conversationId: claim.conversationId,
        userId: claim.userId,
        trigger,
        status,
        instanceId: instance.id,
        attempt: claim.attempt
      })

    /** Runs a conversation now and waits for the outcome (HTTP sync). */
    const process = Effect.fn("PipelineRuns.process")(function*(conversationId: string, options: ProcessOptions) {
      const executionId = randomUUID()
      const claim = yield* claimNamed(conversationId, executionId, options, "processing")
      const claimedAtMs = yield* Clock.currentTimeMillis
      return yield* execute(claim, executionId, options, claimedAtMs, true)
    })

    /**
     * Claims a conversation now and runs it in the background (in the worker's fibers, so
     * shutdown waits for it); answers the execution id at once. Every failure of the background
     * run is logged at error level: nobody waits for its answer.
     */
    const submit = Effect.fn("PipelineRuns.submit")(function*(conversationId: string, options: ProcessOptions) {
      const executionId = randomUUID()
      const claim = yield* claimNamed(conversationId, executionId, options, "queued")
      const claimedAtMs = yield* Clock.currentTimeMillis
      yield* pool.startBackground(execute(claim, executionId, options, claimedAtMs, false).pipe(
        Effect.asVoid,
        Effect.catchAllCause((cause) =>
          Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError("background pipeline run failed", cause)
        ),
        Effect.annotateLogs({ conversation_id: conversationId, execution_id: executionId, trigger: options.trigger })
      ))
      return executionId
    })

    /** Runs a conversation the stream or a task already claimed. */
    const runClaimed = Effect.fn("PipelineRuns.runClaimed")(function*(claim: Claim, options: ProcessOptions) {
      const executionId = randomUUID()
      const claimedAtMs = yield* Clock.currentTimeMillis
      yield* createExecution(claim, executionId, options.trigger, "processing")
      return yield* execute(claim, executionId, options, claimedAtMs, true)
    })

    return { process, submit, runClaimed } as const
  }),
  // PipelineRunner stays open: the application plugs its orchestrator in, tests fake stages.
  dependencies: [ConversationLeases.Default, ExecutionRepository.Default, WorkerPool.Default, AppConfig.Default, Instance.Default]
}) {}

export type RunErrors = PipelineFailed | ClaimRefused | SqlError
export type { PipelineReport }
