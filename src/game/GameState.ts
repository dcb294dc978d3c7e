import { type BossVerdict, resolveBoss } from "./Boss.js"
import { type Chapter, metricChangeCap } from "./Chapters.js"
import { type EngagementState, engagementMultiplier } from "./Engagement.js"
import { type GameEvent, type GameStatus, scoreOutcome } from "./GameEvents.js"
import { clamp, clampMetric, mapMetrics, type MetricDeltas, type Metrics, relationshipScore, roundTo2 } from "./Metrics.js"

/** Trust bonus for the n-th vulnerability exchange (0-based): +2 the first time, +1 the second, then 0. */
export const vulnerabilityTrustBonus = (exchangesSoFar: number): number =>
  exchangesSoFar <= 0 ? 2 : exchangesSoFar === 1 ? 1 : 0

export interface ConversationDeltasInput {
  readonly metrics: Metrics
  /** The extraction's `metric_deltas`. */
  readonly deltas: MetricDeltas
  readonly chapter: Chapter
  readonly engagement: EngagementState
  readonly status: GameStatus
  /** Vulnerability exchanges in the player's earlier conversations. */
  readonly vulnerabilityExchangesSoFar: number
  /** Whether this conversation had one. */
  readonly vulnerabilityExchange: boolean
  /** Failed boss attempts so far in this chapter (0 when absent). */
  readonly bossAttempts?: number | undefined
  /** The extraction's `boss_verdict` (null: not judged). */
  readonly bossVerdict?: BossVerdict | null | undefined
}

export interface ConversationDeltasResult {
  readonly metrics: Metrics
  /** What each metric actually moved (after multiplier, bonus, cap and 0..100 clamp). */
  readonly changes: MetricDeltas
  readonly trustBonus: number
  readonly vulnerabilityExchanges: number
  readonly scoreBefore: number
  readonly scoreAfter: number
  readonly events: ReadonlyArray<GameEvent>
  readonly status: GameStatus
  readonly chapter: Chapter
  readonly bossAttempts: number
}

/**
 * Applies one conversation's deltas. Order per metric: a positive delta is multiplied by the
 * engagement multiplier (negative deltas are not: neglect should not soften a bad conversation);
 * the vulnerability bonus is added to trust as is (not multiplied: it rewards the exchange, not the
 * rhythm); then the chapter cap bounds the whole change. The bonus is inside the cap because the
 * cap is the game's "most a single conversation can move a metric" rule; in chapter 5 a +2 trust
 * delta leaves no room for it. The exchange still counts towards the next bonus even when capped.
 * A conversation that starts in `boss_fight` is the boss: its deltas apply as usual, then its
 * verdict resolves the fight (`Boss.ts`).
 */
export const applyConversationDeltas = (input: ConversationDeltasInput): ConversationDeltasResult => {
  const cap = metricChangeCap(input.chapter)
  const multiplier = engagementMultiplier[input.engagement]
  const trustBonus = input.vulnerabilityExchange ? vulnerabilityTrustBonus(input.vulnerabilityExchangesSoFar) : 0
  const wanted = mapMetrics(input.deltas, (delta, name) => {
    const scaled = delta > 0 ? delta * multiplier : delta
    return clamp(scaled + (name === "trust" ? trustBonus : 0), -cap, cap)
  })
  const metrics: Metrics = mapMetrics(input.metrics, (value, name) => clampMetric(value + wanted[name]))
  const changes = mapMetrics(metrics, (value, name) => roundTo2(value - input.metrics[name]))
  const scoreBefore = relationshipScore(input.metrics)
  const scoreAfter = relationshipScore(metrics)
  const outcome = scoreOutcome({ scoreBefore, scoreAfter, chapter: input.chapter, status: input.status })
  const boss = resolveBoss({
    statusBefore: input.status,
    after: { chapter: input.chapter, status: outcome.status, bossAttempts: input.bossAttempts ?? 0 },
    verdict: input.bossVerdict ?? null
  })
  return {
    metrics,
    changes,
    trustBonus,
    vulnerabilityExchanges: input.vulnerabilityExchangesSoFar + (input.vulnerabilityExchange ? 1 : 0),
    scoreBefore,
    scoreAfter,
    events: [...outcome.events, ...boss.events],
    status: boss.status,
    chapter: boss.chapter,
    bossAttempts: boss.bossAttempts
  }
}
