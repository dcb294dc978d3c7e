import { Duration, Effect, FiberSet, Layer, Option, Queue, Ref, Schedule } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { ConversationClaims } from "./ConversationClaims.js"
import { type Claim, ConversationLeases } from "./ConversationLeases.js"
import { StreamState } from "../runs/StreamState.js"
import { PipelineRunner } from "./PipelineRunner.js"
import { runClaim } from "./RunClaim.js"

/**
 * While the database cannot be reached, the stream tries again after 1 s, 2 s, 4 s … capped at a
 * minute: quick to recover from a blip, quiet during an outage. A successful poll starts over.
 */
export const DatabaseRetry = Schedule.exponential("1 second", 2).pipe(Schedule.union(Schedule.spaced("1 minute")))

/**
 * The stale-conversation stream of one instance. Every STREAM_POLL_INTERVAL (sooner when one of
 * its runs finishes and frees a slot) it claims as many due conversations as it has free slots —
 * STREAM_CONCURRENCY minus the runs in flight, so a slow pipeline slows claiming instead of
 * piling up claims whose leases would expire while they wait — and runs each one in its own fiber.
 *
 * It never dies: a failed run is logged (the orchestrator already queued or failed it); an
 * unreachable database is retried with `DatabaseRetry` while StreamState says "stopped", and
 * "running" again after the next successful poll; anything else is logged at the loop's edge and
 * the loop starts over. With UNIFIED_PIPELINE_ENABLED=false it claims nothing and says "disabled":
 * conversations wait as they are (active or queued) for an instance with the flag on.
 *
 * `drain(grace)` is graceful shutdown: claiming stops at once and for good, runs in flight get up
 * to `grace` to finish, the rest are interrupted (their leases go back to `queued`, the attempt
 * not counted). The claim and the start of its runs are one uninterruptible step, so a shutdown
 * never strands a claimed conversation until its lease expires.
 */
export class ConversationStream extends Effect.Service<ConversationStream>()("aftertalk/ConversationStream", {
  scoped: Effect.gen(function*() {
    const config = yield* AppConfig
    const claims = yield* ConversationClaims
    const leases = yield* ConversationLeases
    const runner = yield* PipelineRunner
    const state = yield* StreamState
    const runs = yield* FiberSet.make<void>()
    const claiming = yield* Ref.make(config.pipelineEnabled)
    const claimGate = yield* Effect.makeSemaphore(1)
    const wakeUps = yield* Queue.sliding<void>(1)

    const inFlight: Effect.Effect<number> = FiberSet.size(runs)

    /** Polls now instead of at the end of the interval (a slot freed, or work just became due). */
    const wake: Effect.Effect<void> = Queue.offer(wakeUps, undefined).pipe(Effect.asVoid)

    const runOne = (claim: Claim) =>
      runClaim({ runner, leases }, claim, "stream").pipe(
        Effect.flatMap((result) =>
          result._tag === "Completed"
            ? Effect.logDebug(`stream run ${result.report.status}`).pipe(
              Effect.annotateLogs({ conversation_id: claim.conversationId, execution_id: result.report.executionId })
            )
            : Effect.void
        ),
        Effect.ensuring(wake)
      )

    /**
     * Claims up to the free slots and starts their runs. "running" is set under the same gate as
     * drain's "stopped", so a poll finishing late cannot report a drained stream as running.
     */
    const fillSlots = claimGate.withPermits(1)(Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        if (!(yield* Ref.get(claiming))) return
        const free = config.streamConcurrency - (yield* inFlight)
        const claimed = free > 0 ? yield* claims.claimDue({ limit: free }) : []
        yield* Effect.forEach(claimed, (claim) => FiberSet.run(runs, restore(runOne(claim))), { discard: true })
        yield* state.set("running")
      })
    ))

    const poll = fillSlots.pipe(
      Effect.tapError((error) =>
        state.set("stopped").pipe(
          Effect.zipRight(Effect.logWarning("stream cannot claim: database unreachable; retrying with backoff", error))
        )
      ),
      Effect.retry(DatabaseRetry)
    )

    const waitForWork = Effect.race(Effect.sleep(config.streamPollInterval), Queue.take(wakeUps))

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

    /** Stops claiming, waits up to `grace` for the runs in flight, interrupts the rest. */
    const drain = Effect.fn("ConversationStream.drain")(function*(grace: Duration.DurationInput) {
      yield* Ref.set(claiming, false)
      // A claim under way finishes starting its runs before we count them.
      yield* claimGate.withPermits(1)(Effect.void)
      const waiting = yield* inFlight
      const settled = yield* FiberSet.awaitEmpty(runs).pipe(
        // Drain runs as a scope finalizer (uninterruptible); the wait must stay cancellable.
        Effect.interruptible,
        Effect.timeoutOption(grace)
      )
      const interrupted = Option.isSome(settled) ? 0 : yield* inFlight
      yield* FiberSet.clear(runs)
      if (config.pipelineEnabled) yield* state.set("stopped")
      yield* Effect.logInfo("stream drained").pipe(
        Effect.annotateLogs({ in_flight: waiting, interrupted, grace: Duration.format(Duration.decode(grace)) })
      )
      return { inFlight: waiting, interrupted } as const
    })

    return { run, inFlight, wake, drain } as const
  })
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
