import { HttpMiddleware, HttpServerRequest, OpenApi } from "@effect/platform"
import { Clock, Context, Effect, FiberRef, LogLevel } from "effect"
import { recordHttpNow } from "../observability/ServiceMetrics.js"
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
  Effect.withFiberRuntime((fiber) => {
    // Read from the fiber directly: this runs on every request, and each `yield*` of a service or
    // of the clock is a step of the runtime.
    const request = Context.unsafeGet(fiber.currentContext, HttpServerRequest.HttpServerRequest)
    const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
    const startedAt = clock.unsafeCurrentTimeMillis()
    return Effect.onExit(app, (exit) => {
      const status = exit._tag === "Success" ? exit.value.status : 500
      const durationMs = clock.unsafeCurrentTimeMillis() - startedAt
      const route = routeOf(pathOf(request.url))
      recordHttpNow(request.method, route, status, durationMs, fiber.getFiberRef(FiberRef.currentMetricLabels))
      // Annotating costs a context update per request even when the line is dropped.
      if (!LogLevel.lessThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), LogLevel.Info)) return Effect.void
      return Effect.logDebug("http request").pipe(
        Effect.annotateLogs({ method: request.method, route, path: pathOf(request.url), status, duration_ms: durationMs })
      )
    })
  })
)
