import { Duration, Effect, Layer, RateLimiter } from "effect"
import { AppConfig } from "../config/AppConfig.js"

export interface ModelRateLimits {
  readonly requestsPerMinute: number
  readonly tokensPerMinute: number
}

const tokenPermitMillis = 100
const tokenPermitsPerMinute = 60_000 / tokenPermitMillis

/**
 * Requests: a bucket holding one second's share of the minute (OpenAI enforces per-minute limits
 * over shorter periods too, e.g. 600 RPM as 10 per second), refilled evenly.
 */
const requestLimiter = (requestsPerMinute: number) => {
  const burst = Math.ceil(requestsPerMinute / 60)
  return RateLimiter.make({
    limit: burst,
    interval: Duration.millis(Math.round((burst * 60_000) / requestsPerMinute)),
    algorithm: "token-bucket"
  })
}

/**
 * Tokens: a bucket holding the whole minute's budget (one request may legitimately carry 300k
 * tokens), counted in permits of `tokensPerMinute / 600` tokens so that the refill ticks every
 * 100 ms whatever the limit (Effect's token bucket refills one permit per tick, and a tick per
 * token would be far too fine for a 1,000,000 TPM budget).
 */
const tokenLimiter = (tokensPerMinute: number) =>
  RateLimiter.make({ limit: tokenPermitsPerMinute, interval: "1 minute", algorithm: "token-bucket" }).pipe(
    Effect.map((limiter) => {
      const tokensPerPermit = tokensPerMinute / tokenPermitsPerMinute
      return (tokens: number) => {
        const permits = Math.min(tokenPermitsPerMinute, Math.max(1, Math.ceil(tokens / tokensPerPermit)))
        return <A, E, R>(effect: Effect.Effect<A, E, R>) => limiter(effect).pipe(RateLimiter.withCost(permits))
      }
    })
  )

const make = (limits: ModelRateLimits) =>
  Effect.gen(function*() {
    const requests = yield* requestLimiter(limits.requestsPerMinute)
    const tokens = yield* tokenLimiter(limits.tokensPerMinute)
    return {
      limits,
      /**
       * Waits until one more request carrying about `estimatedTokens` tokens fits both limits,
       * then runs `effect`. Only the start is limited, not how many run at once.
       */
      withinLimits: (estimatedTokens: number) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        requests(tokens(estimatedTokens)(effect))
    }
  })

/**
 * Client-side limits from `OPENAI_RPM` (default 3000) and `OPENAI_TPM` (default 1000000), so a busy
 * instance waits instead of collecting 429s. Shared by every model call of the process: both
 * OpenAI providers depend on this one service, so building the layers once yields one instance.
 *
 * The limits are per instance (per process): N instances together may send N times the limit, so
 * with several instances set these to the account's limits divided by N.
 */
export class ModelRateLimiter extends Effect.Service<ModelRateLimiter>()("aftertalk/ModelRateLimiter", {
  scoped: Effect.gen(function*() {
    const config = yield* AppConfig
    return yield* make({ requestsPerMinute: config.openAiRpm, tokensPerMinute: config.openAiTpm })
  }),
  dependencies: [AppConfig.Default]
}) {
  /** Limits given directly, for tests and tools. */
  static readonly layer = (limits: ModelRateLimits): Layer.Layer<ModelRateLimiter> =>
    Layer.scoped(ModelRateLimiter, Effect.map(make(limits), ModelRateLimiter.make))

  /** No limiting at all: for tests that measure retries with `TestClock`. */
  static readonly Unlimited: Layer.Layer<ModelRateLimiter> = Layer.succeed(
    ModelRateLimiter,
    ModelRateLimiter.make({
      limits: { requestsPerMinute: Number.POSITIVE_INFINITY, tokensPerMinute: Number.POSITIVE_INFINITY },
      withinLimits: () => (effect) => effect
    })
  )
}
