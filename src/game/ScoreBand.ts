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

/**
 * Decay that moves the score into another band marks the player's ready prompts for rebuild
 * (`prompt_rebuild_due_since`): the read renders the band from the current score, but what was
 * pre-built for the old band is stale until the next build.
 */
export const bandChanged = (change: { readonly scoreBefore: number; readonly scoreAfter: number }): boolean =>
  scoreBand(change.scoreBefore) !== scoreBand(change.scoreAfter)
