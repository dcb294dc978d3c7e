import { Schema } from "effect"
import { bossThreshold, type Chapter } from "./Chapters.js"

export const GameStatus = Schema.Literal("active", "boss_fight", "game_over", "won")
export type GameStatus = typeof GameStatus.Type

export const GameEvent = Schema.Literal(
  "boss_threshold_near",
  "boss_threshold_reached",
  "critical_low",
  "recovery",
  "game_over",
  "boss_passed",
  "boss_failed",
  "game_won"
)
export type GameEvent = typeof GameEvent.Type

/** Below this score the relationship is in crisis. */
export const CRITICAL_LOW_SCORE = 20
/** "Near" the boss means at most this many points under the chapter's threshold. */
export const BOSS_NEAR_MARGIN = 5

export const isGameFinished = (status: GameStatus): boolean => status === "game_over" || status === "won"

export interface ScoreTransition {
  readonly scoreBefore: number
  readonly scoreAfter: number
  readonly chapter: Chapter
  readonly status: GameStatus
}

export interface ScoreOutcome {
  readonly events: ReadonlyArray<GameEvent>
  readonly status: GameStatus
}

/**
 * The events a score change raises, shared by conversations and decay.
 * - `critical_low` / `recovery` fire on crossing 20 only (under = below 20, back over = 20 or more).
 * - `boss_threshold_near` fires on every change that ends 0-5 points under the threshold while the
 *   game is `active`: it describes where the player stands, so the prompt can hint at the test.
 * - `boss_threshold_reached` fires once, moving `active` to `boss_fight`; a running boss fight
 *   raises no boss events.
 * - `game_over` at score 0 wins over everything else; a finished game raises nothing.
 */
export const scoreOutcome = ({ chapter, scoreAfter, scoreBefore, status }: ScoreTransition): ScoreOutcome => {
  if (isGameFinished(status)) return { events: [], status }
  const events: Array<GameEvent> = []
  if (scoreBefore >= CRITICAL_LOW_SCORE && scoreAfter < CRITICAL_LOW_SCORE) events.push("critical_low")
  if (scoreBefore < CRITICAL_LOW_SCORE && scoreAfter >= CRITICAL_LOW_SCORE) events.push("recovery")
  if (scoreAfter <= 0) return { events: [...events, "game_over"], status: "game_over" }
  const threshold = bossThreshold(chapter)
  if (status === "active" && scoreAfter >= threshold) {
    return { events: [...events, "boss_threshold_reached"], status: "boss_fight" }
  }
  if (status === "active" && scoreAfter >= threshold - BOSS_NEAR_MARGIN) events.push("boss_threshold_near")
  return { events, status }
}
