import { type Chapter, chapterRules } from "./Chapters.js"
import { type GameEvent, type GameStatus, scoreOutcome } from "./GameEvents.js"
import { clampMetric, type MetricName, metricNames, metricWeights, type Metrics, relationshipScore, roundTo2 } from "./Metrics.js"

/** No decay run takes more than this many score points. */
export const MAX_DECAY_POINTS_PER_RUN = 20

export interface DecayInput {
  readonly lastInteractionAt: Date
  readonly now: Date
  readonly chapter: Chapter
  /** Hours already deducted since `lastInteractionAt`; the caller resets it to 0 on a new interaction. */
  readonly hoursAlreadyDeducted: number
}

export interface DecayDue {
  readonly hoursToDeduct: number
  readonly points: number
  /** The value to store as `hoursAlreadyDeducted` for the next run. */
  readonly newHoursDeducted: number
  /** Overdue hours still unpaid after this run (only when the per-run cap bit). */
  readonly hoursStillOwed: number
}

const HOUR_MS = 3_600_000

/**
 * The reference game re-counted every hour since the last interaction on every run, so decay
 * compounded. Here the caller keeps a ledger of hours already deducted and only the difference is
 * due. Only whole hours after the grace period count (a partial hour is paid once it completes),
 * which keeps the ledger an integer. The 20-point cap limits a run to the whole hours that fit
 * (chapter 4: 66 h = 19.8 points); the rest stays owed and is paid by the next runs, so a long
 * absence is never forgiven, only spread out.
 */
export const decayDue = (input: DecayInput): DecayDue => {
  const rules = chapterRules[input.chapter]
  const elapsedHours = (input.now.getTime() - input.lastInteractionAt.getTime()) / HOUR_MS
  const overdueHours = Math.max(0, Math.floor(elapsedHours - rules.decayGraceHours))
  const owed = Math.max(0, overdueHours - Math.max(0, input.hoursAlreadyDeducted))
  const hoursPerRun = Math.floor(MAX_DECAY_POINTS_PER_RUN / rules.decayPointsPerHour + 1e-9)
  const hoursToDeduct = Math.min(owed, hoursPerRun)
  return {
    hoursToDeduct,
    points: roundTo2(hoursToDeduct * rules.decayPointsPerHour),
    newHoursDeducted: Math.max(0, input.hoursAlreadyDeducted) + hoursToDeduct,
    hoursStillOwed: owed - hoursToDeduct
  }
}

/**
 * Lowers the score by `points` through the metrics: every metric drops by the same amount (the
 * weights sum to 1, so the score drops by exactly that); a metric that reaches 0 passes the rest
 * of its share to the others, so the score still drops by `points` until it reaches 0 itself.
 * Absence erodes the whole relationship, not one side of it.
 */
export const lowerMetricsBy = (metrics: Metrics, points: number): Metrics => {
  const next: { [K in MetricName]: number } = { ...metrics }
  let remaining = Math.max(0, points)
  while (remaining > 1e-9) {
    const standing = metricNames.filter((name) => next[name] > 0)
    if (standing.length === 0) break
    const weight = standing.reduce((sum, name) => sum + metricWeights[name], 0)
    const step = Math.min(remaining / weight, ...standing.map((name) => next[name]))
    for (const name of standing) next[name] = next[name] - step
    remaining -= step * weight
  }
  return {
    intimacy: clampMetric(next.intimacy),
    passion: clampMetric(next.passion),
    trust: clampMetric(next.trust),
    secureness: clampMetric(next.secureness)
  }
}

export interface DecayApplication {
  readonly metrics: Metrics
  readonly scoreBefore: number
  readonly scoreAfter: number
  readonly events: ReadonlyArray<GameEvent>
  readonly status: GameStatus
}

/**
 * Applies due points and reports the score events. Decay only lowers the score, so it can raise
 * `critical_low` and `game_over` (score 0) but never a boss event.
 */
export const applyDecay = (input: {
  readonly metrics: Metrics
  readonly points: number
  readonly chapter: Chapter
  readonly status: GameStatus
}): DecayApplication => {
  const metrics = lowerMetricsBy(input.metrics, input.points)
  const scoreBefore = relationshipScore(input.metrics)
  const scoreAfter = relationshipScore(metrics)
  const outcome = scoreOutcome({ scoreBefore, scoreAfter, chapter: input.chapter, status: input.status })
  return {
    metrics,
    scoreBefore,
    scoreAfter,
    events: outcome.events.filter((event) => event === "critical_low" || event === "game_over"),
    status: outcome.events.includes("game_over") ? "game_over" : input.status
  }
}
