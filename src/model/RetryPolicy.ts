import { Duration, Effect, Option, Schedule } from "effect"
import { isTransient, type ModelError, ModelTimeout, retryAfterOf } from "./ModelError.js"
import { recordModelAttempt } from "../observability/ServiceMetrics.js"

/** Budget of one HTTP attempt; the retries below each get a fresh one. */
export const attemptTimeout: Duration.Duration = Duration.seconds(30)

/**
 * The SDK's own timeout, only a backstop: Effect owns the per-attempt timeout and aborts the
 * request through its signal, so this never fires in practice.
 */
export const clientBackstopTimeout: Duration.Duration = Duration.minutes(10)

/**
 * Retries of one model call: at most 3, after 1 s, 2 s and 4 s, and only for transient failures
 * (timeouts, 408, 409, 429, 5xx, connection errors). A `retry-after` the provider sent (up to 60 s,
 * see `RetryAfter.ts`) replaces the computed delay. No jitter: each caller already waits on the
 * shared rate limiter, and a deterministic schedule is what the tests pin down.
 */
export const modelRetryPolicy: Schedule.Schedule<unknown, ModelError> = Schedule.exponential("1 second", 2).pipe(
  Schedule.intersect(Schedule.recurs(3)),
  Schedule.intersect(Schedule.identity<ModelError>()),
  Schedule.whileInput(isTransient),
  Schedule.modifyDelay(([, error], delay) => Option.getOrElse(retryAfterOf(error), () => delay))
)

/** Something every attempt passes before it starts, e.g. the shared rate limiter. */
export type AttemptGate = <A, E, R>(attempt: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

export interface RetryOptions {
  /** Names the call in logs and errors, e.g. `chat.completions`. */
  readonly operation: string
  /** Per-attempt budget; defaults to {@link attemptTimeout}. Waiting at the gate does not count. */
  readonly timeout?: Duration.Duration
  readonly gate?: AttemptGate
}

/**
 * Runs one model request under the policy: each attempt waits at the gate, is cut after its
 * timeout (interrupting it aborts the SDK request through its signal), and transient failures are
 * retried by {@link modelRetryPolicy}.
 */
export const withModelRetries = (options: RetryOptions) =>
<A, R>(attempt: Effect.Effect<A, ModelError, R>): Effect.Effect<A, ModelError, R> => {
  const timeout = options.timeout ?? attemptTimeout
  const timed = attempt.pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => ModelTimeout.after(options.operation, timeout) })
  )
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
    Effect.retry(modelRetryPolicy)
  )
}
