import { HttpApiBuilder, HttpApiScalar, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Layer, Option } from "effect"
import { createServer } from "node:http"
import { AppConfig } from "../config/AppConfig.js"
import { Api } from "./Api.js"
import { AuthorizationLive } from "./Authorization.js"
import { AuthThrottle } from "./AuthThrottle.js"
import { CompressionLive } from "./Compression.js"
import { DashboardLive } from "./Dashboard.js"
import { EdgeMiddlewareLive } from "./EdgeMiddleware.js"
import { OperationsLive } from "./Operations.js"
import { withPromptRoute } from "./PromptRoute.js"
import { requestLog } from "./RequestLog.js"
import { ConversationsLive } from "./handlers/Conversations.js"
import { ExecutionsLive } from "./handlers/Executions.js"
import { HealthLive } from "./handlers/Health.js"
import { MemoryLive } from "./handlers/Memory.js"
import { PipelineLive } from "./handlers/Pipeline.js"
import { TasksLive } from "./handlers/Tasks.js"
import { UsersLive } from "./handlers/Users.js"
import { VoiceLive } from "./handlers/Voice.js"

/**
 * The API with its handlers, middleware, `/openapi.json`, `/docs` and the dashboard, still needing the services
 * the handlers use (see ApplicationLive in AppLayer.ts). A new group's handlers layer goes into the list below.
 */
export const ApiLive = Layer.mergeAll(
  HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" }),
  HttpApiScalar.layer({ path: "/docs" }),
  DashboardLive,
  OperationsLive,
  EdgeMiddlewareLive,
  CompressionLive
).pipe(
  Layer.provideMerge(HttpApiBuilder.api(Api)),
  Layer.provide([UsersLive, ConversationsLive, HealthLive, PipelineLive, ExecutionsLive, TasksLive, MemoryLive, VoiceLive]),
  Layer.provide(AuthorizationLive),
  // Kept in the output: the hot read's route (PromptRoute.ts) reads the same buckets.
  Layer.provideMerge(AuthThrottle.Default)
)

/**
 * `HttpApiBuilder.serve` with the hot read's own route (PromptRoute.ts) ahead of the API's router.
 * With the pipeline off the prompt is built on demand, which only the API's handler does.
 */
const serve = (pipelineEnabled: boolean) =>
  Effect.gen(function*() {
    const api = yield* HttpApiBuilder.httpApp
    const app = pipelineEnabled ? (yield* withPromptRoute)(api) : api
    return HttpServer.serve(app, requestLog)
  }).pipe(Layer.unwrapEffect, Layer.provide([HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer]))

/**
 * Serves ApiLive on whatever `HttpServer` is provided (the real one below, or a test server).
 * Without an OTLP endpoint no span leaves the process, so requests get no server span: building
 * one (its URL parsed, every header an attribute) on every request would be work for nobody.
 */
export const ServeApi = Layer.unwrapEffect(Effect.map(AppConfig, ({ otlpEndpoint, pipelineEnabled }) =>
  serve(pipelineEnabled).pipe(HttpMiddleware.withTracerDisabledWhen(() => Option.isNone(otlpEndpoint)))
)).pipe(Layer.provide(ApiLive))

/**
 * Node's server with limits against clients that would hold it: a slow or dripping client loses
 * its connection after the headers or request timeout, an idle keep-alive connection after its
 * own, and past HTTP_MAX_CONNECTIONS new connections are refused. On shutdown, idle connections
 * are closed at once and the rest are destroyed once SHUTDOWN_GRACE has passed, so no client can
 * keep the process alive (Node's `close` otherwise waits for every connection to end).
 */
const NodeServerLive = Layer.unwrapScoped(
  Effect.gen(function*() {
    const config = yield* AppConfig
    const millis = (duration: Duration.Duration) => Math.max(1, Math.round(Duration.toMillis(duration)))
    const requestTimeout = millis(config.httpRequestTimeout)
    const server = createServer({
      // Node refuses a headers timeout longer than the request timeout.
      headersTimeout: Math.min(millis(config.httpHeadersTimeout), requestTimeout),
      requestTimeout,
      keepAliveTimeout: millis(config.httpKeepAliveTimeout),
      // How often Node checks the two timeouts above (30 s by default, which would stretch them).
      connectionsCheckingInterval: 1_000
    })
    server.maxConnections = config.httpMaxConnections
    const closeConnectionsOnShutdown = Layer.scopedDiscard(Effect.addFinalizer(() =>
      Effect.sync(() => {
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), millis(config.shutdownGrace)).unref()
      })
    ))
    return closeConnectionsOnShutdown.pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => server, { port: config.port, host: config.host }))
    )
  })
)

/** The HTTP server on HOST:PORT. */
export const HttpLive = ServeApi.pipe(HttpServer.withLogAddress, Layer.provide(NodeServerLive))
