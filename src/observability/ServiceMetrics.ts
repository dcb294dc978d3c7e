import { Effect, Metric, MetricBoundaries, MetricKey, MetricLabel } from "effect"

/**
 * Every metric aftertalk exports, defined once. They are Effect `Metric`s (cheap in-process
 * counters and histograms); `Telemetry.ts` hands them to OpenTelemetry, which `GET /metrics`
 * serves as Prometheus text. Labels are few and bounded (a status, a stage, a route template),
 * never an id, so the series count stays small. The record helpers below are the only writers.
 */

/** Seconds from 5 ms to about 80 s: a stage, a model call or a whole run. */
const durationBoundaries = MetricBoundaries.exponential({ start: 0.005, factor: 2, count: 15 })

export const pipelineRuns = Metric.counter("aftertalk_pipeline_runs", {
  description: "Finished pipeline runs by status (success, partial_success, failed) and trigger",
  incremental: true
})

export const stageDuration = Metric.histogram(
  "aftertalk_stage_duration_seconds",
  durationBoundaries,
  "Time one stage took, by stage and outcome (success, failed)"
)

export const queueDepth = Metric.gauge("aftertalk_queue_depth", {
  description: "Conversations waiting to be claimed (measured when /metrics is read)"
})

export const queueOldestAge = Metric.gauge("aftertalk_queue_oldest_age_seconds", {
  description: "How long the oldest claimable conversation has waited (0 when the queue is empty)"
})

export const claims = Metric.counter("aftertalk_claims", {
  description: "Conversations claimed for a run, by kind: due (stream and tasks) or named (HTTP, CLI)",
  incremental: true
})

export const modelRequests = Metric.counter("aftertalk_model_requests", {
  description: "Model request attempts by operation and outcome (success or the error's kind)",
  incremental: true
})

export const modelRetries = Metric.counter("aftertalk_model_retries", {
  description: "Model request attempts that failed transiently and will be tried again, by operation",
  incremental: true
})

export const modelRateLimited = Metric.counter("aftertalk_model_rate_limited", {
  description: "429 answers from the model provider, by operation",
  incremental: true
})

export const modelTokens = Metric.counter("aftertalk_model_tokens", {
  description: "Tokens the provider reported, by operation and kind (prompt, completion)",
  incremental: true
})

const httpRequests = MetricKey.counter("aftertalk_http_requests", {
  description: "HTTP requests by method, route template and status",
  incremental: true
})

const httpDuration = MetricKey.histogram(
  "aftertalk_http_request_duration_seconds",
  durationBoundaries,
  "Time to answer an HTTP request, by method and route template"
)

const tagged = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, tags: Record<string, string>) =>
  Object.entries(tags).reduce((tagging, [key, value]) => Metric.tagged(tagging, key, value), metric)

export const recordRun = (status: string, trigger: string) =>
  Metric.increment(tagged(pipelineRuns, { status, trigger }))

export const recordStage = (stage: string, outcome: "success" | "failed", durationMs: number) =>
  Metric.update(tagged(stageDuration, { stage, outcome }), durationMs / 1000)

export const recordClaims = (kind: "due" | "named", count: number) =>
  count > 0 ? Metric.incrementBy(tagged(claims, { kind }), count) : Effect.void

export const recordQueue = (depth: number, oldestAgeSeconds: number | null) =>
  Effect.zipRight(Metric.set(queueDepth, depth), Metric.set(queueOldestAge, oldestAgeSeconds ?? 0))

export const recordModelAttempt = (operation: string, outcome: string, retried: boolean) =>
  Effect.all([
    Metric.increment(tagged(modelRequests, { operation, outcome })),
    outcome === "ModelRateLimited" ? Metric.increment(tagged(modelRateLimited, { operation })) : Effect.void,
    retried ? Metric.increment(tagged(modelRetries, { operation })) : Effect.void
  ], { discard: true })

export const recordTokens = (operation: string, usage: { readonly prompt_tokens?: number; readonly completion_tokens?: number } | undefined) =>
  usage === undefined ? Effect.void : Effect.all([
    Metric.incrementBy(tagged(modelTokens, { operation, kind: "prompt" }), usage.prompt_tokens ?? 0),
    Metric.incrementBy(tagged(modelTokens, { operation, kind: "completion" }), usage.completion_tokens ?? 0)
  ], { discard: true })

/**
 * The series of `key` for some label values, made once. A metric tagged on each update is a new
 * key to hash and look up in the registry every time; one made from its tagged key finds its
 * series once. HTTP metrics are updated on every request, and their label values are bounded.
 */
const seriesOf = <A>(make: (labels: ReadonlyArray<MetricLabel.MetricLabel>) => A) => {
  const made = new Map<string, A>()
  return (labels: Record<string, string>): A => {
    const id = Object.values(labels).join("\u0000")
    const known = made.get(id)
    if (known !== undefined) return known
    const series = make(Object.entries(labels).map(([key, value]) => MetricLabel.make(key, value)))
    made.set(id, series)
    return series
  }
}

const httpRequestsSeries = seriesOf((labels) => Metric.fromMetricKey(MetricKey.taggedWithLabels(httpRequests, labels)))
const httpDurationSeries = seriesOf((labels) => Metric.fromMetricKey(MetricKey.taggedWithLabels(httpDuration, labels)))

/**
 * Counts one answered request, at once rather than as an effect: the request log calls it for
 * every request from inside the request's fiber, with the fiber's metric labels (`extraLabels`),
 * which is what `Metric.update` would add.
 */
export const recordHttpNow = (
  method: string,
  route: string,
  status: number,
  durationMs: number,
  extraLabels: ReadonlyArray<MetricLabel.MetricLabel>
) => {
  httpRequestsSeries({ method, route, status: String(status) }).unsafeUpdate(1, extraLabels)
  httpDurationSeries({ method, route }).unsafeUpdate(durationMs / 1000, extraLabels)
}
