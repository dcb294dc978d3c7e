import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { randomBytes, randomUUID } from "node:crypto"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { gunzipSync } from "node:zlib"
import { freshDatabaseUrl, postgresAvailable } from "../support/Db.js"
import { startService } from "../support/ServiceProcess.js"
import { eventually, taskSecret } from "./support.js"

/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the service exports its spans over OTLP/HTTP, and a
 * request that arrives with a W3C `traceparent` continues the caller's trace: its server span
 * carries the caller's trace id and has the caller's span as parent. Checked against a fake
 * collector, as an operator's Jaeger or Tempo would see it.
 */

/** The part of an OTLP/JSON export request the test reads (ids are hex strings in the JSON encoding). */
const ExportRequest = Schema.parseJson(Schema.Struct({
  resourceSpans: Schema.Array(Schema.Struct({
    resource: Schema.optional(Schema.Struct({
      attributes: Schema.optional(Schema.Array(Schema.Struct({
        key: Schema.String,
        value: Schema.Struct({ stringValue: Schema.optional(Schema.String) })
      })))
    })),
    scopeSpans: Schema.Array(Schema.Struct({
      spans: Schema.Array(Schema.Struct({
        name: Schema.String,
        traceId: Schema.String,
        spanId: Schema.String,
        parentSpanId: Schema.optional(Schema.String),
        kind: Schema.optional(Schema.Number)
      }))
    }))
  }))
}))

interface ExportedSpan {
  readonly service: string | undefined
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly kind: number | undefined
}

/** OTLP's SPAN_KIND_SERVER. */
const serverKind = 2

/** A collector on 127.0.0.1 that accepts every POST to /v1/traces and keeps the spans it was sent. */
const fakeCollector = Effect.gen(function*() {
  const spans: Array<ExportedSpan> = []
  const rejected: Array<string> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const raw = Buffer.concat(chunks)
      const body = (request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw).toString("utf8")
      const decoded = Schema.decodeUnknownEither(ExportRequest)(body)
      if (request.method !== "POST" || request.url !== "/v1/traces" || decoded._tag === "Left") {
        rejected.push(`${request.method} ${request.url} ${request.headers["content-type"]}`)
        response.writeHead(400).end()
        return
      }
      for (const resourceSpans of decoded.right.resourceSpans) {
        const service = resourceSpans.resource?.attributes?.find((a) => a.key === "service.name")?.value.stringValue
        for (const scope of resourceSpans.scopeSpans) {
          for (const span of scope.spans) {
            spans.push({ service, ...span, parentSpanId: span.parentSpanId, kind: span.kind })
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  const port = yield* Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address: AddressInfo | string | null = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : -1))
      })
    }),
    () =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
      })
  )
  return { endpoint: `http://127.0.0.1:${port}`, spans: Effect.sync(() => [...spans]), rejected: Effect.sync(() => [...rejected]) }
})

describe.skipIf(!postgresAvailable)("tracing over OTLP", () => {
  it.scopedLive("a request with a traceparent is exported as a server span in the caller's trace", () =>
    Effect.gen(function*() {
      const collector = yield* fakeCollector
      const url = yield* freshDatabaseUrl
      const service = yield* startService("traced", {
        DATABASE_URL: url,
        TASK_SECRET: taskSecret,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint
      }, { readyWithin: "90 seconds" })

      const traceId = randomBytes(16).toString("hex")
      const parentSpanId = randomBytes(8).toString("hex")
      const created = yield* HttpClientRequest.put(`${service.url}/users/${randomUUID()}`).pipe(
        HttpClientRequest.bearerToken(taskSecret),
        HttpClientRequest.setHeader("traceparent", `00-${traceId}-${parentSpanId}-01`),
        HttpClientRequest.bodyUnsafeJson({ display_name: "Sam" }),
        // The client would otherwise replace our traceparent with one of its own span.
        (request) => Effect.flatMap(HttpClient.HttpClient, (client) => HttpClient.withTracerPropagation(client, false).execute(request)),
        Effect.flatMap((response) => Effect.map(response.text, (text) => ({ status: response.status, text }))),
        Effect.scoped,
        Effect.provide(FetchHttpClient.layer)
      )
      expect(created.status, created.text).toBe(201)

      // The batch processor exports on a timer (a second), so the spans arrive while the service runs.
      const inTrace = yield* eventually(
        "a server span in the caller's trace",
        Effect.map(collector.spans, (spans) => spans.filter((span) => span.traceId === traceId)),
        (spans) => spans.some((span) => span.kind === serverKind),
        "20 seconds"
      )
      const serverSpan = inTrace.find((span) => span.kind === serverKind)
      expect(serverSpan).toMatchObject({ parentSpanId, service: "aftertalk" })
      expect(serverSpan?.name).toContain("PUT")
      // Spans other than the server span itself (handler, SQL) hang below it in the same trace.
      expect(inTrace.some((span) => span.parentSpanId === serverSpan?.spanId)).toBe(true)
      expect(yield* collector.rejected).toEqual([])

      expect(yield* service.stop("SIGTERM")).toEqual({ code: 0, signal: null })
    }), 180_000)
})
