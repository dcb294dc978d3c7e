import { Metrics, NodeSdk, Resource } from "@effect/opentelemetry"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, Layer, Option } from "effect"

/**
 * The bridge to OpenTelemetry: Effect's metrics (ServiceMetrics.ts) read by a Prometheus reader
 * that `GET /metrics` collects on demand (no second port, no push), and, when an OTLP endpoint is
 * configured, every Effect span (runs, stages, model calls, SQL queries, HTTP requests) exported
 * over OTLP/HTTP. Without an endpoint spans stay in-process and cost next to nothing.
 */

const service = { serviceName: "aftertalk", serviceVersion: "0.1.0" } as const

/** Collects every metric now and renders it as Prometheus text. */
export class MetricsScrape extends Effect.Service<MetricsScrape>()("aftertalk/MetricsScrape", {
  scoped: Effect.gen(function*() {
    const reader = new PrometheusExporter({ preventServerStart: true })
    yield* Metrics.registerProducer(yield* Metrics.makeProducer, () => reader)
    // No timestamps (Prometheus stamps the scrape), no target_info/otel_scope series.
    const serializer = new PrometheusSerializer(undefined, false, undefined, true, true)
    const scrape = Effect.promise(() => reader.collect()).pipe(
      Effect.map(({ resourceMetrics }) => serializer.serialize(resourceMetrics)),
      Effect.withSpan("MetricsScrape.scrape")
    )
    return { scrape } as const
  }),
  dependencies: [Resource.layer(service)]
}) {}

/**
 * Span export over OTLP/HTTP to `endpoint` (the collector's base URL, as in
 * OTEL_EXPORTER_OTLP_ENDPOINT; traces go to `<endpoint>/v1/traces`). When unset, no span would be
 * exported, so none is made: the tracer is off, and every `withSpan` of a request, a run or a
 * query costs nothing.
 */
export const tracingLayer = (endpoint: Option.Option<string>): Layer.Layer<never> =>
  Option.match(endpoint, {
    onNone: () => Layer.setTracerEnabled(false),
    onSome: (base) =>
      Layer.discard(
        NodeSdk.layer(() => ({
          resource: service,
          spanProcessor: new BatchSpanProcessor(
            new OTLPTraceExporter({ url: `${base.replace(/\/+$/, "")}/v1/traces` }),
            { scheduledDelayMillis: 1000 }
          )
        }))
      )
  })
