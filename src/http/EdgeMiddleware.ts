import { HttpApiBuilder, HttpApiError, type HttpApp, HttpMethod, HttpServerError, HttpServerRequest } from "@effect/platform"
import { Cause, Effect, Option } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { Api } from "./Api.js"
import { limitBody } from "./BodyLimit.js"
import { InternalError, InvalidRequest, NotFound, PayloadTooLarge } from "./Errors.js"

/**
 * The API's outermost middleware, so that every answer follows API.md's error envelope and bad
 * input never yields a 5xx:
 *
 * - a body over MAX_BODY_BYTES is 413 `payload_too_large` (BodyLimit.ts);
 * - a form body (multipart or urlencoded) is 400 before HttpApi parses it, since it would write
 *   multipart files to disk and die on a malformed form;
 * - HttpApi's own `HttpApiDecodeError` (schema violation in path, query or body) and a body that
 *   is not JSON (the platform dies on it) become 400 `invalid_request` naming the field;
 * - an unknown route is 404 `not_found`;
 * - any other defect (a bug, a database error a handler turned into a defect) is logged with its
 *   cause and answered 500 `internal_error` without details.
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
  const named = Array.from(byField, ([field, message]) => `${field}: ${message}`).slice(0, 3)
  return new InvalidRequest({ message: `Invalid request. ${named.join("; ")}`, issues: error.issues })
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
  defect instanceof HttpServerError.RequestError && defect.cause instanceof Error ? `: ${defect.cause.message}` : ""

export const EdgeMiddlewareLive = HttpApiBuilder.middleware(
  Api,
  Effect.gen(function*() {
    const { maxBodyBytes } = yield* AppConfig
    const tooLarge = new PayloadTooLarge({
      message: `The request body is larger than ${maxBodyBytes} bytes (MAX_BODY_BYTES); send a smaller one.`,
      max_body_bytes: maxBodyBytes
    })

    return (app: HttpApp.Default) =>
      app.pipe(
        limitBody(maxBodyBytes, tooLarge),
        refuseForms,
        Effect.catchAllCause((cause) =>
          Effect.gen(function*() {
            // Widened to inspect what the platform failed or died with; re-failed unchanged below.
            const seen: Cause.Cause<unknown> = cause
            const request = yield* HttpServerRequest.HttpServerRequest
            const failure = Cause.failureOption(seen)
            if (Option.isSome(failure)) {
              if (failure.value instanceof HttpApiError.HttpApiDecodeError) return yield* fromDecodeError(failure.value)
              if (failure.value instanceof HttpServerError.RouteNotFound) {
                return yield* new NotFound({
                  message: `There is no ${request.method} ${request.url}; see /docs for the endpoints.`
                })
              }
              return yield* Effect.failCause(cause)
            }
            if (Cause.isInterruptedOnly(cause)) return yield* Effect.failCause(cause)
            const defect = Cause.squash(seen)
            if (isBodyOverLimit(defect)) return yield* tooLarge
            if (isUnreadableBody(defect)) {
              return yield* new InvalidRequest({ message: `The request body is not valid JSON${describeCause(defect)}.` })
            }
            yield* Effect.logError("request failed unexpectedly", seen).pipe(
              Effect.annotateLogs({ method: request.method, url: request.url })
            )
            return yield* new InternalError({
              message: "The service failed unexpectedly; try again later, and report it if it persists."
            })
          })
        )
      )
  })
)
