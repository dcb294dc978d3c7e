import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Redacted } from "effect"
import { AppConfig } from "../config/AppConfig.js"
import { TaskSecret } from "../config/TaskSecret.js"
import { HealthService } from "../runs/Health.js"
import { Readiness } from "../runs/Readiness.js"
import { MetricsScrape } from "../observability/Telemetry.js"
import { recordQueue } from "../observability/ServiceMetrics.js"

/**
 * The operator's endpoints outside the API document: `GET /livez` and `GET /readyz` (no auth,
 * for orchestrators and load balancers) and `GET /metrics` (Prometheus text; the bearer secret
 * is required unless METRICS_PUBLIC=true, since queue figures say something about the game).
 */

const noStore = { "cache-control": "no-store" }

const unauthorized = (message: string) =>
  HttpServerResponse.unsafeJson({ error: "unauthorized", message }, { status: 401, headers: noStore })

/** `Authorization: Bearer <TASK_SECRET>`, compared in constant time like the API's middleware. */
const authorized = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const secret = yield* TaskSecret
  const found = /^Bearer (.+)$/i.exec(request.headers["authorization"] ?? "")
  if (found?.[1] === undefined) return false
  return yield* secret.verify(Redacted.make(found[1]))
})

export const OperationsLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function*() {
    const config = yield* AppConfig
    const readiness = yield* Readiness
    const health = yield* HealthService
    const metrics = yield* MetricsScrape
    const secret = yield* TaskSecret

    yield* router.get("/livez", Effect.succeed(HttpServerResponse.unsafeJson({ status: "alive" }, { headers: noStore })))

    yield* router.get(
      "/readyz",
      Effect.map(readiness.check, (report) =>
        HttpServerResponse.unsafeJson(report, { status: report.ready ? 200 : 503, headers: noStore }))
    )

    yield* router.get(
      "/metrics",
      Effect.gen(function*() {
        if (!config.metricsPublic && !(yield* authorized)) {
          return unauthorized("Send \"Authorization: Bearer <TASK_SECRET>\" (or start with METRICS_PUBLIC=true).")
        }
        // Queue figures are measured when asked for, not on a timer nobody reads.
        const report = yield* health.check()
        yield* recordQueue(report.queue_depth, report.oldest_queued_age_seconds)
        return HttpServerResponse.text(yield* metrics.scrape, {
          contentType: "text/plain; version=0.0.4; charset=utf-8",
          headers: noStore
        })
      }).pipe(Effect.provideService(TaskSecret, secret))
    )
  })
)
