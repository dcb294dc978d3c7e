import { Schema } from "effect"
import type { Horseman, RepairAttempt } from "./ExtractionSchema.js"
import { clamp, roundTo2 } from "./Metrics.js"

/** The signals come from the extraction (`signals.horsemen`, `signals.repair_attempt`), names and all. */
export { Horseman, RepairAttempt } from "./ExtractionSchema.js"

export const ConflictZone = Schema.Literal("calm", "warm", "hot", "critical")
export type ConflictZone = typeof ConflictZone.Type

export const horsemanHeat: { readonly [H in Horseman]: number } = {
  criticism: 4,
  contempt: 8,
  defensiveness: 3,
  stonewalling: 5
}

export const repairCooling: { readonly [R in RepairAttempt]: number } = {
  none: 0,
  adequate: 5,
  good: 15,
  excellent: 25
}

export const COOLING_PER_HOUR = 0.5
export const WARM_FROM = 25
export const HOT_FROM = 50
export const CRITICAL_FROM = 75
export const WARNING_CRITICAL_HOURS = 24
export const BREAKUP_CRITICAL_HOURS = 48
export const BREAKUP_TEMPERATURE = 90
export const BREAKUP_SCORE = 10
export const WARNING_SCORE = 20

export const conflictZone = (temperature: number): ConflictZone =>
  temperature >= CRITICAL_FROM ? "critical" : temperature >= HOT_FROM ? "hot" : temperature >= WARM_FROM ? "warm" : "calm"

/** Temperature 0..100. A new player starts calm at 0 (DOMAIN.md is silent; nothing has gone wrong yet). */
export interface ConflictState {
  readonly temperature: number
  /** When the critical zone was entered; null outside it. */
  readonly criticalSince: Date | null
  readonly updatedAt: Date
}

export const initialConflictState = (now: Date): ConflictState => ({ temperature: 0, criticalSince: null, updatedAt: now })

export const cooledTemperature = (temperature: number, hoursElapsed: number): number =>
  clamp(temperature - COOLING_PER_HOUR * Math.max(0, hoursElapsed), 0, 100)

/** A drop of the score heats by |Δ|·1.5, plus 5 when |Δ| > 3; a rise cools by 0.5·Δ. */
export const scoreChangeHeat = (scoreChange: number): number =>
  scoreChange < 0 ? -scoreChange * 1.5 + (-scoreChange > 3 ? 5 : 0) : scoreChange > 0 ? -0.5 * scoreChange : 0

/** Each horseman counts once per conversation, however often the extraction lists it. */
export const horsemenHeat = (horsemen: ReadonlyArray<Horseman>): number =>
  [...new Set(horsemen)].reduce((sum, horseman) => sum + horsemanHeat[horseman], 0)

export const ConflictOutcome = Schema.Literal("none", "warning", "breakup")
export type ConflictOutcome = typeof ConflictOutcome.Type

export interface ConflictUpdate {
  readonly previous: ConflictState
  readonly now: Date
  /** Score after minus score before for this conversation. */
  readonly scoreChange: number
  /** The relationship score after this conversation. */
  readonly score: number
  readonly horsemen: ReadonlyArray<Horseman>
  readonly repairAttempt: RepairAttempt
}

export interface ConflictResult {
  readonly state: ConflictState
  readonly zone: ConflictZone
  readonly hoursCritical: number
  readonly outcome: ConflictOutcome
}

const HOUR_MS = 3_600_000

/**
 * Cooling for the hours since the last update happens first (clamped at 0, so a long calm does not
 * bank coolness against the next fight), then the conversation's effects, clamped to 0..100.
 * The critical clock keeps running only if the temperature stayed critical through the gap
 * (still ≥ 75 after cooling); otherwise it restarts now. A breakup supersedes the warning.
 */
export const nextConflictState = (update: ConflictUpdate): ConflictResult => {
  const { now, previous } = update
  const cooled = cooledTemperature(previous.temperature, (now.getTime() - previous.updatedAt.getTime()) / HOUR_MS)
  const temperature = roundTo2(
    clamp(
      cooled + scoreChangeHeat(update.scoreChange) + horsemenHeat(update.horsemen) - repairCooling[update.repairAttempt],
      0,
      100
    )
  )
  const zone = conflictZone(temperature)
  const stayedCritical = cooled >= CRITICAL_FROM && previous.criticalSince !== null
  const criticalSince = zone !== "critical" ? null : stayedCritical ? previous.criticalSince : now
  const hoursCritical = criticalSince === null ? 0 : (now.getTime() - criticalSince.getTime()) / HOUR_MS
  const breakup = update.score < BREAKUP_SCORE ||
    (hoursCritical > BREAKUP_CRITICAL_HOURS && temperature > BREAKUP_TEMPERATURE)
  const warning = update.score < WARNING_SCORE || hoursCritical > WARNING_CRITICAL_HOURS
  return {
    state: { temperature, criticalSince, updatedAt: now },
    zone,
    hoursCritical,
    outcome: breakup ? "breakup" : warning ? "warning" : "none"
  }
}
