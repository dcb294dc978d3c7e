/**
 * When a conversation whose run failed critically is tried again. The reference game never
 * retried; here the first retry comes after 1 minute (well within the 5 minutes the game asks
 * for), then 4 and 16 minutes, capped at an hour, until MAX_ATTEMPTS is reached.
 */
export const RETRY_BASE_MS = 60_000
export const RETRY_FACTOR = 4
export const RETRY_CAP_MS = 3_600_000

/** Delay before the next attempt, given how many attempts have run so far (1 after the first). */
export const retryDelayMs = (attemptsSoFar: number): number =>
  Math.min(RETRY_CAP_MS, RETRY_BASE_MS * RETRY_FACTOR ** Math.max(0, attemptsSoFar - 1))

/** After this attempt, is the conversation failed for good? */
export const isFinalAttempt = (attemptsSoFar: number, maxAttempts: number): boolean => attemptsSoFar >= maxAttempts
