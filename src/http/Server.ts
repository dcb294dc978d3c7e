import { HttpApiBuilder, HttpApiScalar, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { createServer } from "node:http"
import { AppConfig } from "../config/AppConfig.js"
import { Api } from "./Api.js"
import { AuthorizationLive } from "./Authorization.js"
import { CompressionLive } from "./Compression.js"
import { DashboardLive } from "./Dashboard.js"
import { EdgeMiddlewareLive } from "./EdgeMiddleware.js"
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
  EdgeMiddlewareLive,
  CompressionLive
).pipe(
  Layer.provideMerge(HttpApiBuilder.api(Api)),
  Layer.provide([UsersLive, ConversationsLive, HealthLive, PipelineLive, ExecutionsLive, TasksLive, MemoryLive, VoiceLive]),
  Layer.provide(AuthorizationLive)
)

/** Serves ApiLive on whatever `HttpServer` is provided (the real one below, or a test server). */
export const ServeApi = HttpApiBuilder.serve(HttpMiddleware.logger).pipe(Layer.provide(ApiLive))

/** The HTTP server on HOST:PORT. */
export const HttpLive = ServeApi.pipe(
  HttpServer.withLogAddress,
  Layer.provide(
    Layer.unwrapEffect(
      Effect.map(AppConfig, (config) => NodeHttpServer.layer(createServer, { port: config.port, host: config.host }))
    )
  )
)
