import { HttpApiClient, HttpClient, HttpClientRequest, type HttpMethod } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { ApplicationLive } from "../../src/AppLayer.js"
import { Api } from "../../src/http/Api.js"
import { ServeApi } from "../../src/http/Server.js"
import { freshDatabaseUrl, testEnv } from "./Db.js"

/**
 * The whole service for HTTP tests: the application layer (`ApplicationLive`: configuration, the
 * migrated database, repositories, models, pipeline, triggers) configured from a map, and the
 * API, served by `NodeHttpServer.layerTest` on a free port.
 * The layer outputs `HttpClient` (already pointed at the server) and every service, so a test can
 * both call the API and arrange or inspect state through the repositories.
 *
 * To give the tests a new service, add it to `ApplicationLive` (src/AppLayer.ts); a layer that
 * only tests need goes into `appLayer` below. The stream is not started here (tests call the
 * triggers); a test that wants it adds `ConversationStreamLive`.
 */

/** The fixed TASK_SECRET of the test app. */
export const testTaskSecret = "aftertalk-test-secret"

/** Info logs would drown the test output; warnings and errors still show. */
const quietLogs = Logger.minimumLogLevel(LogLevel.Warning)

/** The app over the database at `env.DATABASE_URL`. */
export const appLayer = (env: Record<string, string>) =>
  ServeApi.pipe(
    Layer.provideMerge(ApplicationLive),
    Layer.provideMerge(NodeHttpServer.layerTest),
    Layer.provide(testEnv({ TASK_SECRET: testTaskSecret, ...env })),
    Layer.provide(quietLogs)
  )

/** The app over a fresh database of its own, dropped when the layer is released. */
export const TestApp = (env: Record<string, string> = {}) =>
  Layer.unwrapScoped(Effect.map(freshDatabaseUrl, (url) => appLayer({ ...env, DATABASE_URL: url })))

export interface Reply {
  readonly status: number
  readonly contentType: string
  readonly text: string
  /** The body parsed as JSON; undefined when it is not JSON. */
  readonly json: unknown
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export interface SendOptions {
  /** Sent as JSON. */
  readonly body?: unknown
  /** Sent as is, with `contentType` (application/json by default). */
  readonly raw?: string
  readonly contentType?: string
  /** The bearer secret; the test secret by default, none with `null`. */
  readonly secret?: string | null
}

/** A request to the test app, answered whatever its status. */
export const send = (method: HttpMethod.HttpMethod, path: string, options: SendOptions = {}) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const secret = options.secret === undefined ? testTaskSecret : options.secret
    let request = HttpClientRequest.make(method)(path)
    if (secret !== null) request = HttpClientRequest.bearerToken(request, secret)
    if (options.raw !== undefined) request = HttpClientRequest.bodyText(request, options.raw, options.contentType ?? "application/json")
    else if (options.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, options.body)
    const response = yield* client.execute(request)
    const text = yield* response.text
    return {
      status: response.status,
      contentType: response.headers["content-type"] ?? "",
      text,
      json: parseJson(text)
    } satisfies Reply
  })

/** The typed client derived from the same `Api`, authenticated with the test secret. */
export const apiClient = HttpApiClient.make(Api, {
  transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(testTaskSecret))
})
