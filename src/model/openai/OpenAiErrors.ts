import { Option } from "effect"
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai"
import { type ModelError, ModelRateLimited, ModelRejected, ModelTimeout, ModelUnavailable } from "../ModelError.js"
import { redactSecrets } from "../../config/Redaction.js"
import { retryAfterFromHeaders } from "../RetryAfter.js"
import { clientBackstopTimeout } from "../RetryPolicy.js"

const transientStatuses = new Set([408, 409])

const describe = (cause: unknown): string => redactSecrets(cause instanceof Error ? cause.message : String(cause))

/**
 * Maps what the OpenAI SDK throws (it runs with `maxRetries: 0`) onto our error types; the retry
 * policy decides from the tag alone. `now` resolves an HTTP-date `retry-after`.
 */
export const fromOpenAiError = (operation: string, cause: unknown, now: number): ModelError => {
  if (cause instanceof APIConnectionTimeoutError) {
    return ModelTimeout.after(operation, clientBackstopTimeout)
  }
  if (cause instanceof APIConnectionError) {
    return new ModelUnavailable({
      message: `${operation}: connection failed: ${describe(cause.cause ?? cause)}`,
      status: Option.none(),
      retryAfter: Option.none()
    })
  }
  if (cause instanceof APIError && cause.status !== undefined) {
    const status = cause.status
    const retryAfter = cause.headers === undefined ? Option.none() : retryAfterFromHeaders(cause.headers, now)
    const code = Option.fromNullable(cause.code)
    if (status === 429 && Option.contains(code, "insufficient_quota")) {
      return new ModelRejected({ message: `${operation}: ${describe(cause)}`, status: Option.some(status), code })
    }
    if (status === 429) {
      return new ModelRateLimited({ message: `${operation}: ${describe(cause)}`, retryAfter })
    }
    if (status >= 500 || transientStatuses.has(status)) {
      return new ModelUnavailable({ message: `${operation}: ${describe(cause)}`, status: Option.some(status), retryAfter })
    }
    return new ModelRejected({ message: `${operation}: ${describe(cause)}`, status: Option.some(status), code })
  }
  return new ModelUnavailable({
    message: `${operation}: ${describe(cause)}`,
    status: Option.none(),
    retryAfter: Option.none()
  })
}
