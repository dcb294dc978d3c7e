import { Duration, Effect, Layer, Queue, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { StreamState } from "../runs/StreamState.js"
import { ConversationClaims } from "./ConversationClaims.js"
import { type Claim, ConversationLeases } from "./ConversationLeases.js"
import { PipelineRuns } from "./PipelineRuns.js"
import { runClaim } from "./RunClaim.js"
import { WorkerPool } from "./WorkerPool.js"

/**
 * While the database cannot be reached, the stream tries again after 1 s, 2 s, 4 s … capped at a
 * minute: quick to recover from a blip, quiet during an outage. A successful poll starts over.
 */
export const DatabaseRetry = Schedule.exponential("1 second", 2).pipe(Schedule.union(Schedule.spaced("1 minute")))

/**
 * The stale-conversation stream of one instance. Every STREAM_POLL_INTERVAL (sooner when a run
 * frees a slot of the worker) it claims as many due conversations as the worker has free slots —
 * the instance's one pool of STREAM_CONCURRENCY, shared with the process-conversations task, so a
 * slow pipeline slows claiming instead of piling up claims whose leases would expire while they
 * wait — and runs each one on its slot.
 *
 * It never dies: a failed run is logged (its end already queued or failed it); an unreachable
 * database is retried with `DatabaseRetry` while StreamState says "stopped", and "running" again
 * after the next successful poll; anything else is logged at the loop's edge and the loop starts
 * over. With UNIFIED_PIPELINE_ENABLED=false it claims nothing and says "disabled": conversations
 * wait as they are (active or queued) for an instance with the flag on.
 *
 * `drain(grace)` is graceful shutdown, the worker's: claiming stops at once and for good, runs in
 * flight (stream, task and async runs alike) get up to `grace` in total to finish, the rest are
 * interrupted (their leases go back to `queued`, the attempt not counted).
 */
export class ConversationStream extends Effect.Service<ConversationStream>()("aftertalk/ConversationStream", {
  scoped: Effect.gen(function*() {
    const config = yield* AppConfig
    const claims = yield* ConversationClaims
    const leases = yield* ConversationLeases
    const runs = yield* PipelineRuns
    const pool = yield* WorkerPool
    const state = yield* StreamState
    const wakeUps = yield* Queue.sliding<void>(1)

    const inFlight: Effect.Effect<number> = pool.inFlight

    /** Polls now instead of at the end of the interval (work just became due). */
    const wake: Effect.Effect<void> = Queue.offer(wakeUps, undefined).pipe(Effect.asVoid)

    const runOne = (claim: Claim) =>
      runClaim({ runs, leases }, claim, "stream").pipe(
        Effect.flatMap((result) =>
          result._tag === "Completed"
            ? Effect.logDebug(`stream run ${result.report.status}`).pipe(
              Effect.annotateLogs({ conversation_id: claim.conversationId, execution_id: result.report.executionId })
            )
            : Effect.void
        )
      )

    /**
     * Claims up to the free slots and starts their runs, as one claim step of the worker.
     * "running" is set inside the step, so a poll finishing late cannot report a drained stream
     * as running.
     */
    const fillSlots = pool.claiming((restore) =>
      Effect.gen(function*() {
        const free = yield* pool.takeFree(config.streamConcurrency)
        const claimed = free > 0
          ? yield* claims.claimDue({ limit: free }).pipe(Effect.tapError(() => pool.giveBack(free)))
          : []
        yield* pool.giveBack(free - claimed.length)
        yield* Effect.forEach(claimed, (claim) => pool.startOnSlot(restore(runOne(claim))), { discard: true })
        yield* state.set("running")
      })
    )

    const poll = fillSlots.pipe(
      Effect.tapError((error) =>
        state.set("stopped").pipe(
          Effect.zipRight(Effect.logWarning("stream cannot claim: database unreachable; retrying with backoff", error))
        )
      ),
      Effect.retry(DatabaseRetry)
    )

    const waitForWork = Effect.raceAll([Effect.sleep(config.streamPollInterval), Queue.take(wakeUps), Queue.take(pool.freed)])

    /** The loop; fork it in a scope (`ConversationStreamLive`). */
    const run: Effect.Effect<never> = config.pipelineEnabled
      ? Effect.forever(poll.pipe(Effect.zipRight(waitForWork))).pipe(
        // The outer edge of a long-lived loop: whatever escaped is logged and the loop restarts.
        Effect.catchAllCause((cause) =>
          state.set("stopped").pipe(
            Effect.zipRight(Effect.logError("stream loop failed; restarting", cause)),
            Effect.zipRight(Effect.sleep(config.streamPollInterval))
          )
        ),
        Effect.forever,
        Effect.withSpan("ConversationStream.run")
      )
      : state.set("disabled").pipe(
        Effect.zipRight(Effect.logInfo("UNIFIED_PIPELINE_ENABLED=false: the stream claims nothing")),
        Effect.zipRight(Effect.never)
      )

    /** Stops claiming, waits up to `grace` for the worker's runs in flight, interrupts the rest. */
    const drain = Effect.fn("ConversationStream.drain")(function*(grace: Duration.DurationInput) {
      const drained = yield* pool.drain(grace)
      if (config.pipelineEnabled) yield* state.set("stopped")
      yield* Effect.logInfo("stream drained").pipe(
        Effect.annotateLogs({ in_flight: drained.inFlight, interrupted: drained.interrupted })
      )
      return drained
    })

    return { run, inFlight, wake, drain } as const
  }),
  dependencies: [
    AppConfig.Default,
    ConversationClaims.Default,
    ConversationLeases.Default,
    PipelineRuns.Default,
    WorkerPool.Default,
    StreamState.Default
  ]
}) {}

/**
 * The stream as Main runs it: the loop forked in the layer's scope, and on shutdown (the scope
 * closing) a drain with SHUTDOWN_GRACE before the loop is interrupted — finalizers run in reverse,
 * so the drain added last runs first.
 */
export const ConversationStreamLive = Layer.scopedDiscard(
  Effect.gen(function*() {
    const stream = yield* ConversationStream
    const config = yield* AppConfig
    yield* Effect.forkScoped(stream.run)
    yield* Effect.addFinalizer(() => stream.drain(config.shutdownGrace))
  })
)
