import {
  HttpApiBuilder,
  HttpApiError,
  type HttpApp,
  HttpMethod,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import { Cause, Effect, Option } from "effect"
import { isUtf8 } from "node:buffer"
import { AppConfig } from "../config/AppConfig.js"
import { Api } from "./Api.js"
import { limitBody } from "./BodyLimit.js"
import { InternalError, InvalidRequest, NotFound, PayloadTooLarge, TooManyRequests } from "./Errors.js"
import { redactSecrets } from "../config/Redaction.js"
import { jsonDepthExceeds, maxJsonDepth, pathOfNul, truncate, urlHasNul } from "./HostileInput.js"

/**
 * The API's outermost middleware, so that every answer follows API.md's error envelope and bad
 * input never yields a 5xx:
 *
 * - a body over MAX_BODY_BYTES is 413 `payload_too_large` (BodyLimit.ts);
 * - a body that is not UTF-8, JSON nested deeper than 400 levels, and a NUL character anywhere in
 *   the URL or in a JSON body's strings (PostgreSQL cannot store it), are 400 before anything
 *   decodes them (HostileInput.ts);
 * - a form body (multipart or urlencoded) is 400 before HttpApi parses it, since it would write
 *   multipart files to disk and die on a malformed form;
 * - HttpApi's own `HttpApiDecodeError` (schema violation in path, query or body) and a body that
 *   is not JSON (the platform dies on it) become 400 `invalid_request` naming the field;
 * - an unknown route is 404 `not_found`;
 * - a database error (a handler's `SqlError`, failed or turned into a defect) is 503 `unavailable`
 *   with `Retry-After`: the database is down or restarting, and the client should try again;
 * - any other defect (a bug) is logged with its cause and answered 500 `internal_error` without
 *   details.
 *
 * Messages quote client input only in part (`truncate`): a value is never printed whole.
 */

// The platform's only signal for "stopped reading at MaxBodySize" (platform-node-shared stream.ts):
// BodyLimit's second guard, which should never trip.
const isBodyOverLimit = (defect: unknown): boolean =>
  defect instanceof HttpServerError.RequestError && defect.reason === "Decode" &&
  defect.cause instanceof Error && defect.cause.message === "maxBytes exceeded"

const isUnreadableBody = (defect: unknown): defect is HttpServerError.RequestError =>
  defect instanceof HttpServerError.RequestError && defect.reason === "Decode"

// One line per field: an optional field's union adds a second, unhelpful "Expected undefined".
const fromDecodeError = (error: HttpApiError.HttpApiDecodeError) => {
  const byField = new Map<string, string>()
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.join(".") : "request body"
    if (!byField.has(field)) byField.set(field, issue.message)
  }
  const named = Array.from(byField, ([field, message]) => `${truncate(field)}: ${truncate(message)}`).slice(0, 3)
  const issues = error.issues.slice(0, 20).map((issue) => ({ ...issue, message: truncate(issue.message) }))
  return new InvalidRequest({ message: `Invalid request. ${named.join("; ")}`, issues })
}

const formContentTypes = ["multipart/form-data", "application/x-www-form-urlencoded"]

const refuseForms = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const contentType = (request.headers["content-type"] ?? "").toLowerCase()
    if (HttpMethod.hasBody(request.method) && formContentTypes.some((form) => contentType.includes(form))) {
      return yield* new InvalidRequest({ message: "Send the request body as JSON (Content-Type: application/json)." })
    }
    return yield* app
  })

const describeCause = (defect: unknown): string =>
  defect instanceof HttpServerError.RequestError && defect.cause instanceof Error ? `: ${truncate(defect.cause.message)}` : ""

// The webhook's transcript may carry NULs, which it drops rather than lose a call; its other strings
// refuse them in its schema (VoiceWebhookEvent.ts), and it checks UTF-8 itself, both after the
// signature check that must come first.
const nulsHandledByRoute = (url: string) => url.startsWith("/voice/webhook")

const parsed = (body: Buffer): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(body.toString("utf8")))
  } catch {
    // Not JSON: the route's own decoding says so.
    return Option.none()
  }
}

/** Refuses bodies that no schema should see: too deep to decode safely, or holding a NUL. */
const inspectBody = (url: string) => (body: Buffer) =>
  Effect.gen(function*() {
    const text = body.toString("utf8")
    if (!nulsHandledByRoute(url) && !isUtf8(body)) {
      return yield* new InvalidRequest({ message: "The request body is not valid UTF-8; send JSON encoded as UTF-8." })
    }
    if (jsonDepthExceeds(text)) {
      return yield* new InvalidRequest({ message: `The JSON body nests deeper than ${maxJsonDepth} levels; send a flatter one.` })
    }
    if (nulsHandledByRoute(url) || !text.includes("\\u0000")) return
    const nul = Option.flatMap(parsed(body), (json) => pathOfNul(json))
    if (Option.isSome(nul)) {
      return yield* new InvalidRequest({ message: `${truncate(nul.value)}: text must not contain NUL (\\u0000) characters.` })
    }
  })

const refuseNulInUrl = <A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (urlHasNul(request.url)) {
      return yield* new InvalidRequest({ message: "The URL must not contain NUL (%00) characters." })
    }
    return yield* app
  })

/** How long a client should wait before retrying while the database is unavailable. */
const retryAfterSeconds = 5

const unavailable = HttpServerResponse.unsafeJson({
  _tag: "Unavailable",
  error: "unavailable",
  message: "The database cannot be used right now; try again in a few seconds."
}, { status: 503, headers: { "retry-after": String(retryAfterSeconds) } })

// The schema's body, plus the header that HttpApi's error encoding cannot set.
const slowDown = (error: TooManyRequests) =>
  HttpServerResponse.unsafeJson({
    _tag: error._tag,
    error: error.error,
    message: error.message,
    retry_after_seconds: error.retry_after_seconds
  }, { status: 429, headers: { "retry-after": String(error.retry_after_seconds) } })

const isSqlError = (error: unknown): error is SqlError => error instanceof SqlError

/** 503 `unavailable` with `Retry-After`, logged with the database's own message for operators. */
export const databaseUnavailable = (error: SqlError) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const why = redactSecrets(error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message)
    yield* Effect.logWarning("database unavailable").pipe(
      Effect.annotateLogs({ method: request.method, url: truncate(request.url), error: why })
    )
    return unavailable
  })

/** A bug: logged with its cause, answered 500 `internal_error` without details. */
export const unexpectedFailure = (cause: Cause.Cause<unknown>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* Effect.logError("request failed unexpectedly").pipe(
      Effect.annotateLogs({ method: request.method, url: truncate(request.url), cause: redactSecrets(Cause.pretty(cause)) })
    )
    return new InternalError({
      message: "The service failed unexpectedly; try again later, and report it if it persists."
    })
  })

export const EdgeMiddlewareLive = HttpApiBuilder.middleware(
  Api,
  Effect.gen(function*() {
    const { maxBodyBytes } = yield* AppConfig
    const tooLarge = new PayloadTooLarge({
      message: `The request body is larger than ${maxBodyBytes} bytes (MAX_BODY_BYTES); send a smaller one.`,
      max_body_bytes: maxBodyBytes
    })

    return (app: HttpApp.Default) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
        app.pipe(
          limitBody(maxBodyBytes, tooLarge, inspectBody(request.url)),
          refuseForms
        )).pipe(
        refuseNulInUrl,
        Effect.catchAllCause((cause) =>
          Effect.gen(function*() {
            // Widened to inspect what the platform failed or died with; re-failed unchanged below.
            const seen: Cause.Cause<unknown> = cause
            const request = yield* HttpServerRequest.HttpServerRequest
            const failure = Cause.failureOption(seen)
            if (Option.isSome(failure)) {
              if (failure.value instanceof HttpApiError.HttpApiDecodeError) return yield* fromDecodeError(failure.value)
              if (isSqlError(failure.value)) return yield* databaseUnavailable(failure.value)
              if (failure.value instanceof TooManyRequests) return slowDown(failure.value)
              if (failure.value instanceof HttpServerError.RouteNotFound) {
                return yield* new NotFound({
                  message: `There is no ${request.method} ${truncate(request.url)}; see /docs for the endpoints.`
                })
              }
              return yield* Effect.failCause(cause)
            }
            if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
            const defect = Cause.squash(seen)
            if (isSqlError(defect)) return yield* databaseUnavailable(defect)
            if (isBodyOverLimit(defect)) return yield* tooLarge
            if (isUnreadableBody(defect)) {
              return yield* new InvalidRequest({ message: `The request body is not valid JSON${describeCause(defect)}.` })
            }
            return yield* Effect.flip(unexpectedFailure(seen))
          })
        )
      )
  })
)
