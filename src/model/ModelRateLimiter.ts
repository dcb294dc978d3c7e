import { Clock, Effect, Layer, Ref } from "effect"
import { AppConfig } from "../config/AppConfig.js"

export interface ModelRateLimits {
  readonly requestsPerMinute: number
  readonly tokensPerMinute: number
}

/**
 * A continuous token bucket: `level` units at time `at` (which may lie in the future: the start
 * of the latest reservation), refilled at `perMilli` up to `capacity`. Fractional levels are
 * fine, so a 100-token request under a 1,000,000 TPM budget costs exactly 100 tokens and the
 * only cap on the request rate is OPENAI_RPM itself.
 */
interface Bucket {
  readonly capacity: number
  readonly perMilli: number
  readonly level: number
  readonly at: number
}

const bucket = (capacity: number, perMinute: number): Bucket => ({
  capacity,
  perMilli: perMinute / 60_000,
  level: capacity,
  at: 0
})

const levelAt = (b: Bucket, time: number): number =>
  time <= b.at ? b.level : Math.min(b.capacity, b.level + (time - b.at) * b.perMilli)

/** The earliest time ≥ `from` at which `cost` units are in the bucket. */
const readyAt = (b: Bucket, from: number, cost: number): number => {
  if (!Number.isFinite(b.capacity)) return from
  const level = levelAt(b, from)
  return level >= cost ? from : Math.max(from, b.at) + (cost - level) / b.perMilli
}

const take = (b: Bucket, time: number, cost: number): Bucket =>
  Number.isFinite(b.capacity) ? { ...b, level: levelAt(b, time) - cost, at: time } : b

interface State {
  readonly requests: Bucket
  readonly tokens: Bucket
  /** Start of the latest reservation: later callers never start before it (first come, first served). */
  readonly last: number
}

/**
 * Reserves one request of `tokens` tokens: the earliest start at which both buckets hold enough,
 * never before an earlier caller's start. A request larger than the whole TPM budget waits for
 * a full bucket and takes all of it.
 */
export const reserve = (state: State, now: number, tokens: number): readonly [number, State] => {
  const from = Math.max(now, state.last)
  const tokenCost = Math.min(Math.max(0, tokens), state.tokens.capacity)
  const start = Math.max(readyAt(state.requests, from, 1), readyAt(state.tokens, from, tokenCost))
  return [start, {
    requests: take(state.requests, start, 1),
    tokens: take(state.tokens, start, tokenCost),
    last: start
  }]
}

/**
 * Requests: a bucket holding one second's share of the minute (OpenAI enforces per-minute limits
 * over shorter periods too, e.g. 600 RPM as 10 per second), refilled continuously, so the steady
 * rate is exactly OPENAI_RPM. Tokens: a bucket holding the whole minute's budget (one request may
 * legitimately carry 300k tokens).
 */
export const initialState = (limits: ModelRateLimits, now: number): State => ({
  requests: { ...bucket(Math.max(1, limits.requestsPerMinute / 60), limits.requestsPerMinute), at: now },
  tokens: { ...bucket(limits.tokensPerMinute, limits.tokensPerMinute), at: now },
  last: now
})

const make = (limits: ModelRateLimits) =>
  Effect.gen(function*() {
    const state = yield* Ref.make(initialState(limits, yield* Clock.currentTimeMillis))
    return {
      limits,
      /**
       * Waits until one more request carrying about `estimatedTokens` tokens fits both limits,
       * then runs `effect`. Only the start is limited, not how many run at once. A caller
       * interrupted while waiting forfeits its slot (the limit errs on the safe side).
       */
      withinLimits: (estimatedTokens: number) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Ref.modify(state, (current) => reserve(current, now, estimatedTokens)).pipe(
            Effect.flatMap((start) => (start > now ? Effect.sleep(start - now) : Effect.void)),
            Effect.zipRight(effect)
          ))
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
    Layer.effect(ModelRateLimiter, Effect.map(make(limits), ModelRateLimiter.make))

  /** No limiting at all: for tests that measure retries with `TestClock`. */
  static readonly Unlimited: Layer.Layer<ModelRateLimiter> = Layer.succeed(
    ModelRateLimiter,
    ModelRateLimiter.make({
      limits: { requestsPerMinute: Number.POSITIVE_INFINITY, tokensPerMinute: Number.POSITIVE_INFINITY },
      withinLimits: () => (effect) => effect
    })
  )
}
