import { Schema } from "effect"

/**
 * The four relationship metrics. Each lives in 0..100 and starts at 50; the relationship score
 * is their weighted sum, so every rule that moves the score does it by moving metrics.
 */
export const MetricName = Schema.Literal("intimacy", "passion", "trust", "secureness")
export type MetricName = typeof MetricName.Type

export const metricNames: ReadonlyArray<MetricName> = MetricName.literals

export const METRIC_MIN = 0
export const METRIC_MAX = 100
export const METRIC_START = 50

export const MetricValue = Schema.Number.pipe(Schema.between(METRIC_MIN, METRIC_MAX))

export const Metrics = Schema.Struct({
  intimacy: MetricValue,
  passion: MetricValue,
  trust: MetricValue,
  secureness: MetricValue
})
export type Metrics = typeof Metrics.Type

/** A signed change per metric, e.g. the extraction's `metric_deltas` (−10..+10 each). */
export type MetricDeltas = { readonly [K in MetricName]: number }

export const initialMetrics: Metrics = {
  intimacy: METRIC_START,
  passion: METRIC_START,
  trust: METRIC_START,
  secureness: METRIC_START
}

/** The weights sum to 1, so lowering every metric by p lowers the score by exactly p. */
export const metricWeights: { readonly [K in MetricName]: number } = {
  intimacy: 0.3,
  passion: 0.25,
  trust: 0.25,
  secureness: 0.2
}

export const clamp = (value: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, value))

/**
 * Metrics and the score are kept to 2 decimals: enough for every multiplier of the game
 * (0.9·7 = 6.3) and it keeps float noise (0.8·3 = 2.4000000000000004) out of the database
 * and out of equality checks.
 */
export const roundTo2 = (value: number): number => Math.round((value + Number.EPSILON) * 100) / 100

export const clampMetric = (value: number): number => roundTo2(clamp(value, METRIC_MIN, METRIC_MAX))

export const mapMetrics = (metrics: MetricDeltas, f: (value: number, name: MetricName) => number): MetricDeltas => ({
  intimacy: f(metrics.intimacy, "intimacy"),
  passion: f(metrics.passion, "passion"),
  trust: f(metrics.trust, "trust"),
  secureness: f(metrics.secureness, "secureness")
})

/** The relationship score 0..100, rounded to 2 decimals (see `roundTo2`). */
export const relationshipScore = (metrics: Metrics): number =>
  roundTo2(
    clamp(
      metricNames.reduce((sum, name) => sum + metricWeights[name] * metrics[name], 0),
      METRIC_MIN,
      METRIC_MAX
    )
  )
