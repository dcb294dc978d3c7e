import { Duration, Option } from "effect"

/** The longest server-requested wait we honour; longer (or unparsable) values fall back to our own backoff. */
export const maxRetryAfter = Duration.seconds(60)

interface HeaderSource {
  readonly get: (name: string) => string | null
}

const withinLimit = (millis: number): Option.Option<Duration.Duration> =>
  Number.isFinite(millis) && millis >= 0 && millis <= Duration.toMillis(maxRetryAfter)
    ? Option.some(Duration.millis(millis))
    : Option.none()

const parseRetryAfter = (value: string, now: number): number => {
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? Number.NaN : date - now
}

/**
 * The wait a response asks for: `retry-after-ms` (milliseconds, OpenAI's own header) first, then
 * `retry-after` as seconds or an HTTP date. Only values up to {@link maxRetryAfter} count, the
 * same rule the official SDKs apply.
 */
export const retryAfterFromHeaders = (headers: HeaderSource, now: number): Option.Option<Duration.Duration> => {
  const millisHeader = headers.get("retry-after-ms")
  if (millisHeader !== null) {
    const fromMillis = withinLimit(Number(millisHeader.trim()))
    if (Option.isSome(fromMillis)) return fromMillis
  }
  const header = headers.get("retry-after")
  return header === null ? Option.none() : withinLimit(parseRetryAfter(header, now))
}
