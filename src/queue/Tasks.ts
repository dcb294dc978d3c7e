import { Data, Deferred, Effect, Option, Ref } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { ConversationClaims } from "./ConversationClaims.js"
import { ConversationLeases } from "./ConversationLeases.js"
import { InactivityDecay } from "../player/InactivityDecay.js"
import { TaskRuns } from "./TaskRuns.js"
import { PipelineRuns } from "./PipelineRuns.js"
import { runClaim, type RunResult } from "./RunClaim.js"
import { WorkerPool } from "./WorkerPool.js"

/** UNIFIED_PIPELINE_ENABLED=false: the task processes nothing (HTTP answers 503 `disabled`). */
export class PipelineDisabled extends Data.TaggedError("PipelineDisabled")<{ readonly message: string }> {}

/**
 * `POST /tasks/process-conversations`. Counts are disjoint and add up to `detected` (conversations
 * claimed): `processed` ran every stage, `partial` lost a recoverable stage, `failed` stopped on a
 * critical stage, its budget or a defect (queued again or failed for good), `skipped` belonged to a
 * player whose game is over or won.
 */
export interface ProcessConversationsResult {
  readonly status: "ok"
  readonly detected: number
  readonly processed: number
  readonly partial: number
  readonly failed: number
  readonly skipped: number
  readonly execution_ids: ReadonlyArray<string>
}

/** `POST /tasks/decay`: players looked at, players whose score dropped, games that ended. */
export interface DecayResult {
  readonly status: "ok"
  readonly processed: number
  readonly decayed: number
  readonly game_overs: number
}

export const DEFAULT_TASK_LIMIT = 50

const summarize = (results: ReadonlyArray<RunResult>): ProcessConversationsResult => {
  const count = (f: (result: RunResult) => boolean) => results.filter(f).length
  return {
    status: "ok",
    detected: results.length,
    processed: count((r) => r._tag === "Completed" && r.report.status === "success" && !r.report.skipped),
    partial: count((r) => r._tag === "Completed" && r.report.status === "partial_success"),
    failed: count((r) => r._tag !== "Completed"),
    skipped: count((r) => r._tag === "Completed" && r.report.skipped),
    execution_ids: results.flatMap((r) =>
      r._tag === "Completed" ? [r.report.executionId] : r._tag === "Failed" ? [r.executionId] : []
    )
  }
}

/**
 * The cron-style tasks, each recorded in `task_runs`. process-conversations uses the stream's
 * claim and the instance's one worker: up to STREAM_CONCURRENCY loops that each wait for a free
 * slot of the worker, claim one conversation and run it on that slot (claiming the whole batch up
 * front would let the last claims' leases expire while they wait), until `limit` conversations
 * were claimed or nothing due is left. The runs are the worker's, so shutdown drains them with
 * the stream's under one SHUTDOWN_GRACE.
 */
export class Tasks extends Effect.Service<Tasks>()("aftertalk/Tasks", {
  effect: Effect.gen(function*() {
    const config = yield* AppConfig
    const claims = yield* ConversationClaims
    const leases = yield* ConversationLeases
    const runs = yield* PipelineRuns
    const pool = yield* WorkerPool
    const decayService = yield* InactivityDecay
    const taskRuns = yield* TaskRuns

    /** Waits for a slot, claims one conversation and runs it on the slot; none when nothing is due. */
    const claimAndRun = Effect.gen(function*() {
      yield* pool.takeSlot
      const started = yield* pool.claiming((restore) =>
        Effect.gen(function*() {
          const [claim] = yield* claims.claimDue({ limit: 1 }).pipe(Effect.tapError(() => pool.giveBack(1)))
          if (claim === undefined) {
            yield* pool.giveBack(1)
            return Option.none<Deferred.Deferred<RunResult>>()
          }
          const done = yield* Deferred.make<RunResult>()
          yield* pool.startOnSlot(restore(runClaim({ runs, leases }, claim, "task")).pipe(Effect.intoDeferred(done), Effect.asVoid))
          return Option.some(done)
        })
      )
      // A draining worker claims nothing; its slot goes back with the step not run.
      if (Option.isNone(started)) yield* pool.giveBack(1)
      const done = Option.flatten(started)
      return Option.isNone(done) ? undefined : yield* Deferred.await(done.value)
    })

    const processBatch = (limit: number) =>
      Effect.gen(function*() {
        const budget = yield* Ref.make(limit)
        const results = yield* Ref.make<ReadonlyArray<RunResult>>([])
        const worker = Effect.gen(function*() {
          while (yield* Ref.modify(budget, (left) => (left > 0 ? [true, left - 1] : [false, left]))) {
            const result = yield* claimAndRun
            if (result === undefined) return
            yield* Ref.update(results, (list) => [...list, result])
          }
        })
        const workers = Math.min(limit, config.streamConcurrency)
        yield* Effect.all(Array.from({ length: workers }, () => worker), { concurrency: "unbounded", discard: true })
        return summarize(yield* Ref.get(results))
      })

    /** Claims due conversations (at most `limit`) and runs them before answering. */
    const processConversations = Effect.fn("Tasks.processConversations")(function*(
      input: { readonly limit?: number } = {}
    ) {
      if (!config.pipelineEnabled) {
        return yield* new PipelineDisabled({ message: "UNIFIED_PIPELINE_ENABLED is false: nothing is processed." })
      }
      const limit = Math.max(0, Math.floor(input.limit ?? DEFAULT_TASK_LIMIT))
      const result = yield* taskRuns.track("process_conversations", processBatch(limit))
      yield* Effect.logInfo("process-conversations done").pipe(
        Effect.annotateLogs({ detected: result.detected, processed: result.processed, failed: result.failed })
      )
      return result
    })

    /**
     * Applies inactivity decay to every player in play. It runs whatever the pipeline flag says:
     * decay is the game's clock, not pipeline processing. `now` defaults to the database's clock.
     */
    const decay = Effect.fn("Tasks.decay")(function*(input: { readonly now?: Date } = {}) {
      return yield* taskRuns.track(
        "decay",
        decayService.decayAll(input).pipe(
          // The database's clock always answers one row: its absence is a bug, not an outcome.
          Effect.catchTag("NoSuchElementException", Effect.die),
          Effect.map((done): DecayResult => ({
            status: "ok",
            processed: done.processed,
            decayed: done.decayed,
            game_overs: done.gameOvers
          }))
        )
      )
    })

    return { processConversations, decay } as const
  }),
  dependencies: [
    AppConfig.Default,
    ConversationClaims.Default,
    ConversationLeases.Default,
    PipelineRuns.Default,
    WorkerPool.Default,
    InactivityDecay.Default,
    TaskRuns.Default
  ]
}) {}
