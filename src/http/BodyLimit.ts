import { HttpIncomingMessage, HttpMethod, HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Option } from "effect"
import type { IncomingMessage } from "node:http"
import { InvalidRequest, type PayloadTooLarge } from "./Errors.js"

/**
 * MAX_BODY_BYTES. A body with a Content-Length over the limit is refused before it is read. A
 * chunked body (no Content-Length) is read here up to the limit: past it, the rest is left to
 * drain unread and the client gets its 413. (The platform's own `MaxBodySize` guard destroys the
 * socket when it trips, so the client would see a reset instead of an answer; it stays set as a
 * second guard for bodies with a Content-Length, which Node already reads to exactly that length.)
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

/** Runs `app` only when the request's body fits within `maxBytes`; otherwise fails with `tooLarge`. */
export const limitBody = (maxBytes: number, tooLarge: PayloadTooLarge) =>
<A, E, R>(app: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    if (!HttpMethod.hasBody(request.method)) return yield* app
    const declared = request.headers["content-length"]
    if (declared !== undefined) {
      if (Number(declared) > maxBytes) return yield* tooLarge
      return yield* app.pipe(HttpIncomingMessage.withMaxBodySize(Option.some(maxBytes)))
    }
    if (request.headers["transfer-encoding"] === undefined) return yield* app
    const read = yield* readCapped(NodeHttpServerRequest.toIncomingMessage(request), maxBytes)
    switch (read._tag) {
      case "TooLarge":
        return yield* tooLarge
      case "Broken":
        return yield* new InvalidRequest({ message: "The request body could not be read to its end; send it again." })
      case "Body":
        return yield* app.pipe(Effect.provideService(HttpServerRequest.HttpServerRequest, withBody(request, read.bytes)))
    }
  })
