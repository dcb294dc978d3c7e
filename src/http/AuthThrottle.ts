import { Clock, Effect } from "effect"
import { AppConfig } from "../config/AppConfig.js"

/**
 * Slows down guessing the bearer secret: each client address has a bucket of
 * AUTH_FAILURES_PER_MINUTE failed attempts that refills at that rate. While an address's bucket is
 * empty its requests are refused with 429 before the secret is even compared, so a guesser gets
 * that many tries a minute (a right guess in a throttled burst is refused too, or the 429 would
 * give nothing away only until the guess is right). Requests with the right secret spend nothing.
 *
 * The address is the TCP peer's: behind a proxy every client shares the proxy's bucket, which
 * errs on the side of slowing guessers. Buckets are per instance and in memory.
 */

interface Bucket {
  tokens: number
  updatedAt: number
}

/** Buckets kept at most; full buckets are forgotten first, then the oldest. */
const maxTracked = 10_000

export class AuthThrottle extends Effect.Service<AuthThrottle>()("aftertalk/AuthThrottle", {
  effect: Effect.gen(function*() {
    const { authFailuresPerMinute: capacity } = yield* AppConfig
    const perMilli = capacity / 60_000
    const buckets = new Map<string, Bucket>()

    const refilled = (address: string, now: number): Bucket => {
      const bucket = buckets.get(address) ?? { tokens: capacity, updatedAt: now }
      bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.updatedAt) * perMilli)
      bucket.updatedAt = now
      return bucket
    }

    const forgetSome = (now: number) => {
      for (const [address] of buckets) {
        if (refilled(address, now).tokens >= capacity) buckets.delete(address)
      }
      while (buckets.size >= maxTracked) {
        const oldest = buckets.keys().next()
        if (oldest.done === true) break
        buckets.delete(oldest.value)
      }
    }

    /** Seconds until `address` may try again; 0 when it may try now. */
    const waitFor = (address: string) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const bucket = buckets.get(address)
        if (bucket === undefined) return 0
        const tokens = refilled(address, now).tokens
        return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / perMilli / 1000)
      })

    /** Counts one failed attempt from `address`. */
    const recordFailure = (address: string) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        if (!buckets.has(address) && buckets.size >= maxTracked) forgetSome(now)
        const bucket = refilled(address, now)
        bucket.tokens = Math.max(0, bucket.tokens - 1)
        buckets.set(address, bucket)
      })

    return { waitFor, recordFailure } as const
  }),
  dependencies: [AppConfig.Default]
}) {}
