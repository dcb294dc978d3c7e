import { type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { SqlError } from "@effect/sql/SqlError"
import { Cause, Effect, Option, Redacted, Schema } from "effect"
import { TaskSecret } from "../config/TaskSecret.js"
import { type ReadyPrompt, ReadyPromptRepository } from "../prompt/ReadyPromptRepository.js"
import { AuthThrottle } from "./AuthThrottle.js"
import { databaseUnavailable, unexpectedFailure } from "./EdgeMiddleware.js"
import { InternalError, NotFound } from "./Errors.js"
import { ReadyPromptResponse } from "./groups/Users.js"
import { noReadyPrompt } from "./handlers/Users.js"

/**
 * `GET /users/{user_id}/prompt` is the chat runtime's hot path: read before every conversation,
 * at a rate no other endpoint sees. Through HttpApi every such read paid for the router, the edge
 * and security middleware, schema decoding of path and query and schema encoding of the answer,
 * on top of the query. This route answers the plain request itself: a
 * GET of `/users/<uuid>/prompt` with `platform` text, voice or absent and nothing else in the
 * URL, carrying the right bearer secret from an address that is not throttled. It answers it as
 * the API does (same status, headers and body, byte for byte: test/http/promptRoute.test.ts).
 *
 * Everything else goes on to HttpApi unchanged: a malformed id or query, another parameter, a
 * missing or wrong secret (which must count against the address), a throttled address. So every
 * 400, 401 and 429 is the API's own, and this route holds no second copy of those rules.
 */

const promptPath =
  /^\/users\/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\/prompt(?:\?platform=(text|voice))?$/

const bearerScheme = /^bearer /i

/** The user and platform of a request this route answers, or none when HttpApi should. */
export const promptRequestOf = (method: string, url: string): Option.Option<{ readonly userId: string; readonly platform: "text" | "voice" }> => {
  if (method !== "GET") return Option.none()
  const match = promptPath.exec(url)
  if (match === null || match[1] === undefined) return Option.none()
  return Option.some({ userId: match[1], platform: match[2] === "voice" ? "voice" : "text" })
}

// Encoded by the endpoint's own schemas, as HttpApi encodes the handler's answers.
const encodePrompt = Schema.encodeSync(ReadyPromptResponse)
const utf8 = new TextEncoder()
const notFound = HttpServerResponse.schemaJson(NotFound)
const internalError = HttpServerResponse.schemaJson(InternalError)

/** Serves the hot read ahead of `api`, which answers every other request. */
export const withPromptRoute = Effect.gen(function*() {
  const prompts = yield* ReadyPromptRepository
  const secret = yield* TaskSecret
  const throttle = yield* AuthThrottle

  // A reused rendering is the same `ReadyPrompt` object (ReadyPromptRepository.ts): its body is
  // encoded once and kept with it, for as long as the rendering is reused.
  const bodies = new WeakMap<ReadyPrompt, Uint8Array>()
  const bodyOf = (prompt: ReadyPrompt) => {
    const known = bodies.get(prompt)
    if (known !== undefined) return known
    const body = utf8.encode(JSON.stringify(encodePrompt({ ...prompt, source: "ready" })))
    bodies.set(prompt, body)
    return body
  }

  const answer = (userId: string, platform: "text" | "voice") =>
    prompts.current(userId, platform).pipe(
      Effect.flatMap(Option.match({
        onNone: () => notFound(noReadyPrompt(userId, platform), { status: 404 }),
        onSome: (prompt) => Effect.succeed(HttpServerResponse.uint8Array(bodyOf(prompt), { contentType: "application/json" }))
      })),
      // What the edge middleware makes of the same failures on the API's route.
      Effect.catchAllCause((cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const failure = Cause.squash(cause)
        if (failure instanceof SqlError) return databaseUnavailable(failure)
        return Effect.flatMap(unexpectedFailure(cause), (error) => internalError(error, { status: 500 }))
      }),
      Effect.orDie
    )

  return <E, R>(api: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const wanted = promptRequestOf(request.method, request.url)
      if (Option.isNone(wanted)) return api
      const header = request.headers["authorization"]
      if (header === undefined || !bearerScheme.test(header)) return api
      const address = Option.getOrElse(request.remoteAddress, () => "unknown")
      return Effect.flatMap(throttle.waitFor(address), (wait) =>
        wait > 0 ? api : Effect.flatMap(secret.verify(Redacted.make(header.slice(7))), (verified) =>
          verified ? answer(wanted.value.userId, wanted.value.platform) : api))
    })
})
