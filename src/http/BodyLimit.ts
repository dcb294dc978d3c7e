import { HttpMethod, HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Option } from "effect"
import type { IncomingMessage } from "node:http"
import { InvalidRequest, type PayloadTooLarge } from "./Errors.js"

/**
 * MAX_BODY_BYTES. A body with a Content-Length over the limit is refused before it is read. Any
 * other body is read here up to the limit: past it, the rest is left to drain unread and the
 * client gets its 413. (The platform's own `MaxBodySize` guard destroys the socket when it trips,
 * so the client would see a reset instead of an answer.)
 */

type Read = { readonly _tag: "Body"; readonly bytes: Buffer } | { readonly _tag: "TooLarge" } | { readonly _tag: "Broken" }

const readCapped = (source: IncomingMessage, maxBytes: number) =>
  Effect.async<Read>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let done = false
    const finish = (read: Read) => {
      if (done) return
      done = true
      resume(Effect.succeed(read))
    }
    // Once over the limit the listener keeps the stream flowing and drops what arrives, so Node
    // can finish reading the request and deliver the response on the same connection.
    const onData = (chunk: Buffer) => {
      if (done) return
      size += chunk.length
      if (size > maxBytes) finish({ _tag: "TooLarge" })
      else chunks.push(chunk)
    }
    const onEnd = () => finish({ _tag: "Body", bytes: Buffer.concat(chunks) })
    const onBroken = () => finish({ _tag: "Broken" })
    source.on("data", onData)
    source.once("end", onEnd)
    source.once("error", onBroken)
    source.once("close", onBroken)
    return Effect.sync(() => {
      source.off("end", onEnd)
      source.off("error", onBroken)
      source.off("close", onBroken)
    })
  })

/** The same request over an already-read body, for the handlers that decode it. */
const withBody = (request: HttpServerRequest.HttpServerRequest, bytes: Buffer) => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (name !== "transfer-encoding") headers.set(name, value)
  }
  return HttpServerRequest.fromWeb(
    new Request(new URL(request.url, "http://localhost"), { method: request.method, headers, body: bytes })
  )
}

/**
 * Runs `app` only when the request's body fits within `maxBytes` and passes `inspect`; otherwise
 * fails with `tooLarge` or `inspect`'s error. The body is read here, once, and `app` sees the same
 * request over those bytes (its remote address kept), so a check on the body never costs a second read.
 */
export const limitBody = <E, R2>(
  maxBytes: number,
  tooLarge: PayloadTooLarge,
  inspect: (body: Buffer) => Effect.Effect<void, E, R2>
) =>
<A, E1, R>(app: Effect.Effect<A, E1, R>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!HttpMethod.hasBody(request.method)) return yield* app
    const declared = request.headers["content-length"]
    if (declared !== undefined && Number(declared) > maxBytes) return yield* tooLarge
    // No body: nothing to check, and the platform reads an absent body as `null` only from Node's request.
    if (declared === undefined ? request.headers["transfer-encoding"] === undefined : Number(declared) === 0) {
      return yield* app
    }
    const read = yield* readCapped(NodeHttpServerRequest.toIncomingMessage(request), maxBytes)
    switch (read._tag) {
      case "TooLarge":
        return yield* tooLarge
      case "Broken":
        return yield* new InvalidRequest({ message: "The request body could not be read to its end; send it again." })
      case "Body": {
        yield* inspect(read.bytes)
        const reread = Option.match(request.remoteAddress, {
          onNone: () => withBody(request, read.bytes),
          onSome: (remoteAddress) => withBody(request, read.bytes).modify({ remoteAddress })
        })
        return yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, reread))
      }
    }
  })
