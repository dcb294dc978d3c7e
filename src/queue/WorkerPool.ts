import { Chunk, Duration, Effect, FiberSet, Option, Queue, Ref } from "effect"
import { AppConfig } from "../config/AppConfig.js"

/**
 * The instance's one worker: STREAM_CONCURRENCY slots shared by the stream and
 * `POST /tasks/process-conversations`, and one set of fibers (with the async trigger's background
 * runs) that shutdown drains under one SHUTDOWN_GRACE in total.
 *
 * A slot is a token in a bounded queue: the stream takes the free ones without waiting, a task's
 * worker waits for one; a run started on a slot gives it back when it ends, which also wakes the
 * stream (`freed`). Claims go through `claiming`, one at a time and uninterruptible, so a claim
 * and the start of its runs are one step: a shutdown never strands a claimed conversation.
 */
export class WorkerPool extends Effect.Service<WorkerPool>()("aftertalk/WorkerPool", {
  scoped: Effect.gen(function*() {
    const config = yield* AppConfig
    const size = Math.max(1, config.streamConcurrency)
    const runs = yield* FiberSet.make<unknown, unknown>()
    const slots = yield* Queue.bounded<void>(size)
    yield* Queue.offerAll(slots, Array.from({ length: size }, () => undefined))
    const freed = yield* Queue.sliding<void>(1)
    const accepting = yield* Ref.make(true)
    const claimGate = yield* Effect.makeSemaphore(1)

    /** Returns slots taken but not used (a claim that came back short). */
    const giveBack = (count: number) =>
      count <= 0 ? Effect.void : Queue.offerAll(slots, Array.from({ length: count }, () => undefined)).pipe(Effect.asVoid)

    /** A run ended: its slot is free again, and the stream may claim at once. */
    const runEnded = giveBack(1).pipe(Effect.zipRight(Queue.offer(freed, undefined)))

    /** Takes the slots free right now, at most `max`, without waiting. */
    const takeFree = (max: number) => Effect.map(Queue.takeUpTo(slots, max), Chunk.size)

    /** Waits for a free slot. */
    const takeSlot: Effect.Effect<void> = Queue.take(slots)

    /** Starts `run` on a slot the caller took; the slot comes back when the run ends. */
    const startOnSlot = (run: Effect.Effect<void>) => FiberSet.run(runs, run.pipe(Effect.ensuring(runEnded)))

    /** Starts a run that holds no slot (the async trigger's): shutdown still waits for it. */
    const startBackground = (run: Effect.Effect<void>) => FiberSet.run(runs, run)

    /**
     * Runs a claim step: one at a time, uninterruptible (`restore` makes the started runs
     * interruptible again), and not at all once draining (none).
     */
    const claiming = <A, E, R>(
      step: (restore: <X, Y, Z>(effect: Effect.Effect<X, Y, Z>) => Effect.Effect<X, Y, Z>) => Effect.Effect<A, E, R>
    ): Effect.Effect<Option.Option<A>, E, R> =>
      claimGate.withPermits(1)(Effect.uninterruptibleMask((restore) =>
        Effect.flatMap(Ref.get(accepting), (open) => (open ? Effect.asSome(step(restore)) : Effect.succeedNone))
      ))

    /** Runs in flight (stream, task and background runs). */
    const inFlight: Effect.Effect<number> = FiberSet.size(runs)

    /**
     * Shutdown: claiming stops for good, runs in flight get up to `grace` in total to finish, the
     * rest are interrupted (their leases go back to `queued`, the attempt not counted).
     */
    const drain = Effect.fn("WorkerPool.drain")(function*(grace: Duration.DurationInput) {
      yield* Ref.set(accepting, false)
      // A claim under way finishes starting its runs before they are counted.
      yield* claimGate.withPermits(1)(Effect.void)
      const waiting = yield* inFlight
      const settled = waiting === 0 ? Option.some(undefined) : yield* FiberSet.awaitEmpty(runs).pipe(
        // Drain runs as a scope finalizer (uninterruptible); the wait must stay cancellable.
        Effect.interruptible,
        Effect.timeoutOption(grace)
      )
      const interrupted = Option.isSome(settled) ? 0 : yield* inFlight
      yield* FiberSet.clear(runs)
      if (waiting > 0) {
        yield* Effect.logInfo("worker drained").pipe(
          Effect.annotateLogs({ in_flight: waiting, interrupted, grace: Duration.format(Duration.decode(grace)) })
        )
      }
      return { inFlight: waiting, interrupted } as const
    })

    // Whatever composition closes this scope, the runs get the grace once (a drain already done
    // by the stream leaves nothing to wait for here).
    yield* Effect.addFinalizer(() => drain(config.shutdownGrace))

    return { takeFree, takeSlot, giveBack, startOnSlot, startBackground, claiming, inFlight, freed, drain } as const
  }),
  dependencies: [AppConfig.Default]
}) {}
