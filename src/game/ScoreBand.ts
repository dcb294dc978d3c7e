import { Schema } from "effect"

/**
 * The relationship score in words, in bands of 20 points; 20 is also where the game's
 * `critical_low` begins. Shared by the prompt (which renders it) and decay (which marks a prompt
 * for rebuild when the band changes).
 */
export const ScoreBand = Schema.Literal("in_crisis", "strained", "steady", "close", "devoted")
export type ScoreBand = typeof ScoreBand.Type

export const scoreBand = (score: number): ScoreBand =>
  score < 20 ? "in_crisis" : score < 40 ? "strained" : score < 60 ? "steady" : score < 80 ? "close" : "devoted"
