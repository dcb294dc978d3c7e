import { HttpApiBuilder, HttpBody, type HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { gzipSync } from "node:zlib"

/**
 * gzip for the pages people load in a browser: `/docs` (its reference viewer is a few megabytes
 * of script), `/openapi.json` and the dashboard. These answers are built once at start, so each
 * is compressed once and the result kept with it. API answers stay uncompressed: they are small,
 * and scripts read them without having to ask for an encoding.
 */

const compressedPaths = (path: string) => path === "/" || path === "/docs" || path === "/openapi.json" || path.startsWith("/dashboard")

const acceptsGzip = (header: string | undefined) =>
  header !== undefined && header.split(",").some((part) => {
    const [coding = "", ...params] = part.trim().toLowerCase().split(";")
    return (coding === "gzip" || coding === "*") && !params.some((param) => param.trim() === "q=0")
  })

/** Not worth a header and a CPU's while under this size. */
const minimumBytes = 1024

// Keyed by the body itself: the static answers reuse one buffer, so each is compressed once.
const compressed = new WeakMap<Uint8Array, Uint8Array>()
const gzipOnce = (body: Uint8Array) => {
  const known = compressed.get(body)
  if (known !== undefined) return known
  const fresh = new Uint8Array(gzipSync(body))
  compressed.set(body, fresh)
  return fresh
}

export const CompressionLive = HttpApiBuilder.middleware((app: HttpApp.Default) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const response = yield* app
    const path = request.url.split("?")[0] ?? ""
    if (!compressedPaths(path)) return response
    const body = response.body
    if (body._tag !== "Uint8Array" || body.body.length < minimumBytes || response.headers["content-encoding"] !== undefined) {
      return response
    }
    const varied = HttpServerResponse.setHeader(response, "vary", "accept-encoding")
    if (!acceptsGzip(request.headers["accept-encoding"])) return varied
    return varied.pipe(
      HttpServerResponse.setBody(HttpBody.uint8Array(gzipOnce(body.body), body.contentType)),
      HttpServerResponse.setHeader("content-encoding", "gzip")
    )
  }))
