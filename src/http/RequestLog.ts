import { HttpMiddleware, HttpServerRequest, OpenApi } from "@effect/platform"
import { Clock, Effect, FiberRef, LogLevel } from "effect"
import { recordHttp } from "../observability/ServiceMetrics.js"
import { Api } from "./Api.js"

/**
 * One debug line and two metric updates per request, in place of Effect's logger middleware (an
 * info line per request is noise at any real rate). Metrics are labelled by route template
 * (`/users/{user_id}`), never by the raw path, so ids and probes of random URLs cannot grow the
 * series without bound: a path no route matches counts as `other`.
 */

/** Pages served next to the API, outside its document. */
const extraRoutes = ["/", "/dashboard", "/docs", "/openapi.json", "/livez", "/readyz", "/metrics"]

const templates = [...Object.keys(OpenApi.fromApi(Api).paths), ...extraRoutes]
  // Literal segments win over parameters: fewer parameters first.
  .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))
  .map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}/?$`)
  }))

/** The route template a path belongs to, or `other`. */
export const routeOf = (path: string): string =>
  templates.find(({ pattern }) => pattern.test(path))?.template ?? "other"

const pathOf = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? url : url.slice(0, query)
}

export const requestLog = HttpMiddleware.make((app) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const startedAt = yield* Clock.currentTimeMillis
    const path = pathOf(request.url)
    const route = routeOf(path)
    return yield* app.pipe(
      Effect.onExit((exit) =>
        Effect.gen(function*() {
          const status = exit._tag === "Success" ? exit.value.status : 500
          const durationMs = (yield* Clock.currentTimeMillis) - startedAt
          yield* recordHttp(request.method, route, status, durationMs)
          // Annotating costs a context update per request even when the line is dropped.
          if (LogLevel.lessThan(yield* FiberRef.get(FiberRef.currentMinimumLogLevel), LogLevel.Info)) {
            yield* Effect.logDebug("http request").pipe(
              Effect.annotateLogs({ method: request.method, route, path, status, duration_ms: durationMs })
            )
          }
        })
      )
    )
  })
)
