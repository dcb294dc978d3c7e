import { Clock, Duration, Effect, FiberRef, Option } from "effect"

/**
 * The time (Clock milliseconds) by which the work under way must be done: the run's deadline,
 * narrowed by each stage's timeout. Budgets nest through it: a model attempt's timeout and its
 * retries are cut to what is left, so they fit inside the stage, which fits inside the run.
 * A fiber reference, so it follows the work into the fibers it forks without being threaded
 * through every signature.
 */
const current: FiberRef.FiberRef<Option.Option<number>> = FiberRef.unsafeMake(Option.none<number>())

/** Runs `effect` with a deadline no later than `deadlineMs` (an outer, earlier one stays in force). */
export const within = (deadlineMs: number) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(FiberRef.get(current), (outer) =>
    Effect.locally(
      effect,
      current,
      Option.some(Option.match(outer, { onNone: () => deadlineMs, onSome: (earlier) => Math.min(earlier, deadlineMs) }))
    ))

/** The time left before the deadline (zero once passed); none when no deadline is set. */
export const remaining: Effect.Effect<Option.Option<Duration.Duration>> = Effect.flatMap(
  FiberRef.get(current),
  (deadline) =>
    Option.match(deadline, {
      onNone: () => Effect.succeed(Option.none()),
      onSome: (ms) => Effect.map(Clock.currentTimeMillis, (now) => Option.some(Duration.millis(Math.max(0, ms - now))))
    })
)
