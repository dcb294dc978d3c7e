import { Duration, Effect, Option, Schedule } from "effect"
import * as Deadline from "./Deadline.js"
import { isTransient, type ModelError, ModelTimeout, retryAfterOf } from "./ModelError.js"
import { recordModelAttempt } from "../observability/ServiceMetrics.js"

/** Longest budget of one HTTP attempt; cut to the time left before the deadline (`Deadline.ts`). */
export const attemptTimeout: Duration.Duration = Duration.seconds(30)

/**
 * The SDK's own timeout, only a backstop: Effect owns the per-attempt timeout and aborts the
 * request through its signal, so this never fires in practice.
 */
export const clientBackstopTimeout: Duration.Duration = Duration.minutes(10)

/** Each computed delay is scaled by a random factor in this range (see {@link modelRetryPolicy}). */
export const retryJitter = { min: 0.8, max: 1.2 } as const

/**
 * Retries of one model call: at most 3, after about 1 s, 2 s and 4 s, and only for transient
 * failures (timeouts, 408, 409, 429, 5xx, connection errors). The delays are jittered by ±20 %
 * (the `Random` service, so a test can seed it): callers that failed together, e.g. in a provider
 * outage, must not come back together. A `retry-after` the provider sent (up to 60 s, see
 * `RetryAfter.ts`) replaces the computed delay as it is, since the server asked for that moment.
 */
export const modelRetryPolicy: Schedule.Schedule<unknown, ModelError> = Schedule.exponential("1 second", 2).pipe(
  Schedule.intersect(Schedule.recurs(3)),
  Schedule.intersect(Schedule.identity<ModelError>()),
  Schedule.whileInput(isTransient),
  Schedule.jitteredWith(retryJitter),
  Schedule.modifyDelay(([, error], delay) => Option.getOrElse(retryAfterOf(error), () => delay))
)

/**
 * {@link modelRetryPolicy} inside the deadline in force: a retry whose delay would reach the
 * deadline is not started, as its attempt would have no time left to succeed in.
 */
const retriesWithinDeadline: Schedule.Schedule<Duration.Duration, ModelError> = Schedule.delays(modelRetryPolicy).pipe(
  Schedule.checkEffect((_, delay) =>
    Effect.map(Deadline.remaining, Option.match({
      onNone: () => true,
      onSome: (left) => Duration.lessThan(delay, left)
    }))
  )
)

/** Something every attempt passes before it starts, e.g. the shared rate limiter. */
export type AttemptGate = <A, E, R>(attempt: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

export interface RetryOptions {
  /** Names the call in logs and errors, e.g. `chat.completions`. */
  readonly operation: string
  /**
   * Per-attempt budget; defaults to {@link attemptTimeout}. Cut to the time left before the
   * deadline when the attempt starts. Waiting at the gate does not count.
   */
  readonly timeout?: Duration.Duration
  readonly gate?: AttemptGate
}

/**
 * Runs one model request under the policy: each attempt waits at the gate, is cut after its
 * timeout or at the deadline, whichever is first (interrupting it aborts the SDK request through
 * its signal), and transient failures are retried by {@link modelRetryPolicy} while time is left.
 */
export const withModelRetries = (options: RetryOptions) =>
<A, R>(attempt: Effect.Effect<A, ModelError, R>): Effect.Effect<A, ModelError, R> => {
  const timed = Effect.flatMap(Deadline.remaining, (left) => {
    const ceiling = options.timeout ?? attemptTimeout
    const timeout = Option.match(left, { onNone: () => ceiling, onSome: (rest) => Duration.min(ceiling, rest) })
    return attempt.pipe(
      Effect.timeoutFail({ duration: timeout, onTimeout: () => ModelTimeout.after(options.operation, timeout) })
    )
  })
  const gated = options.gate === undefined ? timed : options.gate(timed)
  return gated.pipe(
    Effect.tapBoth({
      onSuccess: () => recordModelAttempt(options.operation, "success", false),
      onFailure: (error) => recordModelAttempt(options.operation, error._tag, isTransient(error))
    }),
    Effect.tapError((error) =>
      Effect.logWarning("model attempt failed").pipe(
        Effect.annotateLogs({
          operation: options.operation,
          error: error._tag,
          reason: error.message,
          retryable: isTransient(error)
        })
      )
    ),
    Effect.retry(retriesWithinDeadline)
  )
}
